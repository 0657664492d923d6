import Foundation
import Myelin
import MyelinModels

/// A GAN run's own state, kept in its checkpoint's metadata (`myelin.gan.run`) beside the
/// networks: the settings it was started with, how far it got and what it measured.
struct GANRun: Codable {
    /// Epochs planned; a resumed run goes on to this many unless told otherwise.
    var epochs: Int
    var batchSize: Int
    var learningRate: Float
    /// Draws the initial weights and the fixed noise of the sample grids.
    var seed: UInt64
    /// Epochs and steps completed.
    var epoch = 0
    var step = 0
    var history = GANHistory()

    static let metadataKey = "myelin.gan.run"
}

/// What a GAN run measured: both losses at every step, and each epoch's means.
struct GANHistory: Codable {
    var discriminatorLosses: [Float] = []
    var generatorLosses: [Float] = []
    var epochs: [GANEpochSummary] = []
}

/// One epoch's mean losses and D's mean scores.
struct GANEpochSummary: Codable {
    var discriminatorLoss: Double
    var generatorLoss: Double
    /// Mean D(x) on real digits.
    var realScore: Double
    /// Mean D(G(z)) before D's update.
    var fakeScore: Double
}

/// The generators a GAN run draws from, all checkpointed except the fixed noise, which the seed
/// gives again.
struct GANRandomness {
    /// The order of the training images, one permutation per epoch.
    let data: RandomGenerator
    /// The noise z of every step.
    let noise: RandomGenerator

    init(seed: UInt64) {
        data = RandomGenerator(seed: seed &+ 1)
        noise = RandomGenerator(seed: seed &+ 2)
    }

    var named: [(name: String, generator: RandomGenerator)] { [("data", data), ("noise", noise)] }

    /// The 64 noise vectors every epoch's sample grid shows, the same for the whole run.
    static func fixedNoise(seed: UInt64, noiseSize: Int) -> Tensor {
        Tensor.randn([64, noiseSize], generator: RandomGenerator(seed: seed &+ 3))
    }
}

/// Trains `gan` on `train` from epoch `run.epoch + 1` to `run.epochs`: a progress bar per epoch,
/// then the epoch's means, a grid of G on the fixed noise (`samples/epoch-NNN.png`) and a
/// checkpoint (`gan.safetensors`) in `folder`. Returns the run as it ended.
func trainGAN(_ gan: GANTrainer, on train: MNIST, run start: GANRun, randomness: GANRandomness, folder: URL) throws -> GANRun {
    var run = start
    let loader = DataLoader(train, batchSize: run.batchSize, shuffle: true, dropLast: true, generator: randomness.data)
    let fixedNoise = GANRandomness.fixedNoise(seed: run.seed, noiseSize: gan.configuration.noiseSize)
    let checkpointURL = folder.appendingPathComponent("gan.safetensors")
    let samples = try makeOutputDirectory(folder.appendingPathComponent("samples").path)
    removeAbandonedTemporaryFiles(for: checkpointURL)
    while run.epoch < run.epochs {
        run.epoch += 1
        var bar = ProgressBar(total: loader.count, label: "epoch \(run.epoch)/\(run.epochs)")
        var sums = (d: 0.0, g: 0.0, real: 0.0, fake: 0.0), steps = 0
        var smoothed = (d: 0.0, g: 0.0)
        let started = Date()
        for (images, _) in loader {
            let result = gan.step(real: images, noise: Tensor.randn([images.shape[0], gan.configuration.noiseSize],
                                                                     generator: randomness.noise))
            run.step += 1
            guard result.isFinite else {
                throw DivergedError(step: run.step, loss: result.discriminatorLoss.isFinite ? result.generatorLoss : result.discriminatorLoss)
            }
            run.history.discriminatorLosses.append(result.discriminatorLoss)
            run.history.generatorLosses.append(result.generatorLoss)
            steps += 1
            sums.d += Double(result.discriminatorLoss); sums.g += Double(result.generatorLoss)
            sums.real += Double(result.realScore); sums.fake += Double(result.fakeScore)
            // The bar shows exponentially smoothed losses: one GAN step's are too noisy to read.
            let weight = steps == 1 ? 1 : 0.02
            smoothed.d += weight * (Double(result.discriminatorLoss) - smoothed.d)
            smoothed.g += weight * (Double(result.generatorLoss) - smoothed.g)
            let speed = Double(steps) / max(Date().timeIntervalSince(started), 1e-9)
            bar.update(steps, String(format: "loss D %.3f G %.3f  %.0f steps/s", smoothed.d, smoothed.g, speed))
        }
        let n = Double(max(steps, 1))
        let summary = GANEpochSummary(discriminatorLoss: sums.d / n, generatorLoss: sums.g / n,
                                      realScore: sums.real / n, fakeScore: sums.fake / n)
        run.history.epochs.append(summary)
        bar.finish(String(format: "loss D %.4f G %.4f  D(x) %.3f  D(G(z)) %.3f", summary.discriminatorLoss,
                          summary.generatorLoss, summary.realScore, summary.fakeScore))

        let grid = sampleGrid(gan.generate(fixedNoise))
        try grid.writePNG(to: samples.appendingPathComponent(epochSampleName(run.epoch)))
        try gan.save(to: checkpointURL, generators: randomness.named, metadata: [GANRun.metadataKey: try run.json()])
    }
    return run
}

extension GANRun {
    /// The record as JSON, keys sorted so that the same run writes the same bytes.
    func json() throws -> String { try CheckpointMetadata.json(self) }

    /// The run saved in the GAN checkpoint at `url`; an error names the file if its record is missing or unreadable.
    init(checkpoint url: URL) throws {
        let metadata = try TrainingCheckpoint.metadata(of: url, format: GANTrainer.checkpointFormat)
        guard let text = metadata[Self.metadataKey],
              let run = try? JSONDecoder().decode(GANRun.self, from: Data(text.utf8)),
              run.epoch >= 0, run.step >= 0, run.batchSize > 0, run.epochs > 0 else {
            throw CheckpointError(path: url.path, message: "its run record (metadata \(Self.metadataKey)) is missing or unreadable; was it written by `myelin train gan`?")
        }
        self = run
    }
}
