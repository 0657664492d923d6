import Testing

@testable import MyelinData
@testable import MyelinTensor

/// Simard et al.'s elastic distortion as an `ImageAugmentation` step.
@Suite struct ElasticDistortionTests {
    /// Two 12×12 images of two channels with distinct pixels in [0, 1].
    static let images = Tensor(shape: [2, 2, 12, 12], scalars: (0..<576).map { Float(($0 * 37) % 101) / 100 })

    @Test func anAlphaOfZeroLeavesTheImagesAsTheyAre() {
        let same = ImageAugmentation([.elastic(alpha: 0, sigma: 3)])(Self.images, generator: RandomGenerator(seed: 1))
        #expect(same.scalars == Self.images.scalars)
    }

    @Test func aSeededDistortionRepeatsMovesEveryChannelAlikeAndInterpolates() {
        let augmentation: ImageAugmentation = [.elastic(alpha: 3, sigma: 2)]
        let first = augmentation(Self.images, generator: RandomGenerator(seed: 5))
        #expect(first.scalars == augmentation(Self.images, generator: RandomGenerator(seed: 5)).scalars)
        #expect(first.scalars != augmentation(Self.images, generator: RandomGenerator(seed: 6)).scalars)
        #expect(first.scalars != Self.images.scalars)
        // Bilinear weights are convex: nothing leaves [0, 1] (0 comes in from outside).
        #expect(first.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        // A channel that is its sibling plus 1 inside the image stays so where no outside pixel mixes in.
        let shifted = Tensor(shape: [1, 2, 12, 12], scalars: (0..<288).map { $0 < 144 ? Float($0 % 7) : Float(($0 - 144) % 7) + 1 })
        let moved = ImageAugmentation([.elastic(alpha: 1, sigma: 4)])(shifted, generator: RandomGenerator(seed: 2)).scalars
        let interior = (3..<9).flatMap { y in (3..<9).map { y * 12 + $0 } }
        #expect(interior.allSatisfy { abs(moved[144 + $0] - moved[$0] - 1) < 1e-5 })
    }

    @Test func theSmoothingKernelIsANormalisedGaussianAndKeepsAConstant() {
        let kernel = GaussianSmoothing.kernel(sigma: 2)
        #expect(kernel.count == 13 && abs(kernel.reduce(0, +) - 1) < 1e-6 && kernel[6] == kernel.max())
        let smoothed = GaussianSmoothing.smoothed([Float](repeating: 0.25, count: 35), 5, 7, kernel)
        #expect(smoothed.allSatisfy { abs($0 - 0.25) < 1e-6 })
    }

    @Test func itComposesWithTheOtherSteps() {
        // A crop before and a flip after: the output has the crop's size.
        let augmentation: ImageAugmentation = [.randomCrop(size: 8), .elastic(alpha: 2, sigma: 2), .horizontalFlip(probability: 1)]
        #expect(augmentation(Self.images, generator: RandomGenerator(seed: 3)).shape == [2, 2, 8, 8])
        #expect(
            augmentation.description
                == "ImageAugmentation([randomCrop(size: 8, padding: 0), elastic(alpha: 2.0, sigma: 2.0), horizontalFlip(probability: 1.0)])"
        )
    }
}
