import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train segmentation`: a U-Net learns to label every pixel of canvases of MNIST digits
/// with its digit, or background.
struct TrainSegmentation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segmentation",
        abstract: "Train a U-Net to label every pixel of 64×64 canvases of 1–3 MNIST digits with its digit.",
        discussion: """
            Each canvas holds 1–3 MNIST digits resized to 20–36 pixels at random places (later ones over \
            earlier ones); a pixel's class is 0 for background and 1 + d for a pixel of digit d brighter than \
            0.5: 11 classes. Training canvases are made from MNIST's training digits (laid out by --seed), test \
            canvases from its test digits (always the same layouts). The U-Net (two 3×3 convolutions with \
            batch norm per level, --width channels at the top, 3 poolings, transposed convolutions back up, \
            skip connections) trains with Adam on --loss: dice (soft Dice over the classes), ce (cross-entropy \
            over the pixels) or both (their sum).

            After training it prints every class's IoU and Dice on the test canvases; OUT gets \
            segmentation.png (test canvases: input, truth and prediction side by side, in a fixed palette \
            with its key below), the loss and IoU curves, results.json, report.html and \
            segmentation.safetensors, saved after every epoch (continue with --resume OUT). Label a picture \
            of your own with `myelin segment OUT IMAGE.png`.
            """)

    @Option(help: "Folder holding the MNIST files (default: the project's Data/mnist).")
    var data: String?

    @Option(help: "Passes over the training canvases (default 4; with --resume, the epoch to stop after).")
    var epochs: Int?

    @Option(help: "Canvases per step (default 16).")
    var batchSize: Int?

    @Option(help: "Step size of Adam (default 0.002).")
    var learningRate: Float?

    @Option(help: "dice (soft Dice over the classes), ce (cross-entropy over the pixels) or both (their sum; default).")
    var loss: UNet.Loss?

    @Option(help: "Channels of the U-Net's first level, doubled at each of the 3 below (default 16).")
    var width: Int?

    @Option(help: "Training canvases, made from MNIST's training digits (default 6000).")
    var trainCanvases: Int?

    @Option(help: "Test canvases, made from MNIST's test digits (default 1000).")
    var testCanvases: Int?

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        try requirePositive(
            ("--epochs", epochs), ("--batch-size", batchSize), ("--width", width), ("--train-canvases", trainCanvases),
            ("--test-canvases", testCanvases))
        try requirePositive(learningRate: learningRate)
        if let width, width > 256 { throw ValidationError("--width must be at most 256") }
    }

    static let checkpointName = "segmentation.safetensors"

    func run() throws {
        let group = try runOptions.processGroup()
        let saved = try runOptions.savedRun(named: Self.checkpointName, format: UNet.checkpointFormat, command: "segmentation")
        let (configuration, recipe) = try settings(resuming: saved)
        let folder = try runOptions.folder(defaultName: "segmentation")
        let shard = try group.shard(ofBatch: recipe.batchSize)
        let directory = data.map { URL(fileURLWithPath: $0) }
        let mnistTrain = try MNIST(split: .train, directory: directory)
        let mnistTest = try MNIST(split: .test, directory: directory)
        let train = DigitCanvases(mnistTrain, count: recipe.trainCanvases, seed: recipe.seed)
        let test = DigitCanvases(mnistTest, count: recipe.testCanvases, seed: SegmentationRecipe.testLayoutSeed)
        print(
            "MNIST from \(mnistTrain.directory.path): \(train.count) training canvases of its \(mnistTrain.count) training digits, \(test.count) test canvases of its \(mnistTest.count) test digits (64×64, 1–3 digits of 20–36 px, 11 classes)."
        )
        manualSeed(recipe.seed)
        let model = UNet(configuration, generator: RandomGenerator(seed: recipe.seed))
        let task = SegmentationTask(
            model, optimizer: Adam(model.parameters, learningRate: recipe.learningRate), loss: recipe.loss,
            on: DataLoader(train, batchSize: recipe.batchSize, shuffle: true, generator: RandomGenerator(seed: recipe.seed), shard: shard),
            test: test, classNames: DigitCanvases.classNames)
        let shape = describe(configuration)
        print(
            "Model U-Net: \(shape); \(model.parameterCount) parameters; Adam lr \(recipe.learningRate), batch \(recipe.batchSize), \(recipe.loss.summary), \(recipe.epochs) epochs."
        )

        let report = ReportWriter(to: folder) { trainer in
            model.eval()
            let scores = SegmentationScores(trainer.history.confusionMatrix!, background: 0)
            return RunOutputs(
                title: "myelin train segmentation",
                summary:
                    "A U-Net labels every pixel of 64×64 canvases of MNIST digits with its digit or background; scored on \(test.count) test canvases.",
                settings: [
                    ("model", "U-Net: \(shape); \(model.parameterCount) parameters"), ("loss", recipe.loss.summary),
                    ("optimizer", "Adam lr \(recipe.learningRate)"), ("batch size", String(recipe.batchSize)),
                    ("epochs", String(recipe.epochs)), ("training canvases", String(recipe.trainCanvases)),
                    ("test canvases", String(recipe.testCanvases)), ("seed", String(recipe.seed)),
                ],
                metrics: segmentationMetrics(scores, loss: trainer.history.last("test loss") ?? .nan),
                plots: trainer.history.standardPlots() + [RunPlot(name: "iou", plot: iouPlot(trainer.history))],
                pictures: [
                    RunPicture(
                        name: "segmentation",
                        caption: "test canvases: input, true labels and predicted labels side by side; the key below",
                        image: segmentationPicture(of: model, images: test.batch(at: 0..<min(8, test.count))))
                ],
                texts: [(caption: "IoU and Dice per class on the test canvases", text: scores.table)])
        }
        let (trainer, written) = try trainRun(
            task, length: .epochs(recipe.epochs), recipe: recipe, metadata: model.checkpointMetadata,
            checkpoint: folder.appendingPathComponent(Self.checkpointName), progress: ProgressLogger(speed: .samples("canvases")),
            report: report, resuming: saved, newLearningRate: learningRate != nil, group: group)
        let epochsRun = trainer.progress.epoch
        print(String(format: "Trained %d %@ in %.1f s.", epochsRun, epochsRun == 1 ? "epoch" : "epochs", trainer.progress.seconds))
        print("IoU and Dice per class on the \(test.count) test canvases:")
        print(SegmentationScores(trainer.history.confusionMatrix!, background: 0).table)
        printWritten(written)
    }

    /// "width 16, depth 3 (16-32-64-128)".
    private func describe(_ configuration: UNet.Configuration) -> String {
        let widths = (0...configuration.depth).map { String(configuration.width << $0) }
        return "width \(configuration.width), \(configuration.depth) poolings (channels \(widths.joined(separator: "-")))"
    }

    /// The model's configuration and the recipe: a fresh run's from the options, a resumed run's
    /// from its checkpoint (whose settings an option may not contradict), with a new length and
    /// learning rate applied.
    private func settings(resuming saved: SavedRun?) throws -> (UNet.Configuration, SegmentationRecipe) {
        guard let saved else {
            var recipe = SegmentationRecipe(seed: runOptions.seed)
            recipe.loss = loss ?? recipe.loss
            recipe.epochs = epochs ?? recipe.epochs
            recipe.batchSize = batchSize ?? recipe.batchSize
            recipe.learningRate = learningRate ?? recipe.learningRate
            recipe.trainCanvases = trainCanvases ?? recipe.trainCanvases
            recipe.testCanvases = testCanvases ?? recipe.testCanvases
            var configuration = UNet.Configuration()
            configuration.width = width ?? configuration.width
            return (configuration, recipe)
        }
        let configuration = try UNet.configuration(in: saved.file.metadata, of: saved.url)
        var recipe = try runOptions.resumedRecipe(
            SegmentationRecipe.self, of: saved,
            settings: { [self] other in
                [
                    ResumedSetting("--width", given: width, saved: configuration.width),
                    ResumedSetting("--loss", given: loss?.rawValue, saved: other.loss.rawValue),
                    ResumedSetting("--batch-size", given: batchSize, saved: other.batchSize),
                    ResumedSetting("--train-canvases", given: trainCanvases, saved: other.trainCanvases),
                    ResumedSetting("--test-canvases", given: testCanvases, saved: other.testCanvases),
                ]
            }, learningRate: learningRate)
        recipe.epochs = epochs ?? recipe.epochs
        return (configuration, recipe)
    }
}

extension UNet.Loss: ExpressibleByArgument {
    /// How the run's settings name it.
    var summary: String {
        switch self {
        case .dice: return "soft Dice loss"
        case .ce: return "cross-entropy loss"
        case .both: return "cross-entropy + soft Dice loss"
        }
    }
}

/// How `myelin train segmentation` trains. The checkpoint keeps it (metadata `myelin.recipe`), so a
/// resumed run goes on with the settings it started with.
struct SegmentationRecipe: RunRecipe, Equatable {
    var loss: UNet.Loss = .both
    /// The epoch to stop after (a resumed run may be given a later one).
    var epochs = 4
    // In trials 16 learned more per canvas seen than 32 (mean IoU 0.39 against 0.08 after 8,000), at 80 % of the speed.
    var batchSize = 16
    var learningRate: Float = 2e-3
    var trainCanvases = 6000
    var testCanvases = 1000
    /// Draws the initial weights, the training canvases' layouts and their order.
    var seed: UInt64 = 0

    /// The test canvases' layouts are the same for every run, so runs compare on the same pixels.
    static let testLayoutSeed: UInt64 = 2015
}
