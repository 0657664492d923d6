import Foundation
import MyelinTensor
import MyelinTestSupport
import Testing

@Suite struct CreationAndReading {
    @Test func initialisersAndReaders() {
        let m = Tensor([[1, 2, 3], [4, 5, 6]])
        #expect(m.shape == [2, 3] && m.scalars == [1, 2, 3, 4, 5, 6])
        #expect(m[1, 2] == 6 && m[0, 0] == 1)
        #expect(m.integers == [1, 2, 3, 4, 5, 6])
        #expect(Tensor(scalar: 2.5).item == 2.5)
        #expect(Tensor([7]).item == 7)
        #expect(Tensor([[3]]).item == 3)
        let labels = Tensor(integers: [3, -1, 0])
        #expect(labels.dtype == .int64 && labels.shape == [3] && labels.integers == [3, -1, 0])
        #expect(labels.scalars == [3, -1, 0])
        let i32 = Tensor(shape: [2, 2], integers: [1, 2, 3, 4], dtype: .int32)
        #expect(i32.dtype == .int32 && i32.integers == [1, 2, 3, 4] && i32[1, 0] == 3)
        #expect(Tensor(shape: [2], integers: [5, 0], dtype: .bool).integers == [1, 0])
        #expect(Tensor(integers: [Int(Int32.max) + 1]).integers == [Int(Int32.max) + 1])  // int64 range
        #expect(
            Tensor(uninitializedShape: [3]) { buffer in
                for i in buffer.indices { buffer[i] = Float(i * i) }
            }.scalars == [0, 1, 4])
        #expect(Tensor(empty: [2, 2], dtype: .int64).dtype == .int64)
        #expect(Tensor([Float]()).shape == [0] && Tensor([Float]()).scalars == [])
    }

    @Test func creationFunctions() {
        #expect(Tensor.zeros([2, 2]).scalars == [0, 0, 0, 0])
        #expect(Tensor.zeros([3], dtype: .int64).integers == [0, 0, 0])
        #expect(Tensor.ones([2]).scalars == [1, 1])
        #expect(Tensor.full([2, 1], -3).scalars == [-3, -3])
        #expect(Tensor.zeros(like: Tensor([[1, 2]])).shape == [1, 2])
        #expect(Tensor.ones(like: Tensor([1, 2, 3])).scalars == [1, 1, 1])
        #expect(Tensor.arange(5).scalars == [0, 1, 2, 3, 4])
        #expect(Tensor.arange(1, 2, step: 0.25).scalars == [1, 1.25, 1.5, 1.75])
        #expect(Tensor.arange(3, 0, step: -1).scalars == [3, 2, 1])
        #expect(Tensor.arange(2, 2).count == 0)
        #expect(Tensor.eye(3).scalars == [1, 0, 0, 0, 1, 0, 0, 0, 1])
    }

    @Test func typeConversions() {
        let f = Tensor([-1.7, -0.5, 0, 0.5, 2.9])
        #expect(f.to(.int64).dtype == .int64 && f.to(.int64).integers == [-1, 0, 0, 0, 2])  // toward zero
        #expect(f.to(.int32).integers == [-1, 0, 0, 0, 2])
        #expect(f.to(.bool).integers == [1, 1, 0, 1, 1])  // nonzero is true, as in PyTorch
        #expect(f.to(.float32) === f)
        let i = Tensor(integers: [-3, 0, 7])
        #expect(i.to(.float32).dtype == .float32 && i.to(.float32).scalars == [-3, 0, 7])
        #expect(i.to(.int32).integers == [-3, 0, 7] && i.to(.int32).dtype == .int32)
        #expect(i.to(.bool).integers == [1, 0, 1])
        let b = Tensor(shape: [3], integers: [1, 0, 1], dtype: .bool)
        #expect(b.to(.float32).scalars == [1, 0, 1] && b.to(.int64).integers == [1, 0, 1])
        // Conversions read views through their strides.
        #expect(Tensor([[1, 2], [3, 4]]).T.to(.int64).integers == [1, 3, 2, 4])
        #expect(Tensor(shape: [2, 2], integers: [1, 2, 3, 4]).T.to(.float32).scalars == [1, 3, 2, 4])
        // No gradient flows into integer types, and converting to float starts a new leaf.
        let x = Tensor([1.5])
        x.requiresGrad = true
        #expect(!x.to(.int64).requiresGrad)
    }
}

@Suite struct ArithmeticValues {
    @Test func broadcasting() {
        let column = Tensor(shape: [3, 1], scalars: [0, 10, 20])
        let row = Tensor([1, 2, 3, 4])
        expectTensor(column + row, shape: [3, 4], [1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24])
        expectTensor(row + column, shape: [3, 4], [1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24])
        expectTensor(column - row, shape: [3, 4], [-1, -2, -3, -4, 9, 8, 7, 6, 19, 18, 17, 16])
        expectTensor(column * row, shape: [3, 4], [0, 0, 0, 0, 10, 20, 30, 40, 20, 40, 60, 80])
        expectTensor(row / Tensor(scalar: 2), shape: [4], [0.5, 1, 1.5, 2])
        #expect(broadcastShapes([2, 1, 4], [3, 1], op: "test") == [2, 3, 4])
        #expect(broadcastShapes([], [5], op: "test") == [5])
        #expect(broadcastShapes([0, 1], [1, 3], op: "test") == [0, 3])
        // Non-contiguous operands.
        let m = Tensor([[1, 2], [3, 4]])
        expectTensor(m.T + m, shape: [2, 2], [2, 5, 5, 8])
        expectTensor(m.T * Tensor([10, 100]), shape: [2, 2], [10, 300, 20, 400])
        // sumToShape undoes broadcasting.
        expectTensor((column + row).sumToShape([3, 1]), shape: [3, 1], [10, 50, 90])
        expectTensor((column + row).sumToShape([4]), shape: [4], [33, 36, 39, 42])
    }

    @Test func scalarOperationsAndCompoundAssignment() {
        let x = Tensor([1, 2, 4])
        #expect((x + 1).scalars == [2, 3, 5] && (1 + x).scalars == [2, 3, 5])
        #expect((x - 1).scalars == [0, 1, 3] && (1 - x).scalars == [0, -1, -3])
        #expect((x * 2).scalars == [2, 4, 8] && (2 * x).scalars == [2, 4, 8])
        #expect((x / 2).scalars == [0.5, 1, 2] && (4 / x).scalars == [4, 2, 1])
        #expect((-x).scalars == [-1, -2, -4])
        var y = x
        y += x; y *= Tensor(scalar: 3); y -= Tensor([1, 1, 1]); y /= Tensor(scalar: 2)
        y += 1; y *= 2
        #expect(y.scalars == [7, 13, 25])
        #expect(x.scalars == [1, 2, 4])  // compound assignment makes a new tensor
    }

    @Test(arguments: KernelPath.supported)
    func unaryValues(path: KernelPath) {
        KernelPath.withPath(path) {
            let x = Tensor([-2, -0.5, 0, 0.5, 2])
            let e: [Float] = [-2, -0.5, 0, 0.5, 2]
            expectClose(x.exp().scalars, e.map { Float(Foundation.exp(Double($0))) })
            expectClose(x.tanh().scalars, e.map { Float(Foundation.tanh(Double($0))) })
            expectClose(x.sigmoid().scalars, e.map { Float(1 / (1 + Foundation.exp(-Double($0)))) })
            expectClose(x.erf().scalars, [-0.9953223, -0.5204999, 0, 0.5204999, 0.9953223])
            expectClose(x.abs().scalars, [2, 0.5, 0, 0.5, 2])
            expectClose(x.relu().scalars, [0, 0, 0, 0.5, 2])
            expectClose(x.square().scalars, [4, 0.25, 0, 0.25, 4])
            expectClose(x.pow(3).scalars, [-8, -0.125, 0, 0.125, 8])
            expectClose(x.clamped(min: -1, max: 1).scalars, [-1, -0.5, 0, 0.5, 1])
            expectClose(x.leakyRelu(slope: 0.1).scalars, [-0.2, -0.05, 0, 0.5, 2])
            expectClose(x.heaviside().scalars, [0, 0, 1, 1, 1])
            expectClose(x.sign().scalars, [-1, -1, 0, 1, 1])
            let leaf = Tensor([3])
            leaf.requiresGrad = true
            #expect(Tensor([.nan]).sign().scalars[0].isNaN && !leaf.sign().requiresGrad)
            expectClose(x.gelu().scalars, [-0.04550026, -0.15426877, 0, 0.34573123, 1.9544997])
            let p = Tensor([0.25, 1, 4])
            expectClose(p.sqrt().scalars, [0.5, 1, 2])
            expectClose(p.log().scalars, [-1.3862944, 0, 1.3862944])
            expectClose(p.pow(0.5).scalars, [0.5, 1, 2])
            expectClose(p.pow(-1).scalars, [4, 1, 0.25])
            expectClose(p.pow(0).scalars, [1, 1, 1])
            expectClose(Tensor([1e-7, 1]).log1p().scalars, [1e-7, 0.6931472])
            expectClose(maximum(Tensor([1, 5]), Tensor([3, 2])).scalars, [3, 5])
            expectClose(minimum(Tensor([1, 5]), Tensor([[3], [0]])).scalars, [1, 3, 0, 0])
            let s = Tensor([[1, 2, 3], [1, 1, 1]]).softmax()
            expectClose(s.scalars, [0.09003057, 0.24472847, 0.66524096, 1 / 3, 1 / 3, 1 / 3])
            expectClose(Tensor([[1, 2, 3]]).logSoftmax().scalars, [-2.407606, -1.4076059, -0.40760595])
            expectClose(Tensor([[1, 1], [2, 4]]).softmax(axis: 0).scalars, [0.26894143, 0.04742587, 0.7310586, 0.95257413])
        }
    }
}

@Suite struct ComparisonValues {
    @Test func masks() {
        let a = Tensor([1, 2, 3, 4]), b = Tensor([4, 2, 1, 4])
        let eq = a .== b
        #expect(eq.dtype == .bool && eq.integers == [0, 1, 0, 1])
        #expect((a .!= b).integers == [1, 0, 1, 0])
        #expect((a .< b).integers == [1, 0, 0, 0])
        #expect((a .<= b).integers == [1, 1, 0, 1])
        #expect((a .> b).integers == [0, 0, 1, 0])
        #expect((a .>= b).integers == [0, 1, 1, 1])
        #expect((a .> 2).integers == [0, 0, 1, 1])
        #expect((a .== 3).integers == [0, 0, 1, 0])
        #expect((a .<= 2).integers == [1, 1, 0, 0])
        // Broadcast and integer operands (predictions against labels).
        let grid = Tensor(shape: [2, 1], scalars: [1, 3]) .< Tensor([0, 2, 4])
        #expect(grid.shape == [2, 3] && grid.integers == [0, 1, 1, 0, 0, 1])
        let predictions = Tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]).argmax(axis: 1)
        #expect((predictions .== Tensor(integers: [1, 0, 0])).integers == [1, 1, 0])
        #expect(!(a .> b).requiresGrad)
    }

    @Test func whereSelects() {
        let mask = Tensor(shape: [2, 3], integers: [1, 0, 1, 0, 0, 1], dtype: .bool)
        let a = Tensor([[1, 2, 3], [4, 5, 6]])
        expectTensor(`where`(mask, a, Tensor(scalar: -1)), shape: [2, 3], [1, -1, 3, -1, -1, 6])
        expectTensor(`where`(mask, a, Tensor([10, 20, 30])), shape: [2, 3], [1, 20, 3, 10, 20, 6])
        expectTensor(`where`(a .> 3, a, a * 0), shape: [2, 3], [0, 0, 0, 4, 5, 6])
        // The mask broadcasts too, and a non-finite value on the side not taken does not leak.
        let rowMask = Tensor(shape: [2, 1], integers: [0, 1], dtype: .bool)
        let inf = Tensor([Float.infinity, Float.nan, 1])
        let picked = `where`(rowMask, inf, Tensor([7, 8, 9]))
        #expect(picked.shape == [2, 3])
        let v = picked.scalars
        #expect(v[0] == 7 && v[1] == 8 && v[2] == 9 && v[3] == .infinity && v[4].isNaN && v[5] == 1)
    }
}

@Suite struct LargeTensors {
    // Above 2 × 32,768 elements the elementwise loops and vector kernels split over the thread
    // pool; every slice must land in the right place.
    @Test func parallelPathsMatchSerialArithmetic() {
        let g = RandomGenerator(seed: 31)
        let n = 300_007
        let x = uniform([n], g, -1, 1), y = uniform([n], g, 0.5, 1.5)
        let xs = x.scalars, ys = y.scalars
        #expect((x * 2 + 1).scalars == xs.map { $0 * 2 + 1 })
        #expect((x + y).scalars == zip(xs, ys).map { $0 + $1 })
        #expect((x / y).scalars == zip(xs, ys).map { $0 / $1 })
        #expect(maximum(x, y * 0).scalars == xs.map { Swift.max($0, 0) })
        expectClose(x.exp().scalars, xs.map { Foundation.exp($0) })
        expectClose(y.log().scalars, ys.map { Foundation.log($0) })
        expectClose(x.tanh().scalars, xs.map { Foundation.tanh($0) })
        expectClose(x.sigmoid().scalars, xs.map { 1 / (1 + Foundation.exp(-$0)) })
        let accumulated = x.contiguousCopy()
        accumulated.addInPlace(y)
        #expect(accumulated.scalars == zip(xs, ys).map { $0 + $1 })
        let m = x.narrowed(axis: 0, start: 0, length: 300_000).reshaped(600, 500)
        let rowSums = (0..<600).map { i in Float((0..<500).reduce(0.0) { $0 + Double(xs[i * 500 + $1]) }) }
        expectClose(m.sum(axis: 1).scalars, rowSums, tolerance: 1e-4)
        // A transposed operand goes through the strided path.
        let mt = m.T + m.T
        #expect(mt.shape == [500, 600] && mt[7, 3] == 2 * m[3, 7])
    }
}
