import MyelinTensor
import MyelinTestSupport
import Testing

// Padding and cropping of the last two dimensions: values, gradients, preconditions.

private let square = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])

@Suite struct PaddingValues {
    @Test func padsAndCrops() {
        expectTensor(
            square.padded(left: 1, right: 0, top: 0, bottom: 1), shape: [1, 1, 3, 3],
            [0, 1, 2, 0, 3, 4, 0, 0, 0])
        expectTensor(
            square.padded(left: 1, right: 1, top: 1, bottom: 1, value: -1), shape: [1, 1, 4, 4],
            [-1, -1, -1, -1, -1, 1, 2, -1, -1, 3, 4, -1, -1, -1, -1, -1])
        let grid = Tensor(shape: [3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        // Crop a column on the left and a row at the top, pad one column on the right.
        expectTensor(grid.padded(left: -1, right: 1, top: -1, bottom: 0), shape: [2, 3], [5, 6, 0, 8, 9, 0])
        expectTensor(grid.padded(left: -1, right: -1, top: -1, bottom: -1), shape: [1, 1], [5])
        // Everything cropped in one direction and padded back: only the padding remains.
        expectTensor(grid.padded(left: 0, right: 0, top: -5, bottom: 3), shape: [1, 3], [0, 0, 0])
        #expect(grid.padded(left: 0, right: 0, top: -3, bottom: 0).shape == [0, 3])
        // Leading dimensions are carried along.
        let batch = Tensor.arange(8).reshaped(2, 1, 2, 2)
        expectTensor(
            batch.padded(left: 0, right: 1, top: 0, bottom: 0), shape: [2, 1, 2, 3],
            [0, 1, 0, 2, 3, 0, 4, 5, 0, 6, 7, 0])
    }
}

@Suite struct PaddingGradients {
    let g = RandomGenerator(seed: 53)

    @Test func padding() {
        let x = uniform([2, 2, 3, 4], g)
        let cases: [(Int, Int, Int, Int)] = [
            (1, 1, 1, 1), (2, 0, 0, 3), (-1, 2, 1, -2), (-1, -2, -1, -1),
            (0, 0, -5, 3), (0, 0, 0, 0),
        ]
        for (l, r, t, b) in cases {
            checkGradients([x], "left \(l) right \(r) top \(t) bottom \(b)") {
                $0[0].padded(left: l, right: r, top: t, bottom: b, value: 0.5)
            }
        }
        checkGradients([uniform([3, 4], g)], "padded transpose") {
            $0[0].T.padded(left: 1, right: -1, top: 0, bottom: 2)
        }
    }
}

@Suite struct PaddingPreconditions {
    private func text(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func paddingPastTheEdge() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = Tensor.zeros([1, 1, 2, 2]).padded(left: -3, right: 0, top: 0, bottom: 0)
            })
        #expect(
            message.contains("pad: padding (left -3, right 0, top 0, bottom 0) leaves a negative size for input shape [1, 1, 2, 2]"),
            "\(message)")
    }

    @Test func paddingRank() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = Tensor.zeros([4]).padded(left: 1, right: 1, top: 0, bottom: 0)
            })
        #expect(message.contains("pad: needs at least 2 dimensions, got shape [4]"), "\(message)")
    }
}
