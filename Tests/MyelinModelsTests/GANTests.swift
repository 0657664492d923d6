import Foundation
import Myelin
import MyelinModels
import Testing

@Suite struct GANTests {
    /// A GAN small enough to step in microseconds, in both variants (dcgan brings batch norm's buffers).
    static func tiny(_ variant: GANConfiguration.Variant) -> GANConfiguration {
        variant == .mlp
            ? GANConfiguration(variant: .mlp, noiseSize: 8, generatorWidths: [16], discriminatorWidths: [16])
            : GANConfiguration(variant: .dcgan, noiseSize: 8, generatorWidths: [4, 2], discriminatorWidths: [2, 4])
    }

    @Test func w5NetworksMatchPyTorch() {
        let gan = GANTrainer(.w5, random: RandomGenerator(seed: 1))
        // nn.Sequential's names; counts as PyTorch's sum(p.numel()):
        // G 64·256+256 + 256·512+512 + 512·784+784, D 784·512+512 + 512·256+256 + 256+1.
        #expect(gan.generator.stateDict.map(\.0) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"])
        #expect(gan.discriminator.stateDict.map(\.0) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"])
        #expect(gan.generator.parameterCount == 550_416)
        #expect(gan.discriminator.parameterCount == 533_505)
        let images = gan.generator(Tensor.randn([3, 64], generator: RandomGenerator(seed: 2)))
        #expect(images.shape == [3, 784])
        #expect(images.scalars.allSatisfy { $0 > -1 && $0 < 1 })  // Tanh
        #expect(gan.discriminator(images).shape == [3, 1])
        // PyTorch's default initialisation: U(−1/√fanIn, 1/√fanIn), so |w| ≤ 1/8 for the first layer.
        let first = gan.generator.parameters[0].scalars
        #expect(first.allSatisfy { Swift.abs($0) <= 0.125 } && first.contains { Swift.abs($0) > 0.12 })
    }

    @Test func dcganShapesCountsAndInitialisation() {
        let gan = GANTrainer(GANConfiguration(variant: .dcgan), random: RandomGenerator(seed: 3))
        #expect(gan.configuration.imageShape == [1, 28, 28])
        let images = gan.generator(Tensor.randn([3, 64], generator: RandomGenerator(seed: 4)))
        #expect(images.shape == [3, 1, 28, 28])
        #expect(gan.discriminator(images).shape == [3, 1])
        // G: Linear 64·6272 (no bias), BN 2·128, ConvT 128·64·16 (no bias), BN 2·64, ConvT 64·16 + 1.
        #expect(gan.generator.parameterCount == 401_408 + 256 + 131_072 + 128 + 1_025)
        // D: Conv 64·16 + 64, Conv 128·64·16 (no bias), BN 2·128, Linear 6272 + 1.
        #expect(gan.discriminator.parameterCount == 1_088 + 131_072 + 256 + 6_273)
        // DCGAN's N(0, 0.02): the 401,408 weights of G's first layer have a standard deviation near 0.02.
        let w = gan.generator.parameters[0].scalars.map(Double.init)
        let mean = w.reduce(0, +) / Double(w.count)
        let std = (w.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(w.count)).squareRoot()
        #expect(Swift.abs(mean) < 1e-3 && Swift.abs(std - 0.02) < 5e-4, "mean \(mean), std \(std)")
        let scales = gan.generator.stateDict.first { $0.0 == "2.weight" }!.1.scalars
        #expect(scales.allSatisfy { Swift.abs($0 - 1) < 0.1 } && Set(scales).count > 1)  // BN scales ~ N(1, 0.02)
    }

    @Test func invalidConfigurationsAreNamed() {
        #expect(GANConfiguration(variant: .dcgan, generatorWidths: [8]).problem != nil)
        #expect(GANConfiguration(noiseSize: 0).problem != nil)
        #expect(GANConfiguration(variant: .mlp, discriminatorWidths: []).problem != nil)
        #expect(GANConfiguration.w5.problem == nil)
    }

    /// D's step must lower D's loss on the batch it saw; G's step must raise D's belief in G's fakes.
    @Test func oneStepMovesBothNetworksTheRightWay() {
        let gan = GANTrainer(.w5, random: RandomGenerator(seed: 5))
        let data = RandomGenerator(seed: 6)
        let real = Tensor.uniform([16, 784], low: -1, high: 1, generator: data)
        let noise = Tensor.randn([16, 64], generator: data)
        let ones = Tensor.ones([16, 1]), zeros = Tensor.zeros([16, 1])
        func discriminatorLoss(_ fake: Tensor) -> Float {
            withoutGrad {
                (binaryCrossEntropyWithLogits(gan.discriminator(real), ones)
                    + binaryCrossEntropyWithLogits(gan.discriminator(fake), zeros)).item
            }
        }
        let fakeBefore = withoutGrad { gan.generator(noise) }
        let lossBefore = discriminatorLoss(fakeBefore)
        let generatorBefore = gan.generator.parameters.map(\.scalars)
        let discriminatorBefore = gan.discriminator.parameters.map(\.scalars)

        let result = gan.step(real: real, noise: noise)
        #expect(Swift.abs(result.discriminatorLoss - lossBefore) < 1e-6)  // one batch of 2N in D: rounding differs
        #expect(result.isFinite)
        #expect(discriminatorLoss(fakeBefore) < lossBefore)
        // G's loss was measured through the updated D on the old fake; the new G fools that D more.
        let generatorLossAfter = withoutGrad { binaryCrossEntropyWithLogits(gan.discriminator(gan.generator(noise)), ones).item }
        #expect(generatorLossAfter < result.generatorLoss)
        #expect(result.fakeScoreAfterUpdate < result.fakeScore)  // D's step made it doubt the fakes
        #expect(zip(gan.generator.parameters.map(\.scalars), generatorBefore).allSatisfy { $0 != $1 })
        #expect(zip(gan.discriminator.parameters.map(\.scalars), discriminatorBefore).allSatisfy { $0 != $1 })
        #expect(gan.discriminator.parameters.allSatisfy { $0.requiresGrad })  // unfrozen again
        #expect(gan.generatorOptimizer.stepCount == 1 && gan.discriminatorOptimizer.stepCount == 1)
    }

    /// `step` skips D's weight gradients in the G step, and without batch norm (mlp) runs D's real
    /// and fake batches as one; the result must still be the MLP GAN benchmark's step as PyTorch's script writes it:
    /// bit for bit for dcgan, to float rounding for mlp (one sum over 2N rows instead of two over N).
    @Test(arguments: GANConfiguration.Variant.allCases)
    func stepIsTheGANBenchmarksRecipeWrittenOut(_ variant: GANConfiguration.Variant) {
        let configuration = Self.tiny(variant)
        let gan = GANTrainer(configuration, random: RandomGenerator(seed: 7))
        let reference = GANTrainer(configuration, random: RandomGenerator(seed: 7))
        let data = RandomGenerator(seed: 8)
        for _ in 0..<3 {
            let real = Tensor.uniform([4] + configuration.imageShape, low: -1, high: 1, generator: data)
            let noise = Tensor.randn([4, 8], generator: data)
            gan.step(real: real, noise: noise)

            let (G, D) = (reference.generator, reference.discriminator)
            let ones = Tensor.ones([4, 1]), zeros = Tensor.zeros([4, 1])
            let fake = G(noise)
            let lossD = binaryCrossEntropyWithLogits(D(real), ones) + binaryCrossEntropyWithLogits(D(fake.detached()), zeros)
            reference.discriminatorOptimizer.zeroGrad()
            lossD.backward()
            reference.discriminatorOptimizer.step()
            let lossG = binaryCrossEntropyWithLogits(D(fake), ones)
            reference.generatorOptimizer.zeroGrad()
            lossG.backward()
            reference.generatorOptimizer.step()
        }
        let tolerance: Float = variant == .mlp ? 1e-6 : 0
        for (ours, theirs) in [(gan.generator, reference.generator), (gan.discriminator, reference.discriminator)] {
            let difference =
                zip(ours.stateDict, theirs.stateDict).map { a, b in
                    zip(a.1.scalars, b.1.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
                }.max() ?? 0
            #expect(difference <= tolerance, "differs from the GAN benchmark's step written out by up to \(difference)")
        }
        // The steps did move the weights (so the comparison is not between two untouched networks).
        let moved =
            gan.generator.parameters[0].scalars
            != GANTrainer(configuration, random: RandomGenerator(seed: 7)).generator.parameters[0].scalars
        #expect(moved)
    }

    @Test func checkpointFileHoldsBothNetworksUnderTheirNames() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gan-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let task = ganTask(.dcgan, seed: 13)
        try Trainer(.steps(2), state: task.state).run(task)
        try task.gan.save(to: url)
        let file = try SafeTensors.read(contentsOf: url)
        for name in [
            "generator.0.weight", "generator.2.running_mean", "discriminator.6.bias",
            "optimizer.generator.exp_avg.0", "optimizer.discriminator.exp_avg_sq.0",
        ] {
            #expect(file.names.contains(name), "\(name) missing")
        }
        #expect(try GANTrainer.configuration(in: url) == Self.tiny(.dcgan))

        // Loaded on its own, it generates what the trainer that wrote it generates.
        let loaded = try GANTrainer(contentsOf: url)
        let noise = Tensor.randn([5, 8], generator: RandomGenerator(seed: 14))
        let same = loaded.generate(noise).scalars == task.gan.generate(noise).scalars
        #expect(same)
        #expect(loaded.generate(noise).shape == [5, 1, 28, 28])
    }

    @Test func restoringAnotherConfigurationOrFormatFailsNamingTheFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gan-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let mlp = GANTrainer(Self.tiny(.mlp), random: RandomGenerator(seed: 15))
        try mlp.save(to: url)
        let dcgan = GANTrainer(Self.tiny(.dcgan), random: RandomGenerator(seed: 16))
        let before = dcgan.generator.parameters.map(\.scalars)
        #expect { try dcgan.restore(from: url) } throws: { error in
            "\(error)".hasPrefix(url.path) && "\(error)".contains("mlp") && "\(error)".contains("dcgan")
        }
        let unchanged = dcgan.generator.parameters.map(\.scalars) == before
        #expect(unchanged)  // nothing changed

        // A checkpoint of another kind of run.
        let other = Sequential { Linear(2, 2) }
        try TrainingCheckpoint(format: "myelin.other", modules: [("model", other)]).save(to: url)
        #expect { try GANTrainer(contentsOf: url) } throws: { error in
            "\(error)".hasPrefix(url.path) && "\(error)".contains("myelin.other")
        }
    }

    @Test func interpolationRunsFromEndToEnd() {
        let random = RandomGenerator(seed: 17)
        let a = Tensor.randn([64], generator: random), b = Tensor.randn([64], generator: random)
        for path in LatentPath.allCases {
            let points = interpolateLatents(from: a, to: b, steps: 9, path: path)
            #expect(points.shape == [9, 64])
            #expect(points.narrowed(axis: 0, start: 0, length: 1).scalars == a.scalars)
            #expect(points.narrowed(axis: 0, start: 8, length: 1).scalars == b.scalars)
        }
        // Linear: the middle is the mean. Spherical: between vectors of one length, every point keeps
        // it, and the middle is equally far from both ends.
        let middle = interpolateLatents(from: a, to: b, steps: 3).narrowed(axis: 0, start: 1, length: 1).scalars
        for (m, (x, y)) in zip(middle, zip(a.scalars, b.scalars)) { #expect(Swift.abs(m - (x + y) / 2) < 1e-6) }
        let unitA = a / a.square().sum().sqrt(), unitB = b / b.square().sum().sqrt()
        let arc = interpolateLatents(from: unitA, to: unitB, steps: 5, path: .spherical)
        for norm in arc.square().sum(axis: 1).sqrt().scalars { #expect(Swift.abs(norm - 1) < 1e-5) }
        let mid = arc.narrowed(axis: 0, start: 2, length: 1).reshaped([64])
        let toA = (mid - unitA).square().sum().item, toB = (mid - unitB).square().sum().item
        #expect(Swift.abs(toA - toB) < 1e-5)
        // Parallel vectors have no plane to turn in: the spherical path falls back to the line.
        let line = interpolateLatents(from: a, to: a * 2, steps: 3, path: .spherical).narrowed(axis: 0, start: 1, length: 1)
        for (m, x) in zip(line.scalars, a.scalars) { #expect(Swift.abs(m - 1.5 * x) < 1e-5) }
    }
}

/// A tiny GAN's training on 12 random images in batches of 4 (3 steps an epoch).
func ganTask(_ variant: GANConfiguration.Variant, seed: UInt64) -> GANTask<TensorDataset> {
    let gan = GANTrainer(GANTests.tiny(variant), random: RandomGenerator(seed: seed))
    let images = Tensor.uniform([12] + gan.configuration.imageShape, low: -1, high: 1, generator: RandomGenerator(seed: 9))
    return GANTask(gan, on: TensorDataset(inputs: images, labels: Tensor(integers: Array(0..<12))), batchSize: 4, seed: seed)
}
