import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train gan`: a generator learns to turn noise into handwritten digits by fooling a
/// discriminator that learns to tell them from MNIST's.
struct TrainGAN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gan",
        abstract: "Train a GAN to draw handwritten digits from noise.",
        discussion: """
            mlp is W5's pair of 3-layer perceptrons; dcgan a small convolutional pair (transposed \
            convolutions with batch norm up to 28×28). Both train with Adam (betas 0.5, 0.999) on MNIST \
            scaled to [-1, 1]. After every epoch OUT/samples/epoch-NNN.png shows G on the same 64 noise \
            vectors and OUT/gan.safetensors is saved; at the end OUT/evolution.png (and the animation \
            OUT/evolution.gif) shows how those samples changed, and OUT/loss.png the losses. --resume OUT continues a run with its saved settings.
            """)

    @Option(help: "Network pair: mlp (W5) or dcgan (default mlp).")
    var variant: GANConfiguration.Variant?

    @Option(help: "Passes over the 60,000 training digits (default 20 for mlp, 5 for dcgan; with --resume, the saved plan).")
    var epochs: Int?

    @Option(help: "Real digits (and fakes) per step (default 64).")
    var batchSize: Int?

    @Option(help: "Step size of both Adam optimizers (default 0.0002).")
    var learningRate: Float?

    @Option(help: "Folder holding MNIST's files (default: the project's Data/mnist).")
    var data: String?

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        try requirePositive(("--epochs", epochs), ("--batch-size", batchSize))
        try requirePositive(learningRate: learningRate)
    }

    func run() throws {
        var train = try MNIST(split: .train, directory: data.map { URL(fileURLWithPath: $0) }, scaling: .symmetric)
        let (gan, randomness, start) = try prepare()
        let folder = try runOptions.folder(defaultName: "gan")
        train.imageShape = gan.configuration.imageShape
        guard train.count >= start.batchSize else {
            throw CommandError("\(train.directory.path): \(train.count) training digits are fewer than one batch of \(start.batchSize)")
        }
        let c = gan.configuration
        print("MNIST from \(train.directory.path): \(train.count) training digits in [-1, 1].")
        print("GAN \(c.summary): G \(gan.generator.parameterCount) parameters, D \(gan.discriminator.parameterCount); Adam lr \(start.learningRate), betas (\(gan.generatorOptimizer.beta1), \(gan.generatorOptimizer.beta2)); batch \(start.batchSize), \(train.count / start.batchSize) steps per epoch.")
        if start.epoch > 0 { print("Resuming after epoch \(start.epoch) (step \(start.step)) of \(start.epochs).") }

        let finished = try trainGAN(gan, on: train, run: start, randomness: randomness, folder: folder)

        let folders = [folder] + (runOptions.resume.map { [URL(fileURLWithPath: $0, isDirectory: true)] } ?? [])
        let evolution = try writeEvolution(epochs: finished.epoch, from: folders, to: folder)
        let last = finished.history.epochs.last
        var outputs = RunOutputs(
            title: "myelin train gan",
            summary: "A generator learns to turn 64 numbers of noise into handwritten digits by fooling a discriminator that learns to tell them from MNIST's.",
            settings: [("networks", "\(c.summary): G \(gan.generator.parameterCount) parameters, D \(gan.discriminator.parameterCount)"),
                       ("optimizers", "Adam lr \(finished.learningRate), betas (\(gan.generatorOptimizer.beta1), \(gan.generatorOptimizer.beta2)), one each"),
                       ("batch size", String(finished.batchSize)), ("epochs", String(finished.epoch)), ("seed", String(finished.seed))],
            metrics: last.map { [("D loss, last epoch", String(format: "%.4f", $0.discriminatorLoss)),
                                 ("G loss, last epoch", String(format: "%.4f", $0.generatorLoss)),
                                 ("D(x): D's belief in real digits", String(format: "%.3f", $0.realScore)),
                                 ("D(G(z)): D's belief in G's digits", String(format: "%.3f", $0.fakeScore))] } ?? [],
            plots: [ganCurves(finished.history, stepsPerEpoch: train.count / finished.batchSize)])
        if let grid = try sampleGrids(epochs: [finished.epoch], folders: folders).grids.first {
            outputs.pictures.append(RunPicture(name: "samples/\(epochSampleName(finished.epoch).replacingOccurrences(of: ".png", with: ""))",
                                               caption: "G's digits after epoch \(finished.epoch), from the same 64 noise vectors every epoch",
                                               image: grid.image))
        }
        if let evolution { outputs.pictures.append(evolution.strip) }
        let written = [folder.appendingPathComponent("gan.safetensors").path] + (try outputs.write(to: folder))
            + (evolution.map { [$0.gif] } ?? [])
        print("Wrote:\n" + written.map { "  \($0)" }.joined(separator: "\n"))
        print("Walk between two digits: swift run -c release gan-interpolation \(folder.appendingPathComponent("gan.safetensors").path)")
    }

    /// The GAN, its random generators and its run record: fresh from the options, or restored
    /// from the --resume folder, whose settings win (an option that contradicts them is an error).
    private func prepare() throws -> (GANTrainer, GANRandomness, GANRun) {
        guard let url = try runOptions.resumeCheckpoint(named: "gan.safetensors", command: "gan") else {
            let variant = self.variant ?? .mlp
            let start = GANRun(epochs: epochs ?? (variant == .mlp ? 20 : 5), batchSize: batchSize ?? 64,
                               learningRate: learningRate ?? 2e-4, seed: runOptions.seed)
            manualSeed(start.seed)
            let gan = GANTrainer(GANConfiguration(variant: variant), learningRate: start.learningRate,
                                 random: RandomGenerator(seed: start.seed))
            return (gan, GANRandomness(seed: start.seed), start)
        }
        let configuration = try GANTrainer.configuration(in: url)
        var start = try GANRun(checkpoint: url)
        try runOptions.refuseChangedSettings([
            ResumedSetting("--variant", given: variant?.rawValue, saved: configuration.variant.rawValue),
            ResumedSetting("--batch-size", given: batchSize, saved: start.batchSize),
        ], savedSeed: start.seed, of: url)
        start.epochs = epochs ?? start.epochs
        guard start.epochs > start.epoch else {
            throw CommandError("\(url.path) has already trained \(start.epoch) epochs; pass --epochs \(start.epoch + 1) or more to go on")
        }
        manualSeed(start.seed)
        let gan = GANTrainer(configuration, learningRate: start.learningRate, random: RandomGenerator(seed: start.seed))
        let randomness = GANRandomness(seed: start.seed)
        try gan.restore(from: url, generators: randomness.named)
        // --learning-rate may change on resume.
        start.learningRate = learningRate ?? start.learningRate
        gan.generatorOptimizer.learningRate = start.learningRate
        gan.discriminatorOptimizer.learningRate = start.learningRate
        return (gan, randomness, start)
    }
}

extension GANConfiguration.Variant: ExpressibleByArgument {}
