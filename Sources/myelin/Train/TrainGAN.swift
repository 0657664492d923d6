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
            mlp is the GAN benchmark's pair of 3-layer perceptrons; dcgan a small convolutional pair (transposed \
            convolutions with batch norm up to 28×28). Both train with Adam (betas 0.5, 0.999) on MNIST \
            scaled to [-1, 1]. After every epoch OUT/samples/epoch-NNN.png shows G on the same 64 noise \
            vectors and OUT/gan.safetensors is saved; at the end OUT/evolution.png (and the animation \
            OUT/evolution.gif) shows how those samples changed, and OUT/loss.png the losses. --resume OUT continues a run with its saved settings.

            With --conditional, G and D are told each digit: G takes an embedding of it beside the noise, D \
            projects its features onto another (a projection discriminator). The sample grids then show ten \
            noise vectors, a row each, drawn as each of the ten digits; at the end a classifier (--classifier \
            RUN, or a LeNet trained for an epoch) reads 1,000 of G's digits of each kind and the run reports how \
            many it recognises as the digit asked for. `myelin sample gan OUT/gan.safetensors --digit 7` draws more.
            """)

    @Option(help: "Network pair: mlp (the GAN benchmark's) or dcgan (default mlp).")
    var variant: GANConfiguration.Variant?

    @Option(help: "Passes over the 60,000 training digits (default 20 for mlp, 5 for dcgan; with --resume, the saved plan).")
    var epochs: Int?

    @Option(help: "Real digits (and fakes) per step (default 64).")
    var batchSize: Int?

    @Option(help: "Step size of both Adam optimizers (default 0.0002).")
    var learningRate: Float?

    @Flag(help: "Tell G and D which digit each image is, so that G can be asked for one.")
    var conditional = false

    @Option(
        help:
            "With --conditional: a classifier trained by `myelin train MODEL` (its folder or checkpoint) to read G's digits (default: train a LeNet for one epoch)."
    )
    var classifier: String?

    @Option(help: "Folder holding MNIST's files (default: the project's Data/mnist).")
    var data: String?

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        try requirePositive(("--epochs", epochs), ("--batch-size", batchSize))
        try requirePositive(learningRate: learningRate)
        if classifier != nil && !conditional && runOptions.resume == nil {
            throw ValidationError("--classifier reads the digits a conditional GAN is asked for: add --conditional")
        }
    }

    /// What a GAN run was started with, saved in its checkpoint (metadata `myelin.recipe`) so that
    /// --resume goes on the same way.
    struct Recipe: RunRecipe {
        var variant: GANConfiguration.Variant
        /// Epochs planned; a resumed run goes on to this many unless told otherwise.
        var epochs: Int
        var batchSize: Int
        var learningRate: Float
        /// Draws the initial weights, the data order, the noise and the fixed noise of the sample grids.
        var seed: UInt64
    }

    func run() throws {
        let group = try runOptions.processGroup()
        var train = try MNIST(split: .train, directory: data.map { URL(fileURLWithPath: $0) }, scaling: .symmetric)
        let folder = try runOptions.folder(defaultName: "gan")
        let checkpointURL = folder.appendingPathComponent("gan.safetensors")
        let saved = try runOptions.savedRun(named: "gan.safetensors", format: GANTrainer.checkpointFormat, command: "gan")
        var recipe = Recipe(
            variant: variant ?? .mlp, epochs: epochs ?? (variant == .dcgan ? 5 : 20), batchSize: batchSize ?? 64,
            learningRate: learningRate ?? 2e-4, seed: runOptions.seed)
        var configuration = GANConfiguration(variant: recipe.variant, conditional: conditional)
        if let saved {
            configuration = try GANTrainer.configuration(in: saved.file.metadata, path: saved.url.path)
            recipe = try runOptions.resumedRecipe(
                Recipe.self, of: saved,
                settings: { [self] other in
                    [
                        ResumedSetting("--variant", given: variant?.rawValue, saved: configuration.variant.rawValue),
                        ResumedSetting("--batch-size", given: batchSize, saved: other.batchSize),
                        ResumedSetting("--conditional", given: conditional ? true : nil, saved: configuration.conditional),
                    ]
                }, learningRate: learningRate)
            recipe.epochs = epochs ?? recipe.epochs
        }
        train.imageShape = configuration.imageShape
        guard train.count >= recipe.batchSize else {
            throw CommandError("\(train.directory.path): \(train.count) training digits are fewer than one batch of \(recipe.batchSize)")
        }
        let shard = try group.shard(ofBatch: recipe.batchSize)
        manualSeed(recipe.seed)
        let gan = GANTrainer(configuration, learningRate: recipe.learningRate, random: RandomGenerator(seed: recipe.seed))
        let task = GANTask(gan, on: train, batchSize: recipe.batchSize, seed: recipe.seed, shard: shard)
        print("MNIST from \(train.directory.path): \(train.count) training digits in [-1, 1].")
        print(
            "GAN \(configuration.summary): G \(gan.parameterCounts.generator) parameters, D \(gan.parameterCounts.discriminator); Adam lr \(recipe.learningRate), betas (\(gan.generatorOptimizer.beta1), \(gan.generatorOptimizer.beta2)); batch \(recipe.batchSize), \(task.batches.count) steps per epoch."
        )

        // After each epoch, G's digits for the same 64 noise vectors, or the ten digits for the same 10
        // (before the checkpoint that follows).
        let columns = sampleColumns(conditional: configuration.conditional)
        let fixedNoise = Tensor.randn(
            [configuration.conditional ? 10 : 64, configuration.noiseSize], generator: RandomGenerator(seed: recipe.seed &+ 3))
        let fixed: (noise: Tensor, labels: Tensor?) = configuration.conditional ? tenDigits(of: fixedNoise) : (fixedNoise, nil)
        let samples = try makeOutputDirectory(folder.appendingPathComponent("samples").path)
        let drawSamples = LambdaCallback(epochDidEnd: { trainer in
            try sampleGrid(gan.generate(fixed.noise, labels: fixed.labels), columns: columns)
                .writePNG(to: samples.appendingPathComponent(epochSampleName(trainer.progress.epoch)))
        })
        let folders = [folder] + (runOptions.resume.map { [URL(fileURLWithPath: $0, isDirectory: true)] } ?? [])
        var evolution: (strip: RunPicture, gif: String)?
        let report = ReportWriter(to: folder) { [self] trainer in
            let epoch = trainer.progress.epoch, history = trainer.history
            evolution = try writeEvolution(epochs: epoch, from: folders, columns: columns, to: folder)
            var outputs = RunOutputs(
                title: "myelin train gan",
                summary:
                    "A generator learns to turn 64 numbers of noise into handwritten digits by fooling a discriminator that learns to tell them from MNIST's.",
                settings: [
                    (
                        "networks",
                        "\(configuration.summary): G \(gan.parameterCounts.generator) parameters, D \(gan.parameterCounts.discriminator)"
                    ),
                    (
                        "optimizers",
                        "Adam lr \(recipe.learningRate), betas (\(gan.generatorOptimizer.beta1), \(gan.generatorOptimizer.beta2)), one each"
                    ),
                    ("batch size", String(recipe.batchSize)), ("epochs", String(epoch)), ("seed", String(recipe.seed)),
                ],
                metrics: [
                    ("D loss, last epoch", "mean D loss", "%.4f"), ("G loss, last epoch", "mean G loss", "%.4f"),
                    ("D(x): D's belief in real digits", "mean D(x)", "%.3f"),
                    ("D(G(z)): D's belief in G's digits", "mean D(G(z))", "%.3f"),
                ].compactMap { label, name, format in
                    history.last(name).map { (label, String(format: format, $0)) }
                },
                plots: [ganCurves(history)])
            if let grid = try sampleGrids(epochs: [epoch], folders: folders, columns: columns).grids.first {
                outputs.pictures.append(
                    RunPicture(
                        name: "samples/\(epochSampleName(epoch).replacingOccurrences(of: ".png", with: ""))",
                        caption: configuration.conditional
                            ? "G's digits 0–9 after epoch \(epoch), a row for each of 10 noise vectors (the same every epoch): one handwriting a row"
                            : "G's digits after epoch \(epoch), from the same 64 noise vectors every epoch",
                        image: grid.image))
            }
            if configuration.conditional {
                outputs.metrics += try recognition(of: gan, seed: recipe.seed)
            }
            if let evolution { outputs.pictures.append(evolution.strip) }
            return outputs
        }
        if let saved { try gan.checkCompatible(with: saved.file, path: saved.url.path) }
        let (_, written) = try trainRun(
            task, length: .epochs(recipe.epochs), recipe: recipe, metadata: gan.checkpointMetadata,
            checkpoint: checkpointURL, progress: ProgressLogger(speed: .steps, shown: ["D loss", "G loss"]),
            report: report, extra: [drawSamples], resuming: saved, newLearningRate: learningRate != nil, group: group)
        printWritten(written + (evolution.map { [$0.gif] } ?? []))
        if configuration.conditional {
            print("Draw a digit: myelin sample gan \(checkpointURL.path) --digit 7")
        } else {
            print("Walk between two digits: swift run -c release gan-interpolation \(checkpointURL.path)")
        }
    }

    /// How often a classifier reads the digit G was asked for, 1,000 samples of each, printed and
    /// returned as the report's figures.
    private func recognition(of gan: GANTrainer, seed: UInt64) throws -> [(String, String)] {
        let reader = try digitReader(
            classifier, train: try MNIST(split: .train, directory: data.map { URL(fileURLWithPath: $0) }), seed: seed)
        let rates = gan.recognitionRates(by: reader, samplesPerDigit: 1000, noise: RandomGenerator(seed: seed &+ 4))
        let mean = rates.reduce(0, +) / Double(rates.count)
        print("G's digits read by the classifier as the digit asked for (1,000 of each):")
        print("  " + rates.enumerated().map { String(format: "%d: %.3f", $0.offset, $0.element) }.joined(separator: "  "))
        print(String(format: "  mean %.4f", mean))
        return [("recognised as the digit asked for, mean", String(format: "%.4f", mean))]
            + rates.enumerated().map { ("recognised as the digit asked for, \($0.offset)", String(format: "%.4f", $0.element)) }
    }
}

extension GANConfiguration.Variant: ExpressibleByArgument {}
