import MyelinTestSupport
import Testing

@testable import MyelinTensor

/// C = A·B by the textbook triple loop in Double, reading both through their logical indices.
private func naiveMatMul(_ a: Tensor, _ b: Tensor) -> [Float] {
    let m = a.shape[0], k = a.shape[1], n = b.shape[1]
    let av = a.scalars, bv = b.scalars
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k { s += Double(av[i * k + p]) * Double(bv[p * n + j]) }
            c[i * n + j] = Float(s)
        }
    }
    return c
}

// Float32 products summed over k terms of size ≲ 1 carry ≲ k·ε relative error; 1e-5 relative to
// max(1, |c|) (expectClose) holds for k ≤ ~100 at these magnitudes, so large k use 1e-4.

@Suite struct MatMulValues {
    let g = RandomGenerator(seed: 21)

    @Test(arguments: KernelPath.supported)
    func awkwardShapesAgainstTheTripleLoop(path: KernelPath) {
        KernelPath.withPath(path) {
            // Rows that leave a remainder under half a register tile (shared with the tile before it):
            // 14 and 26 rows on every path, 7 and 128 on AVX2 and portable, 16 on AVX-512; 128 × 600 ×
            // 300 also packs A (two K blocks); 300 × 128 × 450 is large but reads A in place (one K block).
            let shapes = [
                (1, 1, 1), (7, 13, 5), (1, 9, 1), (5, 1, 6), (16, 16, 16), (33, 65, 17), (3, 200, 2), (130, 70, 90),
                (14, 9, 21), (26, 37, 19), (128, 40, 24), (128, 600, 300), (300, 128, 450),
            ]
            for (m, k, n) in shapes {
                let a = uniform([m, k], g, -1, 1), b = uniform([k, n], g, -1, 1)
                let c = matmul(a, b)
                #expect(c.shape == [m, n])
                expectClose(c.scalars, naiveMatMul(a, b), tolerance: 1e-4, "\(m)×\(k)·\(k)×\(n)")
            }
            expectTensor(matmul(Tensor([[1, 2], [3, 4]]), Tensor([[5, 6], [7, 8]])), shape: [2, 2], [19, 22, 43, 50])
        }
    }

    @Test(arguments: KernelPath.supported)
    func nonContiguousInputs(path: KernelPath) {
        KernelPath.withPath(path) {
            let a = uniform([13, 7], g), b = uniform([5, 13], g)
            expectClose(matmul(a.T, b.T).scalars, naiveMatMul(a.T, b.T), tolerance: 1e-4, "transposes")
            let wide = uniform([7, 26], g), tall = uniform([15, 5], g)
            let aStep = wide.sliced(axis: 1, 0..<26, step: 2)  // 7×13, column stride 2
            let bStep = tall.sliced(axis: 0, 1..<15, step: 1).narrowed(axis: 0, start: 0, length: 13)
            expectClose(matmul(aStep, bStep).scalars, naiveMatMul(aStep, bStep), tolerance: 1e-4, "strided views")
            let broadcastRow = Tensor([1, 2, 3]).expanded(to: [4, 3])  // stride 0 rows
            expectClose(matmul(broadcastRow, Tensor.eye(3)).scalars, [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3])
        }
    }

    @Test(arguments: KernelPath.supported)
    func batchedAndVectorCases(path: KernelPath) {
        KernelPath.withPath(path) {
            let a = uniform([3, 4, 5], g), b = uniform([3, 5, 2], g), w = uniform([5, 2], g)
            let c = matmul(a, b)
            #expect(c.shape == [3, 4, 2])
            for i in 0..<3 {
                expectClose(c[i].scalars, naiveMatMul(a[i], b[i]), tolerance: 1e-4, "batch \(i)")
            }
            let cw = matmul(a, w)
            #expect(cw.shape == [3, 4, 2])
            for i in 0..<3 { expectClose(cw[i].scalars, naiveMatMul(a[i], w), tolerance: 1e-4, "3-D × 2-D batch \(i)") }
            let left = uniform([4, 5], g)
            let cl = matmul(left, b)
            #expect(cl.shape == [3, 4, 2])
            for i in 0..<3 { expectClose(cl[i].scalars, naiveMatMul(left, b[i]), tolerance: 1e-4, "2-D × 3-D batch \(i)") }
            let bt = matmul(a.transposed(), a)  // [3, 5, 4] × [3, 4, 5]
            for i in 0..<3 { expectClose(bt[i].scalars, naiveMatMul(a[i].T, a[i]), tolerance: 1e-4, "batched transposes") }

            let v = Tensor([1, -1, 2])
            let mat = Tensor([[1, 2], [3, 4], [5, 6]])
            expectTensor(matmul(v, mat), shape: [2], [8, 10])  // row vector
            expectTensor(matmul(mat.T, v), shape: [2], [8, 10])  // column vector
            expectTensor(matmul(v, Tensor([4, 5, 6])), shape: [], [11])  // dot product
            expectTensor(matmul(Tensor([1, 2]), Tensor(shape: [2, 2, 1], scalars: [1, 1, 2, 3])), shape: [2, 1], [3, 8])
            expectTensor(matmul(Tensor(shape: [2, 1, 2], scalars: [1, 2, 3, 4]), Tensor([1, 1])), shape: [2, 1], [3, 7])
            expectTensor(mat.T.matmul(mat), shape: [2, 2], [35, 44, 44, 56])
        }
    }

    @Test func emptyDimensions() {
        // k = 0 is a sum of nothing: zeros, even though the output buffer starts uninitialised.
        expectTensor(matmul(Tensor.full([3, 0], 1), Tensor.full([0, 4], 1)), shape: [3, 4], [Float](repeating: 0, count: 12))
        #expect(matmul(Tensor.zeros([0, 5]), Tensor.ones([5, 2])).shape == [0, 2])
        #expect(matmul(Tensor.ones([2, 5]), Tensor.zeros([5, 0])).shape == [2, 0])
        #expect(linear(Tensor.zeros([0, 3]), weight: Tensor.ones([2, 3]), bias: Tensor.ones([2])).shape == [0, 2])
        let x = Tensor.ones([3, 0]), w = Tensor.ones([0, 4])
        x.requiresGrad = true
        w.requiresGrad = true
        matmul(x, w).sum().backward()
        #expect(x.grad?.shape == [3, 0] && w.grad?.shape == [0, 4])
    }

    @Test(arguments: KernelPath.supported)
    func linearMatchesItsDefinition(path: KernelPath) {
        KernelPath.withPath(path) {
            let x = uniform([6, 5], g), w = uniform([4, 5], g), b = uniform([4], g)
            let expected = zip(naiveMatMul(x, w.T), (0..<24).map { b.scalars[$0 % 4] }).map { $0 + $1 }
            expectClose(linear(x, weight: w, bias: b).scalars, expected, tolerance: 1e-5)
            expectClose(linear(x, weight: w, bias: nil).scalars, naiveMatMul(x, w.T), tolerance: 1e-5)
            expectClose(linear(x, weight: w, bias: b, activation: .relu).scalars, expected.map { Swift.max($0, 0) }, tolerance: 1e-5)
            let y3 = linear(x.reshaped(2, 3, 5), weight: w, bias: b)
            #expect(y3.shape == [2, 3, 4])
            expectClose(y3.scalars, expected, tolerance: 1e-5)
            let y1 = linear(x[0], weight: w, bias: b)
            #expect(y1.shape == [4])
            expectClose(y1.scalars, Array(expected[0..<4]), tolerance: 1e-5)
            // A non-contiguous input and bias.
            expectClose(linear(x.T.contiguous().T, weight: w, bias: b.expanded(to: [4])).scalars, expected, tolerance: 1e-5)
            let stepped = Tensor([b.scalars[0], 9, b.scalars[1], 9, b.scalars[2], 9, b.scalars[3]]).sliced(axis: 0, 0..<7, step: 2)
            expectClose(linear(x, weight: w, bias: stepped).scalars, expected, tolerance: 1e-5)
        }
    }

    @Test(arguments: [(7, 3), (50, 9), (3, 7), (5, 5), (40, 30)])
    func transposedProductIsTheProductOfTheTranspose(widths: (Int, Int)) {
        // Both ways round: (bᵀ·a)ᵀ transposed back (7 × 3 and 50 × 9, partial and whole tiles of the
        // transpose: n < m and k large beside m·n) and aᵀ·b directly (the others); the sums are the
        // same, so only rounding may differ.
        let g = RandomGenerator(seed: 31)
        let a = uniform([137, widths.0], g, -1, 1), b = uniform([137, widths.1], g, -1, 1)
        let product = transposedProduct(a, b)
        #expect(product.shape == [widths.0, widths.1] && product.isContiguous)
        expectClose(product.scalars, naiveMatMul(a.T, b), tolerance: 1e-5)
    }

    /// A layer's weight and bias gradients together: gzᵀ·x, and gz's column sums, made by the GEMM
    /// where the product is swapped (gz the GEMM's B, read in place: 400 × 40 against 400 × 8 on one
    /// thread, and 2,048 × 128 against 2,048 × 32, large enough for two threads, its column chunks
    /// fetching rows of gz ahead over four K blocks) and by a sum of their own where it is not (the
    /// others); x a transposed view throughout; each as `transposedProduct` and `sum(axis: 0)` give
    /// it, up to rounding, on one and two threads, and just one of them where only one is asked for.
    @Test(arguments: [(400, 40, 8), (2048, 128, 32), (9, 5, 3), (60, 12, 30)])
    func weightAndBiasGradientsTogether(shape: (k: Int, m: Int, n: Int)) {
        let g = RandomGenerator(seed: 33)
        let gz = uniform([shape.k, shape.m], g, -1, 1), x = uniform([shape.n, shape.k], g, -1, 1).T
        let tolerance = Float(shape.k) * 1e-7 + 1e-6  // sums of k terms of size 1, in other orders
        for threads in [1, 2] {
            Threads.withCount(threads) {
                let (weight, bias) = weightAndBiasGradients(gz, x, weight: true, bias: true)
                #expect(weight?.shape == [shape.m, shape.n] && bias?.shape == [shape.m])
                expectClose(weight!.scalars, naiveMatMul(gz.T, x), tolerance: tolerance)
                expectClose(bias!.scalars, gz.sum(axis: 0).scalars, tolerance: tolerance)
            }
        }
        let weightOnly = weightAndBiasGradients(gz, x, weight: true, bias: false)
        let biasOnly = weightAndBiasGradients(gz, x, weight: false, bias: true)
        #expect(weightOnly.weight != nil && weightOnly.bias == nil && biasOnly.weight == nil && biasOnly.bias != nil)
        expectClose(biasOnly.bias!.scalars, gz.sum(axis: 0).scalars, tolerance: 1e-6)
    }

    /// The product that also sums a's rows by group (a recurrence's token table and W_hh's gradient
    /// in one pass): the product aᵀ·b, and each group's row the sum of its rows of a, in order,
    /// added to what the sums held; from a's rows padded past their width, with one and two threads.
    @Test(arguments: [(600, 96, 24), (9, 5, 3)])
    func transposedProductAddingRowsByGroup(shape: (k: Int, m: Int, n: Int)) {
        let g = RandomGenerator(seed: 32)
        let a = uniform([shape.k, shape.m + 4], g, -1, 1).narrowed(axis: 1, start: 0, length: shape.m)
        let b = uniform([shape.k, shape.n], g, -1, 1)
        let groups = (0..<shape.k).map { _ in g.integer(below: 5) }  // no period a K block could hide
        let start = uniform([5, shape.m + 2], g, -1, 1)
        var want = start.scalars  // in float, row after row
        for (r, group) in groups.enumerated() {
            for i in 0..<shape.m { want[group * (shape.m + 2) + i] += a[r, i] }
        }
        for threads in [1, 2] {
            Threads.withCount(threads) {
                let padded = start.contiguousCopy(), sums = padded.narrowed(axis: 1, start: 0, length: shape.m)
                let product = transposedProduct(a, b, addingRowsTo: sums, groups: groups[...])
                #expect(product.shape == [shape.m, shape.n])
                expectClose(product.scalars, naiveMatMul(a.T, b), tolerance: 1e-5)
                #expect(padded.scalars == want, "\(threads) thread(s)")
            }
        }
    }
}
