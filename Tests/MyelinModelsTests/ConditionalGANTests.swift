import Foundation
import Myelin
import MyelinModels
import Testing

@Suite struct ConditionalGANTests {
    static func tiny(_ variant: GANConfiguration.Variant) -> GANConfiguration {
        var configuration = GANTests.tiny(variant)
        configuration.conditional = true
        return configuration
    }

    @Test(arguments: GANConfiguration.Variant.allCases)
    func networksTakeTheLabels(_ variant: GANConfiguration.Variant) throws {
        let gan = GANTrainer(Self.tiny(variant), random: RandomGenerator(seed: 1))
        let (g, d) = (try #require(gan.generatorLabels), try #require(gan.discriminatorLabels))
        #expect(g.weight.shape == [10, GANConfiguration.labelEmbeddingSize])
        #expect(d.weight.shape == [10, variant == .mlp ? 16 : 4 * 7 * 7] && d.weight.scalars.allSatisfy { $0 == 0 })
        // G's first layer reads the noise and the label's embedding; both embeddings are in the optimizers.
        #expect((gan.generator.parameters[0].shape[1]) == 8 + GANConfiguration.labelEmbeddingSize)
        #expect(gan.generatorOptimizer.parameters.contains { $0 === g.weight })
        #expect(gan.discriminatorOptimizer.parameters.contains { $0 === d.weight })
        let counts = gan.parameterCounts
        #expect(counts.generator == gan.generator.parameterCount + g.weight.count)
        #expect(counts.discriminator == gan.discriminator.parameterCount + d.weight.count)

        // The same noise asked for other digits gives other images; asked for the same, the same.
        let noise = Tensor.randn([3, 8], generator: RandomGenerator(seed: 2))
        let sevens = gan.generate(noise, labels: Tensor(integers: [7, 7, 7]))
        #expect(sevens.shape == [3, 1, 28, 28])
        #expect(gan.generate(noise, labels: Tensor(integers: [7, 7, 7])).scalars == sevens.scalars)
        #expect(gan.generate(noise, labels: Tensor(integers: [1, 7, 7])).scalars.prefix(784) != sevens.scalars.prefix(784))
        #expect(gan.generate(noise, labels: Tensor(integers: [1, 7, 7])).scalars.suffix(1568) == sevens.scalars.suffix(1568))
    }

    /// After a step the projection is no longer 0: D's logit is ψ(φ(x)) + ⟨embed(y), φ(x)⟩, φ all of D but its last layer.
    @Test func theDiscriminatorProjectsItsFeaturesOntoTheLabel() throws {
        let gan = GANTrainer(Self.tiny(.mlp), random: RandomGenerator(seed: 3))
        let data = RandomGenerator(seed: 4)
        let real = Tensor.uniform([6, 784], low: -1, high: 1, generator: data)
        let labels = Tensor(integers: [0, 1, 2, 3, 4, 5])
        gan.step(real: real, noise: Tensor.randn([6, 8], generator: data), labels: labels)
        let projection = try #require(gan.discriminatorLabels).weight
        #expect(projection.scalars.contains { $0 != 0 })
        // Rows of digits absent from the batch are untouched.
        #expect(projection.scalars[(6 * 16)...].allSatisfy { $0 == 0 })
        let features = withoutGrad { gan.discriminator.layers.dropLast().reduce(real) { $1($0) } }
        let plain = withoutGrad { gan.discriminator(real) }
        var expected = plain.scalars
        for (n, digit) in labels.integers.enumerated() {
            expected[n] += (0..<16).reduce(Float(0)) { $0 + features.scalars[n * 16 + $1] * projection.scalars[digit * 16 + $1] }
        }
        // The next step's D(x) is the mean sigmoid of those logits (the real half of its joint batch, before D learns).
        let realScore = Tensor(shape: [6, 1], scalars: expected).sigmoid().mean().item
        let afterStep = gan.step(real: real, noise: Tensor.randn([6, 8], generator: data), labels: labels)
        #expect(abs(afterStep.realScore - realScore) < 1e-5, "\(afterStep.realScore) against \(realScore)")
    }

    @Test func unconditionalCheckpointsWrittenBeforeTheOptionStillLoad() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gan-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let old = GANTrainer(GANTests.tiny(.mlp), random: RandomGenerator(seed: 5))
        // The configuration JSON as checkpoints held it before `conditional` existed.
        let json = #"{"discriminatorWidths":[16],"generatorWidths":[16],"noiseSize":8,"variant":"mlp"}"#
        try old.trainingCheckpoint().save(to: url, metadata: [GANTrainer.configurationKey: json, GANTrainer.betasKey: "0.5 0.999"])
        let loaded = try GANTrainer(contentsOf: url)
        #expect(loaded.configuration == GANTests.tiny(.mlp) && !loaded.configuration.conditional)
        let noise = Tensor.randn([2, 8], generator: RandomGenerator(seed: 6))
        #expect(loaded.generate(noise).scalars == old.generate(noise).scalars)
        // A conditional trainer refuses it by name.
        let conditional = GANTrainer(Self.tiny(.mlp), random: RandomGenerator(seed: 7))
        #expect { try conditional.restore(from: url) } throws: { "\($0)".contains("conditional") && "\($0)".hasPrefix(url.path) }
    }

    @Test func conditionalCheckpointsRebuildTheEmbeddings() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gan-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let task = conditionalGANTask(.dcgan, seed: 8)
        try Trainer(.steps(2), state: task.state).run(task)
        try task.gan.save(to: url)
        let file = try SafeTensors.read(contentsOf: url)
        #expect(file.names.contains("generatorLabels.weight") && file.names.contains("discriminatorLabels.weight"))
        let loaded = try GANTrainer(contentsOf: url)
        #expect(loaded.configuration.conditional)
        let noise = Tensor.randn([4, 8], generator: RandomGenerator(seed: 9)), labels = Tensor(integers: [0, 3, 6, 9])
        #expect(loaded.generate(noise, labels: labels).scalars == task.gan.generate(noise, labels: labels).scalars)
    }

    @Test func tenDigitsRepeatEachNoiseForEveryDigit() {
        let noise = Tensor.randn([2, 3], generator: RandomGenerator(seed: 10))
        let (rows, labels) = tenDigits(of: noise)
        #expect(rows.shape == [20, 3] && labels.integers == Array(0..<10) + Array(0..<10))
        #expect(Array(rows.scalars[27..<30]) == Array(noise.scalars[0..<3]) && Array(rows.scalars[30..<33]) == Array(noise.scalars[3..<6]))
    }

    /// A "classifier" that reads every image as a 3: the rates are 1 for the 3s, 0 for the rest.
    @Test func recognitionRatesCountTheDigitsReadAsAskedFor() {
        final class AlwaysThree: Module {
            override func forward(_ images: Tensor) -> Tensor {
                Tensor(shape: [images.shape[0], 10], scalars: (0..<(10 * images.shape[0])).map { $0 % 10 == 3 ? 1 : 0 })
            }
        }
        let gan = GANTrainer(Self.tiny(.mlp), random: RandomGenerator(seed: 11))
        let rates = gan.recognitionRates(by: AlwaysThree(), samplesPerDigit: 7, noise: RandomGenerator(seed: 12))
        #expect(rates == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0])
    }

    /// The direction is the mean noise of the samples that measure highest minus that of the lowest,
    /// and moving along it is measured on the images of the moved noise.
    @Test func latentDirectionAndItsEffectAreMeasuredOnTheImages() {
        let gan = GANTrainer(Self.tiny(.mlp), random: RandomGenerator(seed: 13))
        let noise = Tensor.randn([40, 8], generator: RandomGenerator(seed: 14))
        let labels = Tensor(integers: (0..<40).map { $0 % 10 })
        let found = gan.latentDirection(of: .slant, noise: noise, labels: labels, fraction: 0.25)
        #expect(found.groupSize == 10 && found.direction.shape == [8])
        let slants = StrokeAttribute.slant.measure(gan.inkImages(noise, labels: labels))
        let ranked = slants.indices.sorted { slants[$0] < slants[$1] }
        #expect(abs(found.groupMeans.high - ranked.suffix(10).reduce(0) { $0 + slants[$1] } / 10) < 1e-12)
        #expect(found.groupMeans.high > found.groupMeans.low)
        for j in 0..<8 {
            let high = ranked.suffix(10).reduce(0.0) { $0 + Double(noise.scalars[$1 * 8 + j]) } / 10
            let low = ranked.prefix(10).reduce(0.0) { $0 + Double(noise.scalars[$1 * 8 + j]) } / 10
            #expect(abs(Double(found.direction.scalars[j]) - (high - low)) < 1e-5)
        }
        let means = gan.attributeMeans(of: .slant, along: found.direction, steps: [0, 2], noise: noise, labels: labels)
        #expect(abs(means[0] - slants.reduce(0, +) / 40) < 1e-12)
        let moved = StrokeAttribute.slant.measure(gan.inkImages(noise + found.direction * 2, labels: labels))
        #expect(abs(means[1] - moved.reduce(0, +) / 40) < 1e-12)
    }
}

/// A tiny conditional GAN's training on 12 random images labelled 0…9, 0, 1, in batches of 4 (3 steps an epoch).
func conditionalGANTask(_ variant: GANConfiguration.Variant, seed: UInt64) -> GANTask<TensorDataset> {
    let gan = GANTrainer(ConditionalGANTests.tiny(variant), random: RandomGenerator(seed: seed))
    let images = Tensor.uniform([12] + gan.configuration.imageShape, low: -1, high: 1, generator: RandomGenerator(seed: 9))
    return GANTask(gan, on: TensorDataset(inputs: images, labels: Tensor(integers: (0..<12).map { $0 % 10 })), batchSize: 4, seed: seed)
}
