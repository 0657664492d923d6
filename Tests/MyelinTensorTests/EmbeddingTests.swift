import MyelinTensor
import MyelinTestSupport
import Testing

@Suite struct EmbeddingTests {
    /// Row i is [10i, 10i + 1, 10i + 2]: every output value names the row it came from.
    let table = Tensor(shape: [4, 3], scalars: (0..<4).flatMap { i in (0..<3).map { Float(10 * i + $0) } })

    @Test(arguments: [DType.int64, .int32])
    func rowsOfAnyRankOfIndices(dtype: DType) {
        let indices = Tensor(shape: [2, 2], integers: [1, 3, 0, 1], dtype: dtype)
        expectTensor(
            embedding(indices, weight: table), shape: [2, 2, 3],
            [10, 11, 12, 30, 31, 32, 0, 1, 2, 10, 11, 12])
        // One index (rank 0) gives one row; an empty batch gives no rows.
        expectTensor(embedding(Tensor(shape: [], integers: [2], dtype: dtype), weight: table), shape: [3], [20, 21, 22])
        expectTensor(embedding(Tensor(shape: [0, 5], integers: [], dtype: dtype), weight: table), shape: [0, 5, 3], [])
    }

    @Test func nonContiguousWeightAndIndicesMatchIndexSelect() {
        let generator = RandomGenerator(seed: 7)
        // A transposed [5, 6] matrix: a [6, 5] table whose rows are strided.
        let weight = Tensor.randn([5, 6], generator: generator).T
        let grid = Tensor(shape: [4, 3], integers: (0..<12).map { _ in generator.integer(below: 6) })
        let indices = grid.T  // [3, 4], not contiguous
        #expect(!weight.isContiguous && !indices.isContiguous)
        let looked = embedding(indices, weight: weight)
        let reference = weight.indexSelect(axis: 0, indices: Tensor(integers: indices.integers)).reshaped([3, 4, 5])
        expectTensor(looked, shape: [3, 4, 5], reference.scalars, tolerance: 0)
    }

    @Test func aLargeLookupIsGatheredOnEveryThreadRowForRow() {
        // 2,048 rows of 64: enough for the rows to be split between two threads.
        let weight = Tensor.randn([50, 64], generator: RandomGenerator(seed: 3))
        let ids = (0..<2_048).map { $0 * 37 % 50 }
        let rows = weight.scalars
        let looked = Threads.withCount(2) { embedding(Tensor(integers: ids), weight: weight) }
        #expect(looked.shape == [2_048, 64] && looked.scalars == ids.flatMap { rows[$0 * 64..<($0 + 1) * 64] })
    }

    /// A large gradient with a skewed distribution of rows: each table row sums its gradient rows in
    /// order, the same bits on one thread and on two as a plain loop, and the padding row gets none.
    @Test func aLargeGradientIsSummedRowByRowInOrderOnAnyThreadCount() {
        let generator = RandomGenerator(seed: 5)
        // Skewed: row 0 takes half the lookups, so the threads' cut is not half the table.
        let ids = (0..<2_048).map { $0 % 2 == 0 ? 0 : ($0 * 37) % 50 }
        let g = Tensor.randn([2_048, 64], generator: generator), gv = g.scalars
        var want = [Float](repeating: 0, count: 50 * 64)
        for (k, r) in ids.enumerated() where r != 7 {
            for j in 0..<64 { want[r * 64 + j] += gv[k * 64 + j] }
        }
        for threads in [1, 2] {
            let weight = leaf(Tensor.zeros([50, 64]))
            Threads.withCount(threads) {
                embedding(Tensor(integers: ids), weight: weight, paddingIndex: 7).backward(g)
            }
            #expect(weight.grad!.scalars == want, "\(threads) thread(s)")
        }
    }

    @Test func repeatedIndicesAccumulateGradient() {
        let weight = leaf(table.contiguousCopy())
        let indices = Tensor(integers: [2, 0, 2, 2])
        let g = Tensor(shape: [4, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        embedding(indices, weight: weight).backward(g)
        // Row 2 gets output rows 0, 2 and 3; row 0 gets output row 1; rows 1 and 3 nothing.
        expectTensor(weight.grad!, shape: [4, 3], [4, 5, 6, 0, 0, 0, 18, 21, 24, 0, 0, 0], tolerance: 0)
    }

    @Test(arguments: [2, -2])
    func paddingRowGetsNoGradient(paddingIndex: Int) {
        let weight = leaf(table.contiguousCopy())
        let indices = Tensor(shape: [2, 3], integers: [2, 1, 2, 0, 2, 1])
        let y = embedding(indices, weight: weight, paddingIndex: paddingIndex)
        // The forward pass still reads the padding row as it is (PyTorch does the same).
        #expect(y[0, 0, 1] == 21)
        y.backward(Tensor.ones([2, 3, 3]))
        // Row 1 appears twice, row 0 once, row 2 (padding, also as −2 with 4 rows) three times.
        expectTensor(weight.grad!, shape: [4, 3], [1, 1, 1, 2, 2, 2, 0, 0, 0, 0, 0, 0], tolerance: 0)
    }

    @Test func noGradientIsRecordedForAFrozenTable() {
        let y = embedding(Tensor(integers: [1]), weight: table)
        #expect(!y.requiresGrad && y.gradFn == nil)
    }

    @Test func gradientMatchesFiniteDifferences() {
        let generator = RandomGenerator(seed: 11)
        let indices = Tensor(shape: [3, 5], integers: (0..<15).map { _ in generator.integer(below: 6) }, dtype: .int32)
        // Through tanh and a transpose, so the gradient arriving at the lookup is neither constant
        // nor contiguous; some rows are picked several times, row 5 is likely picked by none.
        checkGradients([uniform([6, 4], generator)]) { t in
            embedding(indices, weight: t[0]).transposed(0, 1).tanh()
        }
        // A non-contiguous table.
        checkGradients([uniform([4, 6], generator)]) { t in
            embedding(indices, weight: t[0].T) * 2
        }
    }
}

@Suite struct EmbeddingPreconditions {
    private func message(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func indexOutOfRange() async {
        let text = message(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = embedding(Tensor(integers: [0, 76]), weight: Tensor.zeros([76, 64]))
            })
        #expect(text.contains("embedding: index 76 is out of range for a weight of shape [76, 64]"), "\(text)")
    }

    @Test func negativeIndex() async {
        let text = message(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = embedding(Tensor(shape: [1], integers: [-1], dtype: .int32), weight: Tensor.zeros([3, 2]))
            })
        #expect(text.contains("embedding: index -1 is out of range for a weight of shape [3, 2]"), "\(text)")
    }

    @Test func floatIndices() async {
        let text = message(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = embedding(Tensor([1, 2]), weight: Tensor.zeros([3, 2]))
            })
        #expect(text.contains("embedding: indices must be int32 or int64, got float32 of shape [2]"), "\(text)")
    }

    @Test func paddingIndexOutOfRange() async {
        let text = message(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = embedding(Tensor(integers: [0]), weight: Tensor.zeros([3, 2]), paddingIndex: -4)
            })
        #expect(text.contains("embedding: paddingIndex -4 is out of range for 3 rows"), "\(text)")
    }
}
