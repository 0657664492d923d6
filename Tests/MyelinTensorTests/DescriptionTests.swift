import MyelinTensor
import Testing

// Tensors print as PyTorch prints them (4 decimals, aligned columns, 80-column lines, summaries
// above 1000 elements), with the dtype named for integer and bool tensors.

@Suite struct TensorDescription {
    @Test func floatMatrices() {
        #expect(Tensor([[1, 2], [3, 4]]).description == "tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]])")
        #expect("\(Tensor([-1, 2.5]))" == "tensor([-1.0000,  2.5000])")
        #expect(Tensor(scalar: 3.14159).description == "tensor(3.1416)")
        #expect(Tensor([0.12345, -10]).description == "tensor([  0.1235, -10.0000])")
        #expect(Tensor([[1, 2], [3, 4]]).T.description == "tensor([[1.0000, 3.0000],\n        [2.0000, 4.0000]])")
        #expect(
            iota([2, 2, 2]).description == """
                tensor([[[0.0000, 1.0000],
                         [2.0000, 3.0000]],

                        [[4.0000, 5.0000],
                         [6.0000, 7.0000]]])
                """)
        #expect(Tensor([0, 0]).description == "tensor([0.0000, 0.0000])")
    }

    @Test func scientificNotation() {
        #expect(Tensor([1e-5, 1]).description == "tensor([1.0000e-05, 1.0000e+00])")
        #expect(Tensor([1e10]).description == "tensor([1.0000e+10])")
        #expect(Tensor([0.5, 2000]).description == "tensor([5.0000e-01, 2.0000e+03])")
        #expect(Tensor([0.5, 400]).description == "tensor([  0.5000, 400.0000])")  // spans < 1000×
        #expect(Tensor([0, 1e-5]).description == "tensor([0.0000e+00, 1.0000e-05])")
        #expect(Tensor([Float.nan, .infinity, -1]).description == "tensor([    nan,     inf, -1.0000])")
        #expect(Tensor([-Float.infinity, 1e9]).description == "tensor([      -inf, 1.0000e+09])")
    }

    @Test func integerAndBoolTensors() {
        #expect(Tensor(integers: [1, -20, 3]).description == "tensor([  1, -20,   3], dtype=int64)")
        #expect(
            Tensor(shape: [2, 2], integers: [1, 2, 3, 40], dtype: .int32).description
                == "tensor([[ 1,  2],\n        [ 3, 40]], dtype=int32)")
        #expect(Tensor(shape: [2], integers: [1, 0], dtype: .bool).description == "tensor([ True, False], dtype=bool)")
        #expect(Tensor(shape: [], integers: [7]).description == "tensor(7, dtype=int64)")
    }

    @Test func gradientSuffixes() {
        let x = Tensor([1, 2])
        x.requiresGrad = true
        #expect(x.description == "tensor([1.0000, 2.0000], requires_grad=True)")
        #expect((x * 2).description == "tensor([2.0000, 4.0000], grad_fn=<mul scalar>)")
        #expect((x * x).sum().description == "tensor(5.0000, grad_fn=<sum>)")
        #expect(x.detached().description == "tensor([1.0000, 2.0000])")
        // A suffix that would pass column 80 goes on its own line.
        let wide = Tensor.arange(10, 18)
        wide.requiresGrad = true
        #expect(
            wide.description == """
                tensor([10.0000, 11.0000, 12.0000, 13.0000, 14.0000, 15.0000, 16.0000, 17.0000],
                       requires_grad=True)
                """)
    }

    @Test func emptyTensors() {
        #expect(Tensor([Float]()).description == "tensor([])")
        #expect(Tensor(shape: [0, 3], scalars: []).description == "tensor([], size=(0, 3))")
        #expect(Tensor(integers: []).description == "tensor([], dtype=int64)")
    }

    @Test func longRowsWrap() {
        #expect(
            Tensor.arange(20).description == """
                tensor([ 0.0000,  1.0000,  2.0000,  3.0000,  4.0000,  5.0000,  6.0000,  7.0000,
                         8.0000,  9.0000, 10.0000, 11.0000, 12.0000, 13.0000, 14.0000, 15.0000,
                        16.0000, 17.0000, 18.0000, 19.0000])
                """)
    }

    @Test func largeTensorsAreSummarised() {
        #expect(
            Tensor.arange(2000).description == """
                tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,
                        1.9990e+03])
                """)
        let grid = Tensor(shape: [40, 30], scalars: (0..<1200).map { 1 + Float($0) / 1000 })
        #expect(
            grid.description == """
                tensor([[1.0000, 1.0010, 1.0020,  ..., 1.0270, 1.0280, 1.0290],
                        [1.0300, 1.0310, 1.0320,  ..., 1.0570, 1.0580, 1.0590],
                        [1.0600, 1.0610, 1.0620,  ..., 1.0870, 1.0880, 1.0890],
                        ...,
                        [2.1100, 2.1110, 2.1120,  ..., 2.1370, 2.1380, 2.1390],
                        [2.1400, 2.1410, 2.1420,  ..., 2.1670, 2.1680, 2.1690],
                        [2.1700, 2.1710, 2.1720,  ..., 2.1970, 2.1980, 2.1990]])
                """)
        // Exactly 1000 elements are printed in full; the columns are sized from printed values only.
        #expect(!Tensor.zeros([1000]).description.contains("..."))
        let ints = Tensor(shape: [1001], integers: [123456] + [Int](repeating: 1, count: 999) + [2])
        #expect(ints.description == "tensor([123456,      1,      1,  ...,      1,      1,      2], dtype=int64)")
    }
}
