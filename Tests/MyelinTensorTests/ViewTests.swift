import MyelinTensor
import MyelinTestSupport
import Testing

/// 0, 1, 2, … in `shape`.
func iota(_ shape: [Int]) -> Tensor {
    Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map(Float.init))
}

@Suite struct ViewGeometry {
    @Test func contiguousLayout() {
        let x = iota([2, 3, 4])
        #expect(x.shape == [2, 3, 4] && x.strides == [12, 4, 1] && x.offset == 0)
        #expect(x.isContiguous && x.rank == 3 && x.count == 24 && x.dtype == .float32)
        let scalar = Tensor(scalar: 5)
        #expect(scalar.shape == [] && scalar.strides == [] && scalar.count == 1 && scalar.isContiguous)
        #expect(Tensor(shape: [0, 3], scalars: []).count == 0)
    }

    @Test func transposeAndPermute() {
        let x = iota([2, 3, 4])
        let t = x.transposed()
        #expect(t.shape == [2, 4, 3] && t.strides == [12, 1, 4] && !t.isContiguous)
        #expect(t.storage === x.storage)
        #expect(t[1, 3, 2] == x[1, 2, 3])
        let p = x.permuted(2, 0, 1)
        #expect(p.shape == [4, 2, 3] && p.strides == [1, 12, 4])
        #expect(p.scalars.prefix(6) == [0, 4, 8, 12, 16, 20])
        let m = iota([2, 3]).T
        #expect(m.shape == [3, 2] && m.strides == [1, 3])
        #expect(m.scalars == [0, 3, 1, 4, 2, 5])
        #expect(x.transposed(0, -1).shape == [4, 3, 2])
        // Transposing twice is contiguous again.
        #expect(t.transposed().isContiguous)
    }

    /// Leading axes permuted over whole rows (row copies), and over strided elements, for floats
    /// and 4- and 8-byte integers, from a view with an offset.
    @Test func contiguousCopyOfPermutedViews() {
        let x = iota([4, 3, 5]).narrowed(axis: 0, start: 1, length: 3)  // offset 15
        let rows = x.transposed(0, 1), columns = x.transposed(1, 2)
        var want = [Float]()
        for j in 0..<3 { for i in 0..<3 { for k in 0..<5 { want.append(Float(15 + i * 15 + j * 5 + k)) } } }
        #expect(rows.contiguousCopy().scalars == want && rows.contiguousCopy().isContiguous)
        #expect(columns.contiguousCopy().scalars == columns.scalars)
        for dtype in [DType.int32, .int64] {
            let n = Tensor(shape: [4, 3, 5], integers: (0..<60).map { $0 }, dtype: dtype)
            let copied = n.narrowed(axis: 0, start: 1, length: 3).transposed(0, 1).contiguousCopy()
            #expect(copied.dtype == dtype && copied.integers == want.map { Int($0) }, "\(dtype)")
        }
    }

    @Test func narrowSliceAndSubscript() {
        let x = iota([4, 5])
        let n = x.narrowed(axis: 1, start: 1, length: 3)
        #expect(n.shape == [4, 3] && n.strides == [5, 1] && n.offset == 1 && !n.isContiguous)
        #expect(n.scalars == [1, 2, 3, 6, 7, 8, 11, 12, 13, 16, 17, 18])
        let rows = x.narrowed(axis: 0, start: 2, length: 2)
        #expect(rows.isContiguous && rows.offset == 10 && rows.scalars == Array(10..<20).map(Float.init))
        let s = x.sliced(axis: 1, 1..<5, step: 2)
        #expect(s.shape == [4, 2] && s.strides == [5, 2] && s.offset == 1)
        #expect(s.scalars == [1, 3, 6, 8, 11, 13, 16, 18])
        #expect(x.sliced(axis: 0, 0..<4, step: 3).scalars == [0, 1, 2, 3, 4, 15, 16, 17, 18, 19])
        #expect(x.sliced(axis: 0, 1..<4, step: 5).shape == [1, 5])
        #expect(x.sliced(axis: 0, 2..<2, step: 2).shape == [0, 5])
        let row = x[2]
        #expect(row.shape == [5] && row.offset == 10 && row.scalars == [10, 11, 12, 13, 14])
        #expect(x[-1].scalars == [15, 16, 17, 18, 19])
        #expect(x[1..<3].shape == [2, 5] && x[1..<3].offset == 5)
        #expect(x[3][4].shape == [] && x[3][4].item == 19)
        #expect(x[3, 4] == 19)
        let split = x.split(sizes: [1, 3], axis: 0)
        #expect(split.map(\.shape) == [[1, 5], [3, 5]] && split.allSatisfy { $0.storage === x.storage })
    }

    @Test func expandSqueezeUnsqueeze() {
        let c = Tensor(shape: [3, 1], scalars: [1, 2, 3])
        let e = c.expanded(to: [2, 3, 4])
        #expect(e.shape == [2, 3, 4] && e.strides == [0, 1, 0] && !e.isContiguous && e.storage === c.storage)
        #expect(e.scalars == (0..<2).flatMap { _ in [1, 2, 3].flatMap { v in [Float](repeating: v, count: 4) } })
        #expect(c.expanded(to: [-1, 2]).scalars == [1, 1, 2, 2, 3, 3])
        let u = iota([2, 3]).unsqueezed(axis: 1)
        #expect(u.shape == [2, 1, 3] && u.isContiguous)
        #expect(iota([2, 3]).unsqueezed(axis: -1).shape == [2, 3, 1])
        #expect(iota([2, 3]).unsqueezed(axis: 0).shape == [1, 2, 3])
        let q = iota([1, 3, 1, 2])
        #expect(q.squeezed().shape == [3, 2] && q.squeezed(axis: 2).shape == [1, 3, 2])
        #expect(q.squeezed(axis: 1).shape == [1, 3, 1, 2])  // not size 1: unchanged
        // Squeezing a transposed view keeps its strides (it stays a view).
        let tq = iota([2, 1, 3]).transposed(0, 2)
        #expect(tq.squeezed().strides == [1, 3] && tq.squeezed().scalars == [0, 3, 1, 4, 2, 5])
    }

    @Test func reshapeIsAViewWhenContiguousAndACopyOtherwise() {
        let x = iota([2, 6])
        let r = x.reshaped(3, 4)
        #expect(r.storage === x.storage && r.strides == [4, 1])
        #expect(x.reshaped(-1, 2, 3).shape == [2, 2, 3])
        #expect(x.reshaped([12]).scalars == x.scalars)
        #expect(x.reshaped(2, 6) === x)
        let t = x.T
        let copied = t.reshaped(12)
        #expect(copied.storage !== x.storage)
        #expect(copied.scalars == [0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11])
        #expect(iota([2, 3, 4]).flattened().shape == [24])
        #expect(iota([2, 3, 4]).flattened(startAxis: 1).shape == [2, 12])
        #expect(iota([2, 3, 4]).flattened(startAxis: 0, endAxis: 1).shape == [6, 4])
        #expect(Tensor(scalar: 3).flattened().shape == [1])
        // A contiguous narrow (offset ≠ 0) reshapes as a view too.
        let rows = iota([4, 3]).narrowed(axis: 0, start: 1, length: 2)
        #expect(rows.reshaped(6).offset == 3 && rows.reshaped(6).scalars == [3, 4, 5, 6, 7, 8])
    }

    @Test func contiguousCopiesOnlyWhenNeeded() {
        let x = iota([3, 4])
        #expect(x.contiguous() === x)
        let c = x.T.contiguous()
        #expect(c.isContiguous && c.storage !== x.storage && c.strides == [3, 1])
        #expect(c.scalars == x.T.scalars)
        let copy = x.contiguousCopy()
        #expect(copy.storage !== x.storage && copy.scalars == x.scalars)
    }

    @Test func largeTransposesAreCopiedOnEveryThreadInTiles() {
        // 1,003 × 301 on every kernel path: bands of columns split between two threads, register
        // tiles of 16, 8 or 4 with partial ones at both edges (full height and partial width too);
        // then a small one, on one thread; then 4-byte integers, which take the same way.
        Threads.withCount(2) {
            onEveryKernelPath { path in
                for (rows, columns) in [(301, 1_003), (3, 5)] {
                    let copy = iota([rows, columns]).T.contiguousCopy()
                    #expect(copy.shape == [columns, rows] && copy.isContiguous)
                    let values = copy.scalars
                    func rowIsRight(_ r: Int) -> Bool {
                        (0..<rows).allSatisfy { c in values[r * rows + c] == Float(c * columns + r) }
                    }
                    let misplaced = (0..<columns).first { !rowIsRight($0) }
                    #expect(misplaced == nil, "\(path): row \(misplaced ?? -1) of the \(columns) × \(rows) transpose is wrong")
                }
                let integers = Tensor(shape: [3, 37], integers: Array(0..<111), dtype: .int32)
                let transposed = integers.T.contiguousCopy()
                #expect(transposed.dtype == .int32 && transposed.integers == (0..<111).map { 37 * ($0 % 3) + $0 / 3 })
            }
        }
    }

    @Test func viewsShareStorage() {
        let x = Tensor.zeros([3, 4])
        x.narrowed(axis: 1, start: 1, length: 2).assign(Tensor([[1, 2], [3, 4], [5, 6]]))
        #expect(x.scalars == [0, 1, 2, 0, 0, 3, 4, 0, 0, 5, 6, 0])
        x.T[3].assign(Tensor([7, 8, 9]))  // the last column
        #expect(x.scalars == [0, 1, 2, 7, 0, 3, 4, 8, 0, 5, 6, 9])
        x.sliced(axis: 0, 0..<3, step: 2).fill(-1)  // rows 0 and 2
        #expect(x.scalars == [-1, -1, -1, -1, 0, 3, 4, 8, -1, -1, -1, -1])
        x[1].assign(Tensor(scalar: 5))  // broadcast a scalar into a row
        #expect(x.scalars[4..<8] == [5, 5, 5, 5])
        let view = x.reshaped(2, 6)
        view.addInPlace(Tensor([1, 1, 1, 1, 1, 1]))
        #expect(x.scalars == [0, 0, 0, 0, 6, 6, 6, 6, 0, 0, 0, 0])
        // assign converts integer sources.
        x[0].assign(Tensor(shape: [4], integers: [1, 2, 3, 4]))
        #expect(x.scalars.prefix(4) == [1, 2, 3, 4])
    }
}
