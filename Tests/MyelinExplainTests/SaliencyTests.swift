import Foundation
import MyelinExplain
import Testing

@Suite struct SaliencyTests {
    /// logits = x·W, W [4, 3]: the gradient of class c's logit is column c of W, for any x.
    static let weight = Tensor([[1, -2, 0.5], [-1, 3, 0], [2, 2, -1], [0.25, -0.5, 1]])
    static func linear(_ x: Tensor) -> Tensor { matmul(x, weight) }

    @Test func theGradientOfALinearClassifierIsItsWeightColumn() {
        let x = Tensor.uniform([2, 4], generator: RandomGenerator(seed: 1))
        let a = Saliency(.gradient).attributions(x, classes: [1, 2], of: Self.linear)
        let w = Self.weight.scalars
        let columnOne: [Float] = [w[1], w[4], w[7], w[10]], columnTwo: [Float] = [w[2], w[5], w[8], w[11]]
        #expect(a.scalars == columnOne + columnTwo)
    }

    @Test func integratedGradientsAddUpToTheScoreItExplains() {
        let g = RandomGenerator(seed: 7)
        let model = Sequential {
            Linear(6, 8, generator: g); Tanh(); Linear(8, 3, generator: g)
        }
        let x = Tensor.uniform([3, 6], generator: g)
        let classes = [0, 2, 1]
        let a = Saliency(.integratedGradients, samples: 200).attributions(x, classes: classes, of: { model($0) })
        let (atImage, atBlack) = withoutGrad { (model(x).scalars, model(Tensor.zeros([3, 6])).scalars) }
        for (i, c) in classes.enumerated() {
            let sum = a.scalars[(i * 6)..<((i + 1) * 6)].reduce(0, +), expected = atImage[i * 3 + c] - atBlack[i * 3 + c]
            #expect(Swift.abs(sum - expected) < 1e-3 + 1e-3 * Swift.abs(expected), "image \(i): \(sum) against \(expected)")
        }
    }

    @Test func smoothGradWithoutNoiseIsTheGradientAndWithNoiseRepeatsItsSeed() {
        let g = RandomGenerator(seed: 3)
        let model = Sequential {
            Linear(4, 5, generator: g); ReLU(); Linear(5, 2, generator: g)
        }
        let x = Tensor.uniform([2, 4], generator: g)
        let plain = Saliency(.gradient).attributions(x, classes: [0, 1], of: { model($0) }).scalars
        let quiet = Saliency(.smoothGrad, samples: 4, noise: 0).attributions(x, classes: [0, 1], of: { model($0) }).scalars
        #expect(zip(plain, quiet).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
        func noisy(_ seed: UInt64) -> [Float] {
            Saliency(.smoothGrad, samples: 8).attributions(x, classes: [0, 1], of: { model($0) }, generator: RandomGenerator(seed: seed))
                .scalars
        }
        #expect(noisy(5) == noisy(5) && noisy(5) != noisy(6))
    }

    /// Class 1 exactly when the 2×2 block at rows 2–3, columns 2–3 of a 6×6 image is bright.
    static func blockReader(_ x: Tensor) -> Tensor {
        let w = Tensor(shape: [36, 2], scalars: (0..<72).map { i in [14, 15, 20, 21].contains(i / 2) && i % 2 == 1 ? 3 : 0 })
        return matmul(x.reshaped([-1, 36]), w) + Tensor([0, -6])
    }

    @Test func mapsPointAtWhatTheClassifierReadsAndDeletingItCostsMost() {
        let g = RandomGenerator(seed: 2)
        // Faint noise everywhere, and the block lit in every image: all of class 1.
        var pixels = Tensor.uniform([20, 1, 6, 6], high: 0.2, generator: g).scalars
        for i in 0..<20 { for p in [14, 15, 20, 21] { pixels[i * 36 + p] = 1 } }
        let images = Tensor(shape: [20, 1, 6, 6], scalars: pixels)
        let maps = Saliency(.gradient).maps(images, classes: Array(repeating: 1, count: 20), of: Self.blockReader)
        #expect(maps.shape == [20, 6, 6])
        #expect(maps.scalars[0..<36].enumerated().filter { $0.element > 0 }.map(\.offset) == [14, 15, 20, 21])
        let data = TensorDataset(inputs: images, labels: Tensor(integers: Array(repeating: 1, count: 20)))
        let check = Saliency(.gradient).deletionCheck(on: data, of: Self.blockReader, batchSize: 8, generator: RandomGenerator(seed: 1))
        // 10 % of 36 pixels is 4: exactly the block, which leaves the logits at (0, −6).
        let belief = 1 / (1 + Foundation.exp(-6.0)), deletedBelief = 1 / (1 + Foundation.exp(6.0))
        #expect(check.count == 20 && Swift.abs(check.probability - belief) < 1e-6)
        #expect(Swift.abs(check.salientDrop - (belief - deletedBelief)) < 1e-5)
        #expect(check.randomDrop < check.salientDrop / 2, "\(check)")
    }
}

@Suite struct GradCAMTests {
    /// Activations given directly (features: identity) and a head that averages each map and mixes
    /// them linearly: the gradient of class c's logit on map k is W[k][c] / 4 everywhere, so the map
    /// is ReLU(Σ_k W[k][c] / 4 · A_k), by hand.
    @Test func aHandBuiltNetworksMapsAreWhatTheDefinitionSays() {
        let activations = Tensor(shape: [2, 2, 2, 2], scalars: [1, 2, 3, 4, -1, 0, 2, -3, 1, 2, 3, 4, -1, 0, 2, -3])
        let weight = Tensor([[2, -1], [1, 3]])
        let maps = GradCAM.maps(activations, classes: [0, 1], features: { $0 }, head: { matmul($0.mean(axes: [2, 3]), weight) })
        #expect(maps.shape == [2, 2, 2])
        #expect(maps.scalars == [0.25, 1, 2, 1.25, 0, 0, 0.75, 0])
    }
}
