import Foundation
import Myelin
import MyelinModels
import Testing

@Suite struct CycleGANTests {
    /// Networks small enough to step in milliseconds.
    static let tiny = CycleGANConfiguration(generatorWidth: 2, residualBlocks: 1, discriminatorWidth: 2, poolSize: 4)

    @Test func networksMapDigitsToDigitsAndToPatchScores() {
        let configuration = CycleGANConfiguration()
        let generator = configuration.makeGenerator(random: RandomGenerator(seed: 1))
        let images = Tensor.uniform([3, 1, 28, 28], low: -1, high: 1, generator: RandomGenerator(seed: 2))
        let translated = generator(images)
        #expect(translated.shape == [3, 1, 28, 28])
        #expect(translated.scalars.allSatisfy { $0 > -1 && $0 < 1 })  // tanh
        #expect(configuration.makeDiscriminator(random: RandomGenerator(seed: 3))(images).shape == [3, 1, 6, 6])
        // Convolutions without bias before instance norm: 7·7·16 + 9·16·32 + 9·32·64, three blocks of
        // 2·9·64·64, the transposed 9·64·32 + 9·32·16, and 7·7·16 + 1 for the last.
        #expect(generator.parameterCount == 784 + 4_608 + 18_432 + 3 * 73_728 + 18_432 + 4_608 + 785)
        #expect(generator.stateDict.map(\.0).contains("9.body.3.weight"))  // the first block's second convolution
        // D: 16·32 + 32, 16·32·64 (no bias), 16·64 + 1.
        #expect(configuration.makeDiscriminator().parameterCount == 544 + 32_768 + 1_025)
        #expect(CycleGANConfiguration().identityWeight == 5 && CycleGANConfiguration().problem == nil)
        #expect(CycleGANConfiguration(generatorWidth: 0).problem != nil && CycleGANConfiguration(poolSize: -1).problem != nil)
    }

    @Test func aPoolReturnsNewImagesUntilFullThenSwapsHalfOfThem() {
        func images(_ first: Int, _ count: Int) -> Tensor {
            Tensor(shape: [count, 1, 2, 2], scalars: (first..<(first + count)).flatMap { [Float]([Float($0), 0, 0, 0]) })
        }
        let pool = ImagePool(capacity: 50, imageShape: [1, 2, 2], generator: RandomGenerator(seed: 4))
        // Not full: every image comes back as it is, and is kept.
        for start in stride(from: 0, to: 50, by: 10) {
            #expect(pool.query(images(start, 10)).scalars == images(start, 10).scalars)
        }
        #expect(
            pool.count == 50
                && Set(pool.images.scalars.enumerated().filter { $0.offset % 4 == 0 }.map(\.element)) == Set((0..<50).map(Float.init)))

        // Full: about half come back as they are; the others are earlier images, whose slots the new ones take.
        let incoming = images(100, 400)
        let answer = pool.query(incoming).scalars
        let out = answer.enumerated().filter { $0.offset % 4 == 0 }.map(\.element)
        let kept = zip(out, (100..<500).map(Float.init)).filter { $0.0 == $0.1 }.count
        #expect(kept > 170 && kept < 230, "\(kept) of 400 returned as they came")
        #expect(out.allSatisfy { $0 < 500 })
        #expect(out.filter { $0 < 50 }.count > 20)  // some of the first fifty came back out
        let stored = pool.images.scalars.enumerated().filter { $0.offset % 4 == 0 }.map(\.element)
        #expect(stored.filter { $0 >= 100 }.count > 40)  // and the new ones replaced them
        #expect(Set(out + stored).count == 450)  // nothing lost, nothing made up: each image is out or stored

        // The same seed makes the same choices.
        let twin = ImagePool(capacity: 50, imageShape: [1, 2, 2], generator: RandomGenerator(seed: 4))
        for start in stride(from: 0, to: 50, by: 10) { _ = twin.query(images(start, 10)) }
        #expect(twin.query(incoming).scalars == answer && twin.images.scalars == pool.images.scalars)
        // A pool of none passes everything through.
        let none = ImagePool(capacity: 0, imageShape: [1, 2, 2], generator: RandomGenerator(seed: 7))
        #expect(none.query(images(0, 3)).scalars == images(0, 3).scalars)
    }

    @Test func aStepLowersTheGeneratorsLossAndTrainsTheDiscriminators() {
        let cycleGAN = CycleGANTrainer(Self.tiny, random: RandomGenerator(seed: 8), pools: RandomGenerator(seed: 9))
        let data = RandomGenerator(seed: 10)
        let a = Tensor.uniform([4, 1, 28, 28], low: -1, high: 1, generator: data)
        let b = Tensor.uniform([4, 1, 28, 28], low: -1, high: 1, generator: data)
        let first = cycleGAN.step(a: a, b: b)
        #expect(first.isFinite)
        #expect(
            Swift.abs(first.generatorLoss - (first.adversarialLoss + 10 * first.cycleLoss + 5 * first.identityLoss)) < 1e-4)
        // Each pool kept the step's four fakes.
        #expect(cycleGAN.poolA.count == 4 && cycleGAN.poolB.count == 4)
        var last = first
        for _ in 0..<30 { last = cycleGAN.step(a: a, b: b) }
        #expect(last.cycleLoss < first.cycleLoss && last.generatorLoss < first.generatorLoss, "\(first) → \(last)")
        let errors = cycleGAN.cycleErrors(a: a, b: b, batchSize: 3)
        #expect(errors.aba > 0 && errors.bab > 0 && errors.aba + errors.bab < Double(first.cycleLoss))
    }

    @Test func aCheckpointRebuildsTheTrainerAndRefusesAnotherConfiguration() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cyclegan-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let task = cycleGANTask(seed: 11)
        try Trainer(.steps(2), state: task.state).run(task)
        try task.cycleGAN.save(to: url)
        let file = try SafeTensors.read(contentsOf: url)
        for name in ["G_AB.0.weight", "G_BA.3.weight", "D_A.0.bias", "D_B.5.weight", "run.pool_A.images", "run.pool_B.count"] {
            #expect(file.names.contains(name), "\(name) missing")
        }
        #expect(try CycleGANTrainer.configuration(in: url) == Self.tiny)
        let loaded = try CycleGANTrainer(contentsOf: url)
        let zebras = Tensor.uniform([3, 1, 28, 28], low: -1, high: 1, generator: RandomGenerator(seed: 12))
        #expect(loaded.translateBToA(zebras).scalars == task.cycleGAN.translateBToA(zebras).scalars)
        #expect(loaded.poolA.images.scalars == task.cycleGAN.poolA.images.scalars && loaded.poolB.count == 4)

        let wider = CycleGANTrainer(
            CycleGANConfiguration(generatorWidth: 3, residualBlocks: 1, discriminatorWidth: 2, poolSize: 4),
            pools: RandomGenerator(seed: 13))
        #expect { try wider.restore(from: url) } throws: { error in
            "\(error)".hasPrefix(url.path) && "\(error)".contains("CycleGAN configured as G 2 maps")
        }
    }
}

/// A tiny CycleGAN's training on 12 random images of each domain in batches of 4 (3 steps an epoch),
/// evaluated on 2 of each.
func cycleGANTask(seed: UInt64) -> CycleGANTask<TensorDataset, TensorDataset> {
    let cycleGAN = CycleGANTrainer(CycleGANTests.tiny, random: RandomGenerator(seed: seed), pools: RandomGenerator(seed: seed &+ 5))
    func domain(_ seed: UInt64) -> TensorDataset {
        TensorDataset(
            inputs: Tensor.uniform([12, 1, 28, 28], low: -1, high: 1, generator: RandomGenerator(seed: seed)),
            labels: Tensor(integers: Array(0..<12)))
    }
    let test = (
        Tensor.uniform([2, 1, 28, 28], low: -1, high: 1, generator: RandomGenerator(seed: 30)),
        Tensor.uniform([2, 1, 28, 28], low: -1, high: 1, generator: RandomGenerator(seed: 31))
    )
    return CycleGANTask(cycleGAN, a: domain(20), b: domain(21), batchSize: 4, seed: seed, test: test)
}
