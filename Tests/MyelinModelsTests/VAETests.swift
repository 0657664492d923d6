import Foundation
import Myelin
import MyelinModels
import MyelinTestSupport
import Testing

@Suite struct VAETests {
    typealias Configuration = VariationalAutoencoder.Configuration

    /// A VAE small enough to train in milliseconds.
    static func tiny(_ architecture: Configuration.Architecture, likelihood: Configuration.Likelihood = .bernoulli) -> Configuration {
        Configuration(architecture: architecture, latentSize: 2, likelihood: likelihood, widths: architecture == .mlp ? [8] : [2, 3, 8])
    }

    @Test func defaultNetworksAreNamedAndCountedAsDescribed() {
        let mlp = VariationalAutoencoder(generator: RandomGenerator(seed: 1))
        #expect(mlp.stateDict.map(\.0).prefix(2) == ["encoder.1.weight", "encoder.1.bias"])
        // Encoder 784·512+512 + 512·256+256 + 256·32+32; decoder 16·256+256 + 256·512+512 + 512·784+784.
        #expect(mlp.parameterCount == 401_920 + 131_328 + 8_224 + 4_352 + 131_584 + 402_192)
        let conv = VariationalAutoencoder(Configuration(architecture: .conv, likelihood: .gaussian), generator: RandomGenerator(seed: 2))
        #expect(conv.stateDict.first?.0 == "logScale" && conv.logScale?.item == 0)
        let images = Tensor.rand([3, 1, 28, 28], generator: RandomGenerator(seed: 3))
        let (mean, logVariance) = conv.encode(images)
        #expect(mean.shape == [3, 16] && logVariance.shape == [3, 16])
        #expect(conv.decode(mean).shape == [3, 1, 28, 28] && conv(images).scalars.allSatisfy { $0 > 0 && $0 < 1 })
        #expect(!Configuration(architecture: .conv, widths: [8, 8]).isValid && !Configuration(latentSize: 0).isValid)
    }

    /// Zero the layers that make the code and the image: every code is N(0, I) — KL 0 — and every
    /// pixel's probability ½, so the negative ELBO of any binary image is 784 ln 2, and a mean of
    /// (1, 0) for every code adds ½ nat.
    @Test(arguments: Configuration.Architecture.allCases)
    func negativeELBOByHand(_ architecture: Configuration.Architecture) {
        let model = VariationalAutoencoder(Self.tiny(architecture), generator: RandomGenerator(seed: 4))
        let (encoderHead, decoderHead) = (model.encoder.parameters.suffix(2), model.decoder.parameters.suffix(2))
        for tensor in encoderHead + decoderHead { tensor.fill(0) }
        let images = Tensor.bernoulli([5, 1, 28, 28], probability: 0.3, generator: RandomGenerator(seed: 5))
        let noise = Tensor.randn([5, 2], generator: RandomGenerator(seed: 6))
        let terms = withoutGrad { model.negativeELBOTerms(images, noise: noise) }
        #expect(terms.divergence.scalars == [0, 0, 0, 0, 0])
        for value in terms.reconstruction.scalars { #expect(abs(Double(value) - 784 * log(2.0)) < 1e-3) }
        encoderHead.last!.assign(Tensor(shape: [4], scalars: [1, 0, 0, 0]))  // the bias: μ = (1, 0), log σ² = 0
        let shifted = withoutGrad { model.negativeELBOTerms(images, noise: noise) }
        #expect(shifted.divergence.scalars == [0.5, 0.5, 0.5, 0.5, 0.5])
        #expect(abs(Double(shifted.loss().item) - (784 * log(2.0) + 0.5)) < 1e-3)
        #expect(abs(Double(shifted.loss(klWeight: 0.25).item) - (784 * log(2.0) + 0.125)) < 1e-3)
    }

    /// The Gaussian's every mean is sigmoid(0) = ½ and σ = 1: −log p(x | z) = Σ ½ ln 2π + ½ (x − ½)².
    @Test func gaussianReconstructionByHand() {
        let model = VariationalAutoencoder(Self.tiny(.mlp, likelihood: .gaussian), generator: RandomGenerator(seed: 7))
        for tensor in model.decoder.parameters.suffix(2) { tensor.fill(0) }
        let images = Tensor.rand([2, 1, 28, 28], generator: RandomGenerator(seed: 8))
        let terms = withoutGrad { model.negativeELBOTerms(images, noise: Tensor.zeros([2, 2])) }
        for (n, value) in terms.reconstruction.scalars.enumerated() {
            let pixels = images.scalars[(n * 784)..<((n + 1) * 784)].map(Double.init)
            let hand = pixels.reduce(0) { $0 + 0.5 * log(2 * Double.pi) + 0.5 * ($1 - 0.5) * ($1 - 0.5) }
            #expect(abs(Double(value) - hand) < 1e-3, "\(value) against \(hand)")
        }
    }

    @Test func reparameterisationGivesTheDrawAndItsGradients() {
        let z = VariationalAutoencoder.reparameterize(
            mean: Tensor(shape: [1, 2], scalars: [1, -1]), logVariance: Tensor(shape: [1, 2], scalars: [Float(log(4.0)), 0]),
            noise: Tensor(shape: [1, 2], scalars: [0.5, 2]))
        #expect(z.scalars == [2, 1])  // 1 + 2·½, −1 + 1·2
        let g = RandomGenerator(seed: 9)
        checkGradients([uniform([3, 2], g), uniform([3, 2], g)]) {
            VariationalAutoencoder.reparameterize(
                mean: $0[0], logVariance: $0[1], noise: Tensor.randn([3, 2], generator: RandomGenerator(seed: 10)))
        }
    }

    /// The loss reaches the encoder through the code's draw: the gradients of every pixel's term and
    /// of the KL term (each under a nat: the whole sum, hundreds of nats, would drown the finite
    /// differences in float32 rounding) with respect to the layers that make μ and log σ² and the
    /// decoder's first layer, against finite differences. On the mlp: the conv decoder puts some
    /// 600 ReLUs between the code and the pixels, and a step of the finite differences straddles
    /// one of their kinks; the draw and the terms are the same code for both.
    @Test func negativeELBOGradientsMatchFiniteDifferences() {
        let model = VariationalAutoencoder(Self.tiny(.mlp), generator: RandomGenerator(seed: 11))
        let images = Tensor.bernoulli([2, 1, 28, 28], probability: 0.3, generator: RandomGenerator(seed: 12))
        let noise = Tensor.randn([2, 2], generator: RandomGenerator(seed: 13))
        let leaves = Array(model.encoder.parameters.suffix(2)) + Array(model.decoder.parameters.prefix(2))
        GradientCheck().check(leaves) {
            let (mean, logVariance) = model.encode(images)
            let codes = VariationalAutoencoder.reparameterize(mean: mean, logVariance: logVariance, noise: noise)
            let pixels = binaryCrossEntropyWithLogits(model.decodeLogits(codes), images, reduction: .none).reshaped([2, 784])
            return concatenate([pixels, gaussianKLDivergence(mean: mean, logVariance: logVariance).reshaped([2, 1])], axis: 1)
        }
    }

    @Test func klWarmupRisesLinearlyToOne() {
        #expect((1...3).map { vaeTask(.mlp, seed: 1, klWarmupSteps: 0).klWeight(atStep: $0) } == [1, 1, 1])
        let task = vaeTask(.mlp, seed: 1, klWarmupSteps: 4)
        #expect((1...6).map { task.klWeight(atStep: $0) } == [0.25, 0.5, 0.75, 1, 1, 1])
    }

    @Test func trainingLowersTheTestNegativeELBO() throws {
        let task = vaeTask(.mlp, seed: 2, klWarmupSteps: 3)
        let before = task.model.negativeELBO(on: task.test)
        let trainer = Trainer(.epochs(6), state: task.state)
        try trainer.run(task)
        let after = try task.evaluate()
        #expect(after["test negative ELBO"]! < before.total - 50, "\(before.total) → \(after["test negative ELBO"]!)")
        #expect(abs(after["test negative ELBO"]! - after["test reconstruction"]! - after["test KL"]!) < 1e-9)
        let weights: [Float] = [1 / 3, 2 / 3, 1, 1]
        #expect(Array(trainer.history.values("KL weight").prefix(4)) == weights.map(Double.init))
    }

    /// The evaluation draws the same codes every time, one per image from its seed: what the terms give batch by batch.
    @Test func evaluationIsTheMeanOfTheTermsWithASeededDraw() {
        let task = vaeTask(.conv, seed: 3)
        let images = task.test.all().inputs
        let terms = task.model.evaluating {
            task.model.negativeELBOTerms(images, noise: Tensor.randn([images.shape[0], 2], generator: RandomGenerator(seed: 0)))
        }
        let scores = task.model.negativeELBO(on: task.test)
        #expect(abs(scores.reconstruction - Double(terms.reconstruction.mean().item)) < 1e-3)
        #expect(abs(scores.divergence - Double(terms.divergence.mean().item)) < 1e-4)
        #expect(task.model.negativeELBO(on: task.test) == scores)
        #expect(task.model.negativeELBO(on: task.test, seed: 1) != scores)
    }

    @Test func checkpointRebuildsTheTrainedModel() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vae-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let task = vaeTask(.conv, seed: 4)
        try Trainer(.steps(2), state: task.state, metadata: task.model.checkpointMetadata, callbacks: [ModelCheckpoint(url)]).run(task)
        let file = try SafeTensors.read(contentsOf: url)
        #expect(file.names.contains("model.encoder.0.weight") && file.names.contains("optimizer.model.exp_avg.0"))
        let loaded = try VariationalAutoencoder(checkpoint: url)
        #expect(loaded.configuration == task.model.configuration)
        let codes = latentManifoldCodes(side: 3)
        #expect(loaded.decode(codes).scalars == task.model.evaluating { task.model.decode(codes) }.scalars)
    }

    @Test func manifoldCodesSitAtTheNormalQuantiles() {
        #expect(standardNormalQuantile(0.5) == 0)
        for (p, x) in [(0.975, 1.959963984540054), (0.05, -1.6448536269514729), (1e-10, -6.361340902404056), (0.999, 3.090232306167813)] {
            #expect(abs(standardNormalQuantile(p) - x) < 1e-12 * max(1, abs(x)), "Φ⁻¹(\(p))")
        }
        let codes = latentManifoldCodes(side: 20)
        #expect(codes.shape == [400, 2])
        let edge = Float(standardNormalQuantile(0.95))
        #expect(Array(codes.scalars.prefix(2)) == [-edge, edge])  // top left: z₁ low, z₂ high
        #expect(Array(codes.scalars.suffix(2)) == [edge, -edge])  // bottom right
        #expect(codes.scalars[2] > codes.scalars[0] && codes.scalars[2 * 20 + 1] < codes.scalars[1])
    }
}

/// A VAE's training on 40 random binary images in shuffled batches of 8 (5 steps an epoch), tested on 10 of them.
func vaeTask(_ architecture: VariationalAutoencoder.Configuration.Architecture, seed: UInt64, klWarmupSteps: Int = 0)
    -> VAETask<TensorDataset>
{
    let model = VariationalAutoencoder(VAETests.tiny(architecture), generator: RandomGenerator(seed: seed))
    // Ink at random in the first 7 columns, the rest of the page empty: what a VAE learns first.
    let pixels = Tensor.bernoulli([40, 1, 28, 28], probability: 0.5, generator: RandomGenerator(seed: 14))
    let images = pixels * Tensor(shape: [1, 1, 28, 28], scalars: (0..<784).map { $0 % 28 < 7 ? 1 : 0 })
    let data = TensorDataset(inputs: images, labels: Tensor(integers: Array(0..<40)))
    return VAETask(
        model, optimizer: Adam(model.parameters, learningRate: 1e-2),
        on: DataLoader(data, batchSize: 8, shuffle: true, generator: RandomGenerator(seed: seed &+ 1)), test: data.subset(Array(0..<10)),
        noise: RandomGenerator(seed: seed &+ 2), klWarmupSteps: klWarmupSteps)
}
