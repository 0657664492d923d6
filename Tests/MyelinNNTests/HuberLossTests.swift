import Foundation
import MyelinNN
import MyelinTestSupport
import Testing

/// Fixtures/huber.json, made by Tools/make_huber_fixture.py with PyTorch's `huber_loss`.
struct HuberFixture: Decodable {
    struct Case: Decodable {
        // swift-format-ignore: AlwaysUseLowerCamelCase
        var delta: Float, mean: [Float], sum: [Float], none: [Float], grad_prediction: [Float], grad_target: [Float]
    }
    var prediction: [[Float]], target: [[Float]], cases: [Case]

    static func load() throws -> HuberFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/huber.json")
        return try JSONDecoder().decode(HuberFixture.self, from: Data(contentsOf: url))
    }
}

@Suite struct HuberLossTests {
    @Test(arguments: allReductions, [Float(0.5), 1, 2])
    func gradientMatchesFiniteDifferences(reduction: Reduction, delta: Float) {
        // Differences spread over ±3 cross both edges for every δ; none lies within 0.1 of an edge, where
        // the second derivative jumps and a central difference (steps up to 0.05 here) would straddle it.
        let target = leaf(uniform([3, 5], RandomGenerator(seed: 41)))
        let differences = uniform([3, 5], RandomGenerator(seed: 42), -3, 3).scalars.map { d -> Float in
            Swift.abs(Swift.abs(d) - delta) < 0.1 ? d + 0.25 : d
        }
        let prediction = leaf(zip(target.scalars, differences).map { $0 + $1 }, shape: [3, 5])
        GradientCheck().check([prediction, target]) { huberLoss(prediction, target, delta: delta, reduction: reduction) }
    }

    @Test func matchesPyTorch() throws {
        let fixture = try HuberFixture.load()
        let shape = [fixture.prediction.count, fixture.prediction[0].count]
        for c in fixture.cases {
            let prediction = leaf(fixture.prediction.flatMap { $0 }, shape: shape)
            let target = leaf(fixture.target.flatMap { $0 }, shape: shape)
            #expect(close(huberLoss(prediction, target, delta: c.delta, reduction: .none).scalars, c.none, 1e-6), "δ \(c.delta)")
            #expect(close(huberLoss(prediction, target, delta: c.delta, reduction: .sum).scalars, c.sum, 1e-5), "δ \(c.delta)")
            let mean = huberLoss(prediction, target, delta: c.delta)
            #expect(close(mean.scalars, c.mean, 1e-6), "δ \(c.delta)")
            mean.backward()
            // On an edge (|d| = δ) both sides agree: the slope is ±δ.
            #expect(close(prediction.grad!.scalars, c.grad_prediction, 1e-7), "δ \(c.delta)")
            #expect(close(target.grad!.scalars, c.grad_target, 1e-7), "δ \(c.delta)")
        }
    }

    @Test func byHand() {
        // d = 0.5 inside δ = 1: ½·0.25; d = −3 outside: 1·(3 − ½).
        #expect(huberLoss(Tensor([1.5, -2]), Tensor([1, 1]), reduction: .none).scalars == [0.125, 2.5])
        // With δ = 4 both are inside: ½d².
        #expect(huberLoss(Tensor([1.5, -2]), Tensor([1, 1]), delta: 4, reduction: .none).scalars == [0.125, 4.5])
    }
}
