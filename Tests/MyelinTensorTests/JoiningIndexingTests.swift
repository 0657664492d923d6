import MyelinTensor
import Testing

@Suite struct JoiningValues {
    @Test func concatenateAlongAxes() {
        let a = Tensor([[1, 2], [3, 4]]), b = Tensor([[5, 6]]), c = Tensor([[7], [8]])
        expectTensor(concatenate([a, b]), shape: [3, 2], [1, 2, 3, 4, 5, 6])
        expectTensor(concatenate([a, c], axis: 1), shape: [2, 3], [1, 2, 7, 3, 4, 8])
        expectTensor(concatenate([c, a, c], axis: -1), shape: [2, 4], [7, 1, 2, 7, 8, 3, 4, 8])
        expectTensor(concatenate([a.T, b]), shape: [3, 2], [1, 3, 2, 4, 5, 6])  // views are read through strides
        expectTensor(concatenate([a]), shape: [2, 2], [1, 2, 3, 4])
        expectTensor(concatenate([Tensor([1]), Tensor([Float]()), Tensor([2, 3])]), shape: [3], [1, 2, 3])
        let ints = concatenate([Tensor(integers: [1, 2]), Tensor(integers: [3])])
        #expect(ints.dtype == .int64 && ints.integers == [1, 2, 3])
        let bools = concatenate([Tensor(shape: [1], integers: [1], dtype: .bool), Tensor(shape: [2], integers: [0, 1], dtype: .bool)])
        #expect(bools.dtype == .bool && bools.integers == [1, 0, 1])
    }

    @Test func stackAlongAxes() {
        let a = Tensor([1, 2, 3]), b = Tensor([4, 5, 6])
        expectTensor(stack([a, b]), shape: [2, 3], [1, 2, 3, 4, 5, 6])
        expectTensor(stack([a, b], axis: 1), shape: [3, 2], [1, 4, 2, 5, 3, 6])
        expectTensor(stack([a, b], axis: -1), shape: [3, 2], [1, 4, 2, 5, 3, 6])
        let m = Tensor([[1, 2], [3, 4]])
        expectTensor(stack([m, m * 10], axis: 1), shape: [2, 2, 2], [1, 2, 10, 20, 3, 4, 30, 40])
        expectTensor(stack([Tensor(scalar: 1), Tensor(scalar: 2)]), shape: [2], [1, 2])
    }

    @Test func splitIntoPieces() {
        let x = iota([5, 2])
        let parts = x.split(sizes: [1, 3, 1])
        #expect(parts.map(\.shape) == [[1, 2], [3, 2], [1, 2]])
        #expect(parts.map(\.scalars) == [[0, 1], [2, 3, 4, 5, 6, 7], [8, 9]])
        let bySize = x.split(size: 2)
        #expect(bySize.map(\.shape) == [[2, 2], [2, 2], [1, 2]])
        #expect(bySize[2].scalars == [8, 9])
        let columns = x.split(size: 1, axis: -1)
        #expect(columns.map(\.scalars) == [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]])
        #expect(x.split(sizes: [0, 5]).map(\.shape) == [[0, 2], [5, 2]])
        // Pieces joined back give the original.
        #expect(concatenate(x.split(size: 2)).scalars == x.scalars)
    }
}

@Suite struct IndexingValues {
    @Test func indexSelectPicksSlices() {
        let x = iota([3, 4])
        expectTensor(
            x.indexSelect(axis: 0, indices: Tensor(integers: [2, 0, 2])), shape: [3, 4],
            [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11])
        expectTensor(
            x.indexSelect(axis: 1, indices: Tensor(shape: [2], integers: [3, 1], dtype: .int32)), shape: [3, 2],
            [3, 1, 7, 5, 11, 9])
        expectTensor(x.indexSelect(axis: -1, indices: Tensor(integers: [])), shape: [3, 0], [])
        expectTensor(x.T.indexSelect(axis: 0, indices: Tensor(integers: [1])), shape: [1, 3], [1, 5, 9])
        // An embedding lookup: rows of a table by token id.
        let table = Tensor([[0, 0], [1, 1], [2, 2]])
        expectTensor(table.indexSelect(axis: 0, indices: Tensor(integers: [1, 1, 2, 0])), shape: [4, 2], [1, 1, 1, 1, 2, 2, 0, 0])
    }

    @Test func gatherPicksElements() {
        let x = iota([3, 4])
        let picked = x.gather(axis: 1, indices: Tensor(shape: [3, 2], integers: [0, 3, 2, 2, 1, 0]))
        expectTensor(picked, shape: [3, 2], [0, 3, 6, 6, 9, 8])
        expectTensor(x.gather(axis: 0, indices: Tensor(shape: [1, 4], integers: [2, 0, 1, 2])), shape: [1, 4], [8, 1, 6, 11])
        expectTensor(x.T.gather(axis: 1, indices: Tensor(shape: [2, 1], integers: [2, 0])), shape: [2, 1], [8, 1])
        // The log-probability of each label (the heart of cross-entropy).
        let logits = Tensor([[0.1, 0.9], [0.8, 0.2]])
        let labels = Tensor(shape: [2, 1], integers: [1, 0])
        expectTensor(logits.gather(axis: 1, indices: labels), shape: [2, 1], [0.9, 0.8])
        let cube = iota([2, 2, 3])
        expectTensor(
            cube.gather(axis: 2, indices: Tensor(shape: [2, 2, 1], integers: [2, 0, 1, 1], dtype: .int32)),
            shape: [2, 2, 1], [2, 3, 7, 10])
    }
}

@Suite struct IndexingKeepsTheElementType {
    @Test func integerAndBoolInputs() {
        let t = Tensor(shape: [2, 3], integers: [10, 20, 30, 40, 50, 60])
        let g = t.gather(axis: 1, indices: Tensor(shape: [2, 2], integers: [2, 0, 1, 1]))
        #expect(g.dtype == .int64 && g.integers == [30, 10, 50, 50])
        let big = Tensor(integers: [1 << 40, 3])  // beyond float32's exact integers
        #expect(big.gather(axis: 0, indices: Tensor(integers: [0])).integers == [1 << 40])
        let i32 = Tensor(shape: [3], integers: [7, 8, 9], dtype: .int32)
        #expect(i32.gather(axis: 0, indices: Tensor(integers: [2, 2])).integers == [9, 9])
        #expect(i32.gather(axis: 0, indices: Tensor(integers: [2, 2])).dtype == .int32)
        let mask = Tensor(shape: [2, 2], integers: [1, 0, 0, 1], dtype: .bool)
        #expect(mask.gather(axis: 1, indices: Tensor(shape: [2, 1], integers: [1, 1])).integers == [0, 1])
        let rows = t.indexSelect(axis: 0, indices: Tensor(integers: [1, 0, 1]))
        #expect(rows.dtype == .int64 && rows.integers == [40, 50, 60, 10, 20, 30, 40, 50, 60])
        #expect(t.T.indexSelect(axis: 1, indices: Tensor(integers: [1])).integers == [40, 50, 60])
        #expect(mask.indexSelect(axis: 1, indices: Tensor(integers: [0])).dtype == .bool)
    }
}
