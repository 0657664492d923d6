import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train stn`: a ConvNet with a spatial transformer in front and the same ConvNet alone
/// learn distorted MNIST side by side, on the same batches from the same start; which is better?
struct TrainSpatialTransformer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stn",
        abstract: "Train a spatial transformer network on distorted MNIST beside the same ConvNet without it; compare test accuracy.",
        discussion: """
            Every digit is placed on a 42×42 canvas, turned by up to ±45°, scaled by 0.7–1.2 and moved at random \
            (the same placements in every run: the training set is drawn with seed \(dataSeeds.train), the test \
            set with seed \(dataSeeds.test)). The STN's localisation network predicts an affine map per image, \
            starting at the identity; the image is resampled through it (affineGrid, gridSample) and classified \
            by a small ConvNet. The same ConvNet, with the same initial weights, learns alone from the same \
            batches with its own Adam. OUT gets rectified.png (test digits above what the STN makes of them), \
            the loss and accuracy curves of both, report.html, results.json and stn.safetensors, saved after \
            every epoch (continue with --resume OUT).
            """)

    /// The seeds of the distorted training and test sets: fixed, so every run learns and is tested on the same images.
    static let dataSeeds: (train: UInt64, test: UInt64) = (1, 2)

    @Option(help: "Folder holding the MNIST files (default: the project's Data/mnist).")
    var data: String?

    @Option(help: "Passes over the training images (default 3; with --resume, the epoch to stop after).")
    var epochs: Int?

    @Option(help: "Images per step (default 64).")
    var batchSize: Int?

    @Option(help: "Step size of both models' Adam (default 0.001).")
    var learningRate: Float?

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        try requirePositive(("--epochs", epochs), ("--batch-size", batchSize))
        try requirePositive(learningRate: learningRate)
    }

    static let checkpointName = "stn.safetensors"
    static let checkpointFormat = "myelin.stn"

    func run() throws {
        let group = try runOptions.processGroup()
        let saved = try runOptions.savedRun(named: Self.checkpointName, format: Self.checkpointFormat, command: "stn")
        var recipe: SpatialTransformerRecipe
        if let saved {
            recipe = try runOptions.resumedRecipe(
                SpatialTransformerRecipe.self, of: saved,
                settings: { [self] other in [ResumedSetting("--batch-size", given: batchSize, saved: other.batchSize)] },
                learningRate: learningRate)
        } else {
            recipe = SpatialTransformerRecipe(seed: runOptions.seed)
            recipe.batchSize = batchSize ?? recipe.batchSize
            recipe.learningRate = learningRate ?? recipe.learningRate
        }
        recipe.epochs = epochs ?? recipe.epochs
        let folder = try runOptions.folder(defaultName: "stn")
        let shard = try group.shard(ofBatch: recipe.batchSize)
        let directory = data.map { URL(fileURLWithPath: $0) }
        let train = DistortedImages(try MNIST(split: .train, directory: directory), seed: Self.dataSeeds.train)
        let test = DistortedImages(try MNIST(split: .test, directory: directory), seed: Self.dataSeeds.test)
        print(
            "MNIST from \(train.base.directory.path): \(train.count) training and \(test.count) test digits, each on a 42×42 canvas turned by up to ±45°, scaled by 0.7–1.2 and moved at random."
        )

        manualSeed(recipe.seed)
        // The same seed for both classifiers: the STN's ConvNet starts where the one alone does.
        let stn = SpatialTransformerNetwork(
            generator: RandomGenerator(seed: recipe.seed), localizationGenerator: RandomGenerator(seed: recipe.seed &+ 1))
        let convNet = SpatialTransformerNetwork.convNet(generator: RandomGenerator(seed: recipe.seed))
        let task = ClassifierComparisonTask(
            [
                ("STN", stn, Adam(stn.parameters, learningRate: recipe.learningRate)),
                ("ConvNet", convNet, Adam(convNet.parameters, learningRate: recipe.learningRate)),
            ],
            on: DataLoader(train, batchSize: recipe.batchSize, shuffle: true, generator: RandomGenerator(seed: recipe.seed), shard: shard),
            test: DataLoader(test, batchSize: 1000), format: Self.checkpointFormat)
        let models = [
            ("STN", "localisation (conv 7×7 → 8, conv 5×5 → 10, linear 32 → θ) + the ConvNet; \(stn.parameterCount) parameters"),
            ("ConvNet", "conv 5×5 → 16, conv 5×5 → 32 (each pooled by 2), linear 64 → 10; \(convNet.parameterCount) parameters"),
        ]
        for (name, summary) in models { print("Model \(name): \(summary).") }
        print("Each with Adam lr \(recipe.learningRate), batch \(recipe.batchSize), \(recipe.epochs) epochs, on the same batches.")

        let report = ReportWriter(to: folder) { trainer in
            RunOutputs(
                title: "myelin train stn",
                summary:
                    "A spatial transformer network and the same ConvNet without the transformer learn distorted MNIST (42×42, ±45°, scale 0.7–1.2, moved) side by side.",
                settings: models + [
                    ("optimizer", "Adam lr \(recipe.learningRate), one per model"), ("batch size", String(recipe.batchSize)),
                    ("epochs", String(recipe.epochs)), ("seed", String(recipe.seed)),
                    ("data seeds", "training \(Self.dataSeeds.train), test \(Self.dataSeeds.test)"),
                ],
                metrics: Self.accuracyTable(trainer.history).map { ($0.name, String(format: "%.4f", $0.value)) },
                plots: trainer.history.standardPlots(),
                pictures: [
                    RunPicture(
                        name: "rectified",
                        caption: "distorted test digits, each row above what the STN's transformer makes of them for its ConvNet",
                        image: rectificationPicture(of: stn, on: test))
                ])
        }
        let (trainer, written) = try trainRun(
            task, length: .epochs(recipe.epochs), recipe: recipe, checkpoint: folder.appendingPathComponent(Self.checkpointName),
            progress: ProgressLogger(speed: .samples("images")), report: report, resuming: saved,
            newLearningRate: learningRate != nil, group: group)
        print(
            "Trained \(trainer.progress.epoch) \(trainer.progress.epoch == 1 ? "epoch" : "epochs")"
                + String(format: " in %.1f s.", trainer.progress.seconds)
                + " Accuracy on the \(test.count) distorted test digits:")
        for (name, value) in Self.accuracyTable(trainer.history) {
            print("  \(name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(String(format: "%.4f", value))")
        }
        printWritten(written)
    }

    /// Both models' test accuracy and the difference, as printed and in results.json.
    static func accuracyTable(_ history: TrainingHistory) -> [(name: String, value: Double)] {
        let stn = history.last("STN test accuracy") ?? .nan, convNet = history.last("ConvNet test accuracy") ?? .nan
        return [
            ("ConvNet test accuracy", convNet), ("STN test accuracy", stn), ("STN gain in accuracy", stn - convNet),
        ]
    }
}

/// How `myelin train stn` trains. The checkpoint keeps it (metadata `myelin.recipe`), so a resumed
/// run goes on with the settings it started with.
struct SpatialTransformerRecipe: RunRecipe, Equatable {
    /// The epoch to stop after (a resumed run may be given a later one).
    var epochs = 3
    var batchSize = 64
    var learningRate: Float = 1e-3
    var seed: UInt64 = 0
}
