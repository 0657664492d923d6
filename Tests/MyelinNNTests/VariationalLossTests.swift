import Foundation
import MyelinNN
import MyelinTestSupport
import Testing

@Suite struct VariationalLossTests {
    @Test func klDivergenceByHand() {
        // ½ Σ (μ² + σ² − 1 − log σ²): row 1 (0 + 1 − 1 − 0) + (1 + 1 − 1 − 0) = 1 → ½;
        // row 2 (¼ + 2 − 1 − ln 2) + (1 + e⁻¹ − 1 + 1) = 1.924732… → 0.962366….
        let kl = gaussianKLDivergence(
            mean: Tensor(shape: [2, 2], scalars: [0, 1, 0.5, -1]),
            logVariance: Tensor(shape: [2, 2], scalars: [0, 0, Float(log(2.0)), -1]))
        #expect(kl.shape == [2])
        let expected = [0.5, 0.5 * (0.25 + 2 - 1 - log(2.0) + exp(-1.0) + 1)]
        for (value, hand) in zip(kl.scalars, expected) { #expect(abs(Double(value) - hand) < 1e-6, "\(value) against \(hand)") }
        // The prior itself costs nothing.
        #expect(gaussianKLDivergence(mean: Tensor.zeros([3, 4]), logVariance: Tensor.zeros([3, 4])).scalars == [0, 0, 0])
    }

    @Test func bernoulliAndGaussianNegativeLogLikelihoodsByHand() {
        // −log σ(0) − log(1 − σ(ln 3)) = ln 2 + ln 4 = ln 8, for the one example.
        let bernoulli = bernoulliNegativeLogLikelihood(
            logits: Tensor(shape: [1, 1, 2], scalars: [0, Float(log(3.0))]), targets: Tensor(shape: [1, 1, 2], scalars: [1, 0]))
        #expect(bernoulli.shape == [1] && abs(Double(bernoulli.item) - log(8.0)) < 1e-6)
        // σ = 2: each value costs ½ ln 2π + ln 2 + ½ (d/2)², for d = 0 and d = 1.
        let gaussian = gaussianNegativeLogLikelihood(
            mean: Tensor(shape: [1, 2], scalars: [0.5, 0]), targets: Tensor(shape: [1, 2], scalars: [0.5, 1]),
            logScale: Tensor(scalar: Float(log(2.0))))
        let hand = 2 * (0.5 * log(2 * Double.pi) + log(2.0)) + 0.125
        #expect(gaussian.shape == [1] && abs(Double(gaussian.item) - hand) < 1e-6, "\(gaussian.item) against \(hand)")
    }

    @Test func gradientsMatchFiniteDifferences() {
        let g = RandomGenerator(seed: 1)
        checkGradients([uniform([3, 4], g), uniform([3, 4], g)]) { gaussianKLDivergence(mean: $0[0], logVariance: $0[1]) }
        checkGradients([uniform([2, 1, 3, 3], g)], "Bernoulli") {
            bernoulliNegativeLogLikelihood(
                logits: $0[0], targets: Tensor.bernoulli([2, 1, 3, 3], probability: 0.5, generator: RandomGenerator(seed: 2)))
        }
        // Mean and the one log σ; the targets (data) take no gradient.
        checkGradients([uniform([2, 5], g, 0, 1), uniform([2, 5], g, 0, 1), Tensor(scalar: -0.3)], wrt: [0, 2], "Gaussian") {
            gaussianNegativeLogLikelihood(mean: $0[0], targets: $0[1], logScale: $0[2])
        }
    }
}
