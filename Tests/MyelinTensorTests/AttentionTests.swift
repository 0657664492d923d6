import MyelinTensor
import MyelinTestSupport
import Testing

/// Attention spelled with ops that are checked on their own — matmul, an additive mask, softmax,
/// matmul — on [N, T, D] operands: the definition the fused kernel must match. `hidden[n][i][j]`
/// says whether query i of problem n must not see key j. (Rows that see no key are NaN here.)
private func referenceAttention(
    _ q: Tensor, _ k: Tensor, _ v: Tensor, hidden: (Int, Int, Int) -> Bool,
    scale: Float
) -> Tensor {
    let (n, t, s) = (q.shape[0], q.shape[1], k.shape[1])
    var bias = [Float](repeating: 0, count: n * t * s)
    for a in 0..<n { for i in 0..<t { for j in 0..<s where hidden(a, i, j) { bias[(a * t + i) * s + j] = -.infinity } } }
    let scores = matmul(q, k.transposed(1, 2)) * scale + Tensor(shape: [n, t, s], scalars: bias)
    return matmul(scores.softmax(axis: -1), v)
}

/// A problem's masks as `referenceAttention` reads them, for [B, H, …] operands flattened to B·H.
private func hiddenKeys(heads: Int, causal: Bool, padding: [[Bool]]?) -> (Int, Int, Int) -> Bool {
    { n, i, j in (causal && j > i) || (padding?[n / heads][j] ?? false) }
}

private func boolMask(_ rows: [[Bool]]) -> Tensor {
    Tensor(shape: [rows.count, rows[0].count], integers: rows.flatMap { $0.map { $0 ? 1 : 0 } }, dtype: .bool)
}

@Suite struct AttentionTests {
    let g = RandomGenerator(seed: 21)

    @Test(arguments: [false, true], [false, true])
    func matchesTheDefinition(causal: Bool, padded: Bool) {
        onEveryKernelPath { _ in
            // Cross-attention sizes (T = 5 queries, S = 6 keys, Dv ≠ D) on [B, H, ·, ·].
            let (b, h, t, s, d, dv) = (2, 3, 5, 6, 4, 3)
            let q = uniform([b, h, t, d], g), k = uniform([b, h, s, d], g), v = uniform([b, h, s, dv], g)
            let padding = padded ? [[false, true, false, false, true, false], [false, false, false, false, false, true]] : nil
            let y = scaledDotProductAttention(query: q, key: k, value: v, causal: causal, keyPaddingMask: padding.map(boolMask))
            let reference = referenceAttention(
                q.reshaped([b * h, t, d]), k.reshaped([b * h, s, d]), v.reshaped([b * h, s, dv]),
                hidden: hiddenKeys(heads: h, causal: causal, padding: padding),
                scale: 1 / Float(d).squareRoot())
            expectTensor(y, shape: [b, h, t, dv], reference.scalars, tolerance: 2e-6)
        }
    }

    @Test(arguments: KernelPath.supported)
    func lowerRanksAndAGivenScale(path: KernelPath) {
        KernelPath.withPath(path) {
            let q = uniform([3, 4, 5], g), k = uniform([3, 7, 5], g), v = uniform([3, 7, 2], g)
            let reference = referenceAttention(q, k, v, hidden: { _, i, j in j > i }, scale: 0.3)
            expectTensor(
                scaledDotProductAttention(query: q, key: k, value: v, causal: true, scale: 0.3), shape: [3, 4, 2],
                reference.scalars, tolerance: 2e-6)
            // [T, D]: one problem; its padding mask is [S].
            let mask = Tensor(shape: [7], integers: [0, 0, 1, 0, 0, 0, 1], dtype: .bool)
            let (q0, k0, v0) = (
                q.narrowed(axis: 0, start: 0, length: 1), k.narrowed(axis: 0, start: 0, length: 1),
                v.narrowed(axis: 0, start: 0, length: 1)
            )
            let single = scaledDotProductAttention(
                query: q0.squeezed(axis: 0), key: k0.squeezed(axis: 0),
                value: v0.squeezed(axis: 0), keyPaddingMask: mask)
            let expected = referenceAttention(
                q0, k0, v0,
                hidden: { _, _, j in j == 2 || j == 6 }, scale: 1 / Float(5).squareRoot())
            expectTensor(single, shape: [4, 2], expected.scalars, tolerance: 2e-6)
        }
    }

    @Test(arguments: KernelPath.supported)
    func longerThanOneBlockOfQueries(path: KernelPath) {
        KernelPath.withPath(path) {
            // 70 queries: three blocks, the causal ones each reading a different number of keys.
            let (n, t, d) = (2, 70, 8)
            let inputs = [uniform([n, t, d], g), uniform([n, t, d], g), uniform([n, t, d], g)]
            let weights = uniform([n, t, d], g)
            for causal in [false, true] {
                let fused = inputs.map { leaf($0.contiguousCopy()) }, plain = inputs.map { leaf($0.contiguousCopy()) }
                let y = scaledDotProductAttention(query: fused[0], key: fused[1], value: fused[2], causal: causal)
                let reference = referenceAttention(
                    plain[0], plain[1], plain[2], hidden: { _, i, j in causal && j > i },
                    scale: 1 / Float(d).squareRoot())
                expectTensor(y, shape: [n, t, d], reference.scalars, tolerance: 2e-6, "causal: \(causal)")
                // The gradients against autograd through the reference's ops.
                y.backward(weights)
                reference.backward(weights)
                for (a, b) in zip(fused, plain) { expectClose(a.grad!.scalars, b.grad!.scalars, tolerance: 1e-5, "causal: \(causal)") }
            }
        }
    }

    @Test(arguments: [false, true], [false, true])
    func gradientsMatchFiniteDifferences(causal: Bool, padded: Bool) {
        let (b, h, t, s, d, dv) = (2, 2, 4, 5, 3, 2)
        let mask = padded ? boolMask([[false, false, true, false, false], [true, false, false, false, true]]) : nil
        // Causal with T < S: the last key is seen by no query (its gradients are zero).
        checkGradients(
            [uniform([b, h, t, d], g), uniform([b, h, s, d], g), uniform([b, h, s, dv], g)],
            "causal: \(causal), padded: \(padded)"
        ) {
            scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], causal: causal, keyPaddingMask: mask)
        }
        checkGradients(
            [uniform([b, h, t, d], g), uniform([b, h, s, d], g), uniform([b, h, s, dv], g)], wrt: [1],
            "keys only, causal: \(causal), padded: \(padded)"
        ) {
            scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], causal: causal, keyPaddingMask: mask, scale: 0.7)
        }
    }

    @Test func gradientsThroughViews() {
        // Keys given transposed ([B, D, S] → [B, S, D]: features not contiguous) and queries as a slice.
        checkGradients([uniform([2, 6, 3], g), uniform([2, 3, 4], g), uniform([2, 4, 3], g)]) {
            scaledDotProductAttention(
                query: $0[0].narrowed(axis: 1, start: 1, length: 4), key: $0[1].transposed(1, 2),
                value: $0[2], causal: true)
        }
    }

    @Test(arguments: KernelPath.supported)
    func queriesThatSeeNoKeyGiveZerosNotNaN(path: KernelPath) {
        KernelPath.withPath(path) {
            // Batch 0 hides every key; batch 1 hides key 0, which causal query 0 alone would see.
            let mask = boolMask([[true, true, true], [true, false, false]])
            let q = leaf(uniform([2, 1, 3, 4], g)), k = leaf(uniform([2, 1, 3, 4], g)), v = leaf(uniform([2, 1, 3, 4], g))
            let y = scaledDotProductAttention(query: q, key: k, value: v, causal: true, keyPaddingMask: mask)
            let values = y.scalars
            #expect(values.allSatisfy { $0.isFinite })
            #expect(values[0..<12].allSatisfy { $0 == 0 } && values[12..<16].allSatisfy { $0 == 0 })
            #expect(values[16..<24].contains { $0 != 0 })
            // Query 1 of batch 1 sees key 1 only: its output is that key's value.
            #expect(Array(values[16..<20]) == Array(v.scalars[16..<20]))
            y.backward(Tensor.ones(y.shape))
            for t in [q, k, v] { #expect(t.grad!.scalars.allSatisfy { $0.isFinite }) }
            #expect(k.grad!.scalars[0..<12].allSatisfy { $0 == 0 } && v.grad!.scalars[0..<12].allSatisfy { $0 == 0 })
        }
    }

    @Test(arguments: [false, true])
    func packedProjectionMatchesSeparateHeads(causal: Bool) {
        onEveryKernelPath { _ in
            let (b, t, heads, d) = (2, 5, 3, 4), c = heads * d
            let mask = boolMask([[false, false, false, true, false], [false, true, false, false, false]])
            let qkv = leaf(uniform([b, t, 3 * c], g)), copy = leaf(qkv.contiguousCopy())
            let weights = uniform([b, t, c], g)
            let y = scaledDotProductAttention(packed: qkv, heads: heads, causal: causal, keyPaddingMask: mask)
            // The same through views: split, one [B, H, T, D] per part, attention, heads merged again.
            let parts = copy.split(size: c, axis: 2).map { $0.reshaped([b, t, heads, d]).transposed(1, 2) }
            let separate = scaledDotProductAttention(
                query: parts[0], key: parts[1], value: parts[2], causal: causal,
                keyPaddingMask: mask
            ).transposed(1, 2).reshaped([b, t, c])
            expectTensor(y, shape: [b, t, c], separate.scalars, tolerance: 1e-6)
            y.backward(weights)
            separate.backward(weights)
            expectClose(qkv.grad!.scalars, copy.grad!.scalars, tolerance: 1e-6)
            checkGradients([uniform([b, t, 3 * c], g)], "packed, causal: \(causal)") {
                scaledDotProductAttention(packed: $0[0], heads: heads, causal: causal, keyPaddingMask: mask)
            }
        }
    }

    @Test func mergingTheHeadsOfA4DResultIsAView() {
        let q = uniform([2, 3, 4, 5], g)
        let y = scaledDotProductAttention(query: q, key: q, value: q)
        #expect(y.transposed(1, 2).isContiguous)
    }

    @Test(arguments: KernelPath.supported)
    func sameBitsOnOneAndTwoThreads(path: KernelPath) {
        KernelPath.withPath(path) {
            let inputs = [uniform([4, 4, 40, 16], g), uniform([4, 4, 40, 16], g), uniform([4, 4, 40, 16], g)]
            let weights = uniform([4, 4, 40, 16], g)
            func run() -> [[Float]] {
                let leaves = inputs.map { leaf($0.contiguousCopy()) }
                let y = scaledDotProductAttention(query: leaves[0], key: leaves[1], value: leaves[2], causal: true)
                y.backward(weights)
                return [y.scalars] + leaves.map { $0.grad!.scalars }
            }
            let one = Threads.withCount(1) { run() }
            #expect(Threads.withCount(2) { run() } == one)
        }
    }
}

@Suite struct AttentionPreconditions {
    private func text(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func featureMismatch() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = scaledDotProductAttention(
                    query: Tensor.zeros([2, 4, 8]), key: Tensor.zeros([2, 5, 7]), value: Tensor.zeros([2, 5, 3]))
            })
        #expect(
            message.contains(
                "scaledDotProductAttention: query shape [2, 4, 8] and key shape [2, 5, 7] differ in their last (feature) dimension"),
            "\(message)")
    }

    @Test func maskShape() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                let x = Tensor.zeros([2, 4, 8])
                _ = scaledDotProductAttention(query: x, key: x, value: x, keyPaddingMask: Tensor.zeros([2, 5], dtype: .bool))
            })
        #expect(
            message.contains(
                "scaledDotProductAttention: keyPaddingMask must be bool of shape [2, 4] for these queries and keys, got bool of shape [2, 5]"
            ),
            "\(message)")
    }

    @Test func packedWidth() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = scaledDotProductAttention(packed: Tensor.zeros([2, 4, 30]), heads: 4)
            })
        #expect(
            message.contains(
                "scaledDotProductAttention(packed:): qkv must be [batch, steps, 3·heads·headSize] for 4 heads, got shape [2, 4, 30]"),
            "\(message)")
    }
}
