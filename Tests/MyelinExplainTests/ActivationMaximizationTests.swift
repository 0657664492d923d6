import Foundation
import MyelinExplain
import Testing

@Suite struct ActivationMaximizationTests {
    @Test func decayPullsTowardTheFloor() {
        let x = Tensor(shape: [1, 1, 1, 3], scalars: [0, 0.5, 1])
        #expect(ActivationMaximization.decayed(x, by: 0.1).scalars == [0, 0.45, 0.9])
        #expect(ActivationMaximization.decayed(x, by: 0.5, toward: -1).scalars == [-0.5, -0.25, 0])
    }

    @Test func theBlurOfAnImpulseIsTheNormalisedGaussian() {
        var pixels = [Float](repeating: 0, count: 49)
        pixels[24] = 1  // the centre of 7×7
        let blurred = ActivationMaximization.blurred(Tensor(shape: [1, 1, 7, 7], scalars: pixels), sigma: 1).scalars
        // Radius ⌈2σ⌉ = 2: weights exp(−(dy² + dx²)/2), normalised over the 5×5 square.
        let line = (-2...2).map { Foundation.exp(-Double($0 * $0) / 2) }, total = line.reduce(0, +)
        for dy in -3...3 {
            for dx in -3...3 {
                let expected = abs(dy) <= 2 && abs(dx) <= 2 ? line[dy + 2] * line[dx + 2] / (total * total) : 0
                #expect(Swift.abs(Double(blurred[(3 + dy) * 7 + 3 + dx]) - expected) < 1e-6, "(\(dy), \(dx))")
            }
        }
        #expect(Swift.abs(blurred.reduce(0, +) - 1) < 1e-5)
    }

    @Test func clippingBlacksOutTheLowestScoresOfEachImage() {
        let x = Tensor(shape: [2, 1, 1, 4], scalars: [0.4, 0.1, 0.3, 0.2, 0.9, 0.8, 0.7, 0.6])
        let clipped = ActivationMaximization.clipped(x, below: 50, of: x, to: 0)
        #expect(clipped.scalars == [0.4, 0, 0.3, 0, 0.9, 0.8, 0, 0])
    }

    /// logits = flatten(x)·W: the ascent on class 1's logit lights the pixels whose weight for it is
    /// positive and leaves the others black.
    @Test func theAscentRaisesTheClassItAimsAt() {
        let signs: [Float] = (0..<16).map { $0 % 3 == 0 ? -1 : 1 }
        let weight = Tensor(shape: [16, 2], scalars: signs.flatMap { [0, $0] })
        let classify: (Tensor) -> Tensor = { matmul($0.reshaped([-1, 16]), weight) }
        let dreamer = ActivationMaximization(steps: 40, stepSize: 0.1, decay: 0, blurSigma: 0, jitter: 0)
        let picture = dreamer.classImages([1], shape: [1, 4, 4], of: classify, generator: RandomGenerator(seed: 1))
        #expect(picture.scalars == signs.map { $0 > 0 ? 1 : 0 }, "\(picture.scalars)")
    }
}

@Suite struct DeepDreamTests {
    /// With features that pass the bright pixels on, Deep Dream brightens them: the picture keeps
    /// its size (any size, not square), stays in [0, 1] and its features' mean square grows.
    @Test func itKeepsThePictureAndGrowsWhatTheFeaturesSee() {
        let start = Tensor.uniform([1, 1, 10, 14], generator: RandomGenerator(seed: 4))
        let features: (Tensor) -> Tensor = { ($0 - 0.5).relu() }
        let dream = ActivationMaximization(steps: 30, decay: 0, blurSigma: 0, jitter: 1)
            .deepDream(start, features: features, octaves: 2, generator: RandomGenerator(seed: 1))
        #expect(dream.shape == [1, 1, 10, 14])
        #expect(dream.scalars.allSatisfy { (0...1).contains($0) })
        let before = features(start).square().mean().item, after = features(dream).square().mean().item
        #expect(after > before + 0.05, "\(before) → \(after)")
    }
}
