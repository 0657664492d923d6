import Foundation
import MyelinTensor
import Testing

@Suite struct ReductionValues {
    let x = iota([2, 3, 4])  // x[i, j, k] = 12i + 4j + k

    @Test func sums() {
        expectTensor(x.sum(), shape: [], [276])
        expectTensor(x.sum(axis: 0), shape: [3, 4], (0..<12).map { Float(2 * $0 + 12) })
        expectTensor(x.sum(axis: 1), shape: [2, 4], [12, 15, 18, 21, 48, 51, 54, 57])
        expectTensor(x.sum(axis: -1), shape: [2, 3], [6, 22, 38, 54, 70, 86])
        expectTensor(x.sum(axis: 2, keepingDimensions: true), shape: [2, 3, 1], [6, 22, 38, 54, 70, 86])
        expectTensor(x.sum(axes: [0, 2]), shape: [3], [60, 92, 124])
        expectTensor(x.sum(axes: [-1, 0], keepingDimensions: true), shape: [1, 3, 1], [60, 92, 124])
        expectTensor(x.sum(axes: [0, 1, 2], keepingDimensions: true), shape: [1, 1, 1], [276])
        expectTensor(x.sum(axes: []), shape: [], [276])
        // Non-contiguous input: the sums follow the view, not memory order.
        expectTensor(x.permuted(2, 0, 1).sum(axis: 0), shape: [2, 3], [6, 22, 38, 54, 70, 86])
        expectTensor(x.transposed(0, 2).sum(axis: -1), shape: [4, 3], [12, 20, 28, 14, 22, 30, 16, 24, 32, 18, 26, 34])
        expectTensor(x.sliced(axis: 2, 0..<4, step: 2).sum(axis: 2), shape: [2, 3], [2, 10, 18, 26, 34, 42])
        // Broadcast (stride 0) input, size-1 axes and an empty axis.
        expectTensor(Tensor([1, 2]).expanded(to: [3, 2]).sum(axis: 0), shape: [2], [3, 6])
        expectTensor(Tensor([[5]]).sum(axis: 1), shape: [1], [5])
        expectTensor(Tensor(shape: [2, 0], scalars: []).sum(axis: 1), shape: [2], [0, 0])
        expectTensor(Tensor(scalar: 4).sum(), shape: [], [4])
        // A long row exercises the unrolled inner loop and its tail.
        expectTensor(Tensor.ones([3, 1001]).sum(axis: 1), shape: [3], [1001, 1001, 1001])
    }

    /// Reducing the leading axes of a large contiguous tensor (a bias gradient) splits its columns
    /// over threads: the values are the row-by-row sums, and 1 and 2 threads give the same bits.
    @Test func leadingAxesOfALargeTensor() {
        let rows = 600, columns = 301
        let values = (0..<(rows * columns)).map { Float(sin(Double($0) * 0.37)) }
        let t = Tensor(shape: [3, rows / 3, columns], scalars: values)
        var expected = [Float](repeating: 0, count: columns)
        for r in 0..<rows { for c in 0..<columns { expected[c] += values[r * columns + c] } }
        var spiked = values
        spiked[123 * columns + 7] = .nan
        let run = {
            (t.sum(axes: [0, 1]).scalars, t.sum(axis: 0).scalars, Tensor(shape: [rows, columns], scalars: spiked).max(axis: 0).scalars)
        }
        let one = Threads.withCount(1) { run() }, two = Threads.withCount(2) { run() }
        #expect(two.0 == expected, "in row order, as the serial loop adds")
        #expect(one.0 == two.0 && one.1 == two.1)
        #expect(two.2[7].isNaN && !two.2[6].isNaN && two.2[6] == (0..<rows).map { values[$0 * columns + 6] }.max()!)
        #expect(one.2[8] == two.2[8])
    }

    @Test func nanPropagatesThroughMaxMinAndArgmax() {
        // As in PyTorch: a NaN anywhere in the reduced slot is the answer, so a diverged value shows.
        let t = Tensor([[1, .nan, 3], [4, 5, 6]])
        let maxima = t.max(axis: 1).scalars, minima = t.min(axis: 1).scalars
        #expect(maxima[0].isNaN && maxima[1] == 6)
        #expect(minima[0].isNaN && minima[1] == 4)
        #expect(t.max().item.isNaN)
        #expect(t.argmax(axis: 1).integers == [1, 2])
        #expect(t.argmin(axis: 1).integers == [1, 0])
        #expect(Tensor([.nan, 7, .nan]).argmax(axis: 0).integers == [0])
    }

    @Test func means() {
        expectTensor(x.mean(), shape: [], [11.5])
        expectTensor(x.mean(axis: 1), shape: [2, 4], [4, 5, 6, 7, 16, 17, 18, 19])
        expectTensor(x.mean(axes: [0, -1]), shape: [3], [7.5, 11.5, 15.5])
        expectTensor(x.mean(axes: [0, 2], keepingDimensions: true), shape: [1, 3, 1], [7.5, 11.5, 15.5])
    }

    @Test func variances() {
        let v = Tensor([[1, 2, 3, 4], [2, 2, 2, 10]])
        // Row 0: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5.
        // Row 1: mean 4, squared deviations 4 + 4 + 4 + 36 = 48.
        expectTensor(v.variance(axis: 1), shape: [2], [5.0 / 3, 16])
        expectTensor(v.variance(axis: 1, correction: 0), shape: [2], [1.25, 12])
        expectTensor(v.variance(axis: -1, correction: 0, keepingDimensions: true), shape: [2, 1], [1.25, 12])
        // Columns: (1,2) (2,2) (3,2) (4,10): deviations² sum 0.5, 0, 0.5, 18.
        expectTensor(v.variance(axis: 0), shape: [4], [0.5, 0, 0.5, 18])
        expectTensor(v.variance(axis: 0, correction: 0), shape: [4], [0.25, 0, 0.25, 9])
        // All elements: mean 3.25, Σ(x − mean)² = 5.0625 + 1.5625 + 0.0625 + 0.5625 + 3·1.5625 + 45.5625 = 57.5.
        expectTensor(v.variance(axes: []), shape: [], [57.5 / 7])
        expectTensor(v.variance(axes: [0, 1], correction: 0), shape: [], [57.5 / 8])
    }

    @Test func maxAndMin() {
        let m = Tensor([[3, -1, 7, 7], [0, 5, -2, 1]])
        expectTensor(m.max(), shape: [], [7])
        expectTensor(m.min(), shape: [], [-2])
        expectTensor(m.max(axis: 1), shape: [2], [7, 5])
        expectTensor(m.min(axis: 0), shape: [4], [0, -1, -2, 1])
        expectTensor(m.max(axis: -1, keepingDimensions: true), shape: [2, 1], [7, 5])
        expectTensor(m.T.min(axis: 1), shape: [4], [0, -1, -2, 1])
        expectTensor(x.max(axes: [0, 2]), shape: [3], [15, 19, 23])
        expectTensor(Tensor([-Float.infinity, -5]).max(), shape: [], [-5])
        // A tied maximum shares the gradient equally.
        let t = Tensor([[1, 4, 4], [2, 0, 2]])
        t.requiresGrad = true
        t.max(axis: 1).sum().backward()
        #expect(t.grad?.scalars == [0, 0.5, 0.5, 0.5, 0, 0.5])
        let u = Tensor([1, 1, 1, 1])
        u.requiresGrad = true
        u.min().backward()
        #expect(u.grad?.scalars == [0.25, 0.25, 0.25, 0.25])
    }

    @Test func argmaxAndArgmin() {
        let m = Tensor([[3, -1, 7, 7], [0, 5, -2, 5], [1, 1, 1, 1]])
        let am = m.argmax(axis: 1)
        #expect(am.dtype == .int64 && am.shape == [3] && am.integers == [2, 1, 0])  // ties: first index
        #expect(m.argmin(axis: 1).integers == [1, 2, 0])
        #expect(m.argmax(axis: 0).integers == [0, 1, 0, 0])
        #expect(m.argmin(axis: 0).integers == [1, 0, 1, 2])
        #expect(m.argmax(axis: -1, keepingDimensions: true).shape == [3, 1])
        #expect(m.argmin(axis: 0, keepingDimensions: true).shape == [1, 4])
        #expect(m.T.argmax(axis: 0).integers == [2, 1, 0])
        #expect(x.argmax(axis: 1).integers == [2, 2, 2, 2, 2, 2, 2, 2])
        #expect(x.permuted(1, 2, 0).argmin(axis: 2).integers == [Int](repeating: 0, count: 12))
        #expect(Tensor([4, 9, 2]).argmax(axis: 0).shape == [] && Tensor([4, 9, 2]).argmax(axis: 0).integers == [1])
        #expect(Tensor([[2]]).argmin(axis: 1).integers == [0])
    }
}
