import MyelinTensor
import MyelinTestSupport
import Testing

// pixelShuffle and pixelUnshuffle: PyTorch's layout by hand, the round trip, the adjoint identity,
// gradients against finite differences, and shape preconditions.

@Suite struct PixelShuffleValues {
    let g = RandomGenerator(seed: 63)

    @Test func channelsBecomeBlocks() {
        // Channel i·r + j of a pixel goes to offset (i, j) of its 2×2 block.
        let x = Tensor(shape: [1, 4, 1, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8])  // channels 0…3 of pixels (0, 0) and (0, 1)
        expectTensor(pixelShuffle(x, upscaleFactor: 2), shape: [1, 1, 2, 4], [1, 3, 2, 4, 5, 7, 6, 8])
        // Two output channels: channels 0…3 make the first, 4…7 the second.
        let y = Tensor.arange(8).reshaped(1, 8, 1, 1)
        expectTensor(pixelShuffle(y, upscaleFactor: 2), shape: [1, 2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7])
        expectTensor(pixelUnshuffle(pixelShuffle(x, upscaleFactor: 2), downscaleFactor: 2), shape: [1, 4, 1, 2], x.scalars)
    }

    @Test func roundTripsAndLeadingDimensions() {
        let x = uniform([2, 18, 2, 3], g)
        #expect(pixelUnshuffle(pixelShuffle(x, upscaleFactor: 3), downscaleFactor: 3).scalars == x.scalars)
        let image = uniform([3, 4, 6], g)  // no batch dimension
        #expect(pixelShuffle(pixelUnshuffle(image, downscaleFactor: 2), upscaleFactor: 2).scalars == image.scalars)
        // Leading dimensions are batch dimensions: [2, 3, C·r², H, W] is 6 images.
        let stacked = uniform([2, 3, 4, 2, 2], g)
        let shuffled = pixelShuffle(stacked, upscaleFactor: 2)
        #expect(shuffled.shape == [2, 3, 1, 4, 4])
        #expect(shuffled.scalars == pixelShuffle(stacked.reshaped(6, 4, 2, 2), upscaleFactor: 2).scalars)
        #expect(pixelShuffle(x, upscaleFactor: 1).scalars == x.scalars)
    }

    @Test func unshuffleIsTheAdjointOfShuffle() {
        // ⟨shuffle(x), y⟩ = ⟨x, unshuffle(y)⟩: each is the other's transpose (a permutation).
        let x = uniform([2, 8, 3, 2], g), y = uniform([2, 2, 6, 4], g)
        let left = (pixelShuffle(x, upscaleFactor: 2) * y).sum().item
        let right = (x * pixelUnshuffle(y, downscaleFactor: 2)).sum().item
        #expect(Swift.abs(left - right) <= 1e-5 * Swift.max(1, Swift.abs(left)))
    }
}

@Suite struct PixelShuffleGradients {
    let g = RandomGenerator(seed: 64)

    @Test func shuffleAndUnshuffle() {
        checkGradients([uniform([2, 8, 2, 3], g)], "pixelShuffle by 2") { pixelShuffle($0[0], upscaleFactor: 2) }
        checkGradients([uniform([1, 9, 2, 2], g)], "pixelShuffle by 3") { pixelShuffle($0[0], upscaleFactor: 3) }
        checkGradients([uniform([2, 2, 4, 6], g)], "pixelUnshuffle by 2") { pixelUnshuffle($0[0], downscaleFactor: 2) }
        checkGradients([uniform([4, 2, 4, 2], g)], "pixelShuffle of a permuted view") {
            pixelShuffle($0[0].permuted(1, 0, 2, 3), upscaleFactor: 2)
        }
    }
}

@Suite struct PixelShufflePreconditions {
    private func text(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func channelsNotAMultipleOfTheSquare() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = pixelShuffle(Tensor.zeros([2, 6, 3, 3]), upscaleFactor: 2)
            })
        #expect(
            message.contains(
                "pixelShuffle: input shape [2, 6, 3, 3] must be [*, C·r², H, W] with channels a multiple of upscaleFactor² = 4"),
            "\(message)")
    }

    @Test func sizeNotAMultipleOfTheFactor() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = pixelUnshuffle(Tensor.zeros([1, 2, 4, 5]), downscaleFactor: 2)
            })
        #expect(
            message.contains(
                "pixelUnshuffle: input shape [1, 2, 4, 5] must be [*, C, H·r, W·r] with height and width multiples of downscaleFactor 2"),
            "\(message)")
    }
}
