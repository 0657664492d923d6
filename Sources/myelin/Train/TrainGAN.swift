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
            """)

    @Option(help: "Network pair: mlp (the GAN benchmark's) or dcgan (default mlp).")
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
        var configuration = GANConfiguration(variant: recipe.variant)
        if let saved {
            configuration = try GANTrainer.configuration(in: saved.file.metadata, path: saved.url.path)
            recipe = try runOptions.resumedRecipe(
                Recipe.self, of: saved,
                settings: { [self] other in
                    [
                        ResumedSetting("--variant", given: variant?.rawValue, saved: configuration.variant.rawValue),
                        ResumedSetting("--batch-size", given: batchSize, saved: other.batchSize),
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
            "GAN \(configuration.summary): G \(gan.generator.parameterCount) parameters, D \(gan.discriminator.parameterCount); Adam lr \(recipe.learningRate), betas (\(gan.generatorOptimizer.beta1), \(gan.generatorOptimizer.beta2)); batch \(recipe.batchSize), \(task.batches.count) steps per epoch."
        )

        // After each epoch, G's digits for the same 64 noise vectors (before the checkpoint that follows).
        let fixedNoise = Tensor.randn([64, configuration.noiseSize], generator: RandomGenerator(seed: recipe.seed &+ 3))
        let samples = try makeOutputDirectory(folder.appendingPathComponent("samples").path)
        let drawSamples = LambdaCallback(epochDidEnd: { trainer in
            try sampleGrid(gan.generate(fixedNoise)).writePNG(to: samples.appendingPathComponent(epochSampleName(trainer.progress.epoch)))
        })
        let folders = [folder] + (runOptions.resume.map { [URL(fileURLWithPath: $0, isDirectory: true)] } ?? [])
        var evolution: (strip: RunPicture, gif: String)?
        let report = ReportWriter(to: folder) { trainer in
            let epoch = trainer.progress.epoch, history = trainer.history
            evolution = try writeEvolution(epochs: epoch, from: folders, to: folder)
            var outputs = RunOutputs(
                title: "myelin train gan",
                summary:
                    "A generator learns to turn 64 numbers of noise into handwritten digits by fooling a discriminator that learns to tell them from MNIST's.",
                settings: [
                    (
                        "networks",
                        "\(configuration.summary): G \(gan.generator.parameterCount) parameters, D \(gan.discriminator.parameterCount)"
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
            if let grid = try sampleGrids(epochs: [epoch], folders: folders).grids.first {
                outputs.pictures.append(
                    RunPicture(
                        name: "samples/\(epochSampleName(epoch).replacingOccurrences(of: ".png", with: ""))",
                        caption: "G's digits after epoch \(epoch), from the same 64 noise vectors every epoch",
                        image: grid.image))
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
        print("Walk between two digits: swift run -c release gan-interpolation \(checkpointURL.path)")
    }
}

extension GANConfiguration.Variant: ExpressibleByArgument {}
