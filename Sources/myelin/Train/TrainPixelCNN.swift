import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train pixelcnn`: a PixelCNN learns the distribution of binarised MNIST digits, is
/// measured by the exact test negative log-likelihood, then draws digits pixel by pixel and
/// completes test digits whose lower half is hidden.
struct TrainPixelCNN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pixelcnn",
        abstract: "Train a PixelCNN on binarised MNIST; report the test NLL, draw digits pixel by pixel and complete half-hidden ones.",
        discussion: """
            Each pixel of each digit is made 0 or 1 (--binarization sampled: 1 with probability its grey level, \
            drawn once from seed 0, the stochastically binarised MNIST that published likelihoods use; threshold: \
            1 above 0.5). The network gives every pixel's probability of being 1 given the pixels above it and to \
            its left (masked convolutions), so an image's log-likelihood is exact: the test NLL is −log p(image) \
            in nats, the mean over the test digits. After training it draws --samples digits pixel by pixel and \
            redraws the lower half of 8 test digits given their upper half. OUT gets samples.png, completions.png, \
            the loss and NLL curves, report.html, results.json and pixelcnn.safetensors, saved after every epoch \
            (continue with --resume OUT; sample again with `myelin sample pixelcnn OUT/pixelcnn.safetensors`).
            """)

    @Option(help: "Folder holding the MNIST files (default: the project's Data/mnist).")
    var data: String?

    @Option(help: "How grey pixels become 0 or 1: sampled (default) or threshold.")
    var binarization: BinarizationChoice?

    @Option(help: "Passes over the training images (default 4; with --resume, the epoch to stop after).")
    var epochs: Int?

    @Option(help: "Images per step (default 32).")
    var batchSize: Int?

    @Option(help: "Step size of Adam (default 0.001).")
    var learningRate: Float?

    @Option(help: "Channels between the residual blocks (even; default 64).")
    var channels: Int?

    @Option(help: "Residual blocks after the first 7×7 layer (default 7).")
    var residualBlocks: Int?

    @Flag(help: "Gated blocks: tanh ⊙ sigmoid of the masked convolution's two halves instead of its ReLU (Gated PixelCNN's unit).")
    var gated = false

    @Option(help: "Digits to draw after training, 8 to a row (default 64).")
    var samples: Int = 64

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        try requirePositive(("--epochs", epochs), ("--batch-size", batchSize), ("--samples", samples))
        try requirePositive(learningRate: learningRate)
        if let channels, channels < 2 || channels % 2 != 0 { throw ValidationError("--channels must be an even number, at least 2") }
        if let residualBlocks, residualBlocks < 0 { throw ValidationError("--residual-blocks must not be negative") }
    }

    static let checkpointName = "pixelcnn.safetensors"

    func run() throws {
        let group = try runOptions.processGroup()
        let saved = try runOptions.savedRun(named: Self.checkpointName, format: PixelCNN.checkpointFormat, command: "pixelcnn")
        let (configuration, recipe) = try settings(resuming: saved)
        let folder = try runOptions.folder(defaultName: "pixelcnn")
        let shard = try group.shard(ofBatch: recipe.batchSize)
        let directory = data.map { URL(fileURLWithPath: $0) }
        let binarization = recipe.binarization.binarization
        let train = try MNIST(split: .train, directory: directory).binarized(binarization)
        let test = try MNIST(split: .test, directory: directory).binarized(binarization)
        print(
            "MNIST from \(train.directory.path): \(train.count) training and \(test.count) test digits, binarised (\(recipe.binarization.summary))."
        )

        manualSeed(recipe.seed)
        let model = PixelCNN(configuration, generator: RandomGenerator(seed: recipe.seed))
        let task = PixelCNNTask(
            model, optimizer: Adam(model.parameters, learningRate: recipe.learningRate),
            on: DataLoader(train, batchSize: recipe.batchSize, shuffle: true, generator: RandomGenerator(seed: recipe.seed), shard: shard),
            test: test)
        let summary = Self.summary(configuration, parameters: model.parameterCount)
        print("Model PixelCNN: \(summary); Adam lr \(recipe.learningRate), batch \(recipe.batchSize), \(recipe.epochs) epochs.")

        var drawn: PixelCNNPictures?  // when the run ends, for the figures printed after it
        let report = ReportWriter(to: folder) { trainer in
            let digits = test.batch(at: 0..<min(8, test.count)).inputs
            let pictures = PixelCNNPictures(model: model, samples: samples, completing: digits, seed: recipe.seed)
            drawn = pictures
            return RunOutputs(
                title: "myelin train pixelcnn",
                summary: "A PixelCNN models binarised MNIST digits pixel by pixel; its test NLL is exact.",
                settings: [
                    ("model", summary), ("binarization", recipe.binarization.summary), ("optimizer", "Adam lr \(recipe.learningRate)"),
                    ("batch size", String(recipe.batchSize)), ("epochs", String(recipe.epochs)), ("seed", String(recipe.seed)),
                ],
                metrics: Self.figures(trainer.history, pictures: pictures).map { ($0.name, $0.value) },
                plots: trainer.history.standardPlots() + [RunPlot(name: "nll", plot: pixelCNNLikelihoodPlot(trainer.history))],
                pictures: pictures.runPictures)
        }
        let (trainer, written) = try trainRun(
            task, length: .epochs(recipe.epochs), recipe: recipe, metadata: model.checkpointMetadata,
            checkpoint: folder.appendingPathComponent(Self.checkpointName), progress: ProgressLogger(speed: .samples("images")),
            report: report, resuming: saved, newLearningRate: learningRate != nil, group: group)
        print(
            "Trained \(trainer.progress.epoch) \(trainer.progress.epoch == 1 ? "epoch" : "epochs")"
                + String(format: " in %.1f s.", trainer.progress.seconds))
        for (name, value) in Self.figures(trainer.history, pictures: drawn) { print("  \(name): \(value)") }
        printWritten(written)
    }

    static func summary(_ configuration: PixelCNN.Configuration, parameters: Int) -> String {
        let c = configuration.channels
        return
            "masked A 7×7 → \(c) → \(configuration.residualBlocks) \(configuration.gated ? "gated" : "residual") blocks (1×1 → \(c / 2), "
            + (configuration.gated ? "masked B 3×3 → \(c), tanh ⊙ σ, " : "masked B 3×3, ") + "1×1 → \(c))"
            + " → 1×1 → \(c) → 1×1 → 1 logit per pixel; \(parameters) parameters"
    }

    /// The figures printed and written to results.json: the test NLL after each epoch and at the
    /// end, in bits per pixel too, and the sampling speed.
    static func figures(_ history: TrainingHistory, pictures: PixelCNNPictures?) -> [(name: String, value: String)] {
        var figures = history.points("test NLL").enumerated().map { epoch, point in
            (name: "test NLL after epoch \(epoch + 1) (nats)", value: String(format: "%.3f", point.value))
        }
        if let nats = history.last("test NLL"), let bits = history.last("test bits per pixel") {
            figures += [("test NLL (nats per image)", String(format: "%.3f", nats)), ("test bits per pixel", String(format: "%.5f", bits))]
        }
        if let pictures {
            figures.append(("sampling (images/s)", String(format: "%.2f", pictures.samplesPerSecond)))
        }
        return figures
    }

    /// The model's configuration and the recipe: a fresh run's from the options, a resumed run's
    /// from its checkpoint (whose settings an option may not contradict), with a new length and
    /// learning rate applied.
    private func settings(resuming saved: SavedRun?) throws -> (PixelCNN.Configuration, PixelCNNRecipe) {
        guard let saved else {
            var recipe = PixelCNNRecipe(seed: runOptions.seed)
            recipe.epochs = epochs ?? recipe.epochs
            recipe.batchSize = batchSize ?? recipe.batchSize
            recipe.learningRate = learningRate ?? recipe.learningRate
            recipe.binarization = binarization ?? recipe.binarization
            var configuration = PixelCNN.Configuration()
            configuration.channels = channels ?? configuration.channels
            configuration.residualBlocks = residualBlocks ?? configuration.residualBlocks
            configuration.gated = gated
            return (configuration, recipe)
        }
        let configuration = try PixelCNN.configuration(in: saved.file.metadata, of: saved.url)
        var recipe = try runOptions.resumedRecipe(
            PixelCNNRecipe.self, of: saved,
            settings: { [self] other in
                [
                    ResumedSetting("--channels", given: channels, saved: configuration.channels),
                    ResumedSetting("--residual-blocks", given: residualBlocks, saved: configuration.residualBlocks),
                    ResumedSetting("--gated", given: gated ? true : nil, saved: configuration.gated),
                    ResumedSetting("--batch-size", given: batchSize, saved: other.batchSize),
                    ResumedSetting("--binarization", given: binarization?.rawValue, saved: other.binarization.rawValue),
                ]
            }, learningRate: learningRate)
        recipe.epochs = epochs ?? recipe.epochs
        return (configuration, recipe)
    }
}

/// How `myelin train pixelcnn` trains. The checkpoint keeps it (metadata `myelin.recipe`), so a
/// resumed run goes on with the settings it started with.
struct PixelCNNRecipe: RunRecipe, Equatable {
    /// The epoch to stop after (a resumed run may be given a later one).
    var epochs = 4
    var batchSize = 32
    var learningRate: Float = 1e-3
    var binarization = BinarizationChoice.sampled
    var seed: UInt64 = 0
}

/// The binarisations the command offers: the data's draw is fixed (seed 0) whatever the run's
/// --seed, so every run is measured on the same test digits.
enum BinarizationChoice: String, Codable, ExpressibleByArgument, CaseIterable {
    case sampled, threshold

    var binarization: Binarization {
        switch self {
        case .sampled: return .sampled(seed: 0)
        case .threshold: return .threshold(0.5)
        }
    }

    var summary: String {
        switch self {
        case .sampled: return "sampled: each pixel 1 with probability its grey level, drawn once from seed 0"
        case .threshold: return "threshold: 1 where the grey level is above 0.5"
        }
    }
}
