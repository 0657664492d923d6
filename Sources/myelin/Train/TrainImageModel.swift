import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train MODEL` for an image classifier of the zoo: trains it on MNIST, reports its test
/// accuracy and shows what it learned.
struct TrainImageModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Train an image classifier of the zoo on MNIST (the default: `myelin train lenet`).",
        discussion: """
            Models:
            \(ZooModel.allCases.map { "  \($0.rawValue): \($0.summary)" }.joined(separator: "\n"))
            MNIST is read from Data/mnist unless --data names another folder. The output folder gets the \
            loss and accuracy curves and, for ConvNets, the first convolution's filters and one test digit's \
            feature maps.
            """)

    @Argument(help: "The model to train: \(ZooModel.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: ZooModel

    @Option(help: "Folder holding the data set's files (default: the project's Data/mnist).")
    var data: String?

    @Option(help: "Number of passes over the training set (default: the model's recipe).")
    var epochs: Int?

    @Option(help: "Images per step (default: the model's recipe).")
    var batchSize: Int?

    @Option(help: "Step size of the optimiser (default: the model's recipe).")
    var learningRate: Float?

    @Flag(help: "Augment training images with random shifts of up to 2 pixels.")
    var augment = false

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        try requirePositive(("--epochs", epochs), ("--batch-size", batchSize))
        try requirePositive(learningRate: learningRate)
    }

    /// What a run was started with, saved in its checkpoint so that --resume goes on the same way.
    struct Recipe: Codable {
        var model: String
        var epochs: Int
        var batchSize: Int
        var learningRate: Float
        var augment: Bool
        var seed: UInt64

        static let metadataKey = "myelin.recipe"
        /// The `myelin.format` of an image model's training checkpoint.
        static let checkpointFormat = "myelin.classifier"
    }

    func run() throws {
        let model = self.model
        let folder = try runOptions.folder(defaultName: model.rawValue)
        let checkpointURL = folder.appendingPathComponent("\(model.rawValue).safetensors")
        var recipe = Recipe(model: model.rawValue, epochs: model.epochs, batchSize: batchSize ?? model.batchSize,
                            learningRate: model.learningRate, augment: augment, seed: runOptions.seed)
        let resuming = try runOptions.resumeCheckpoint(named: checkpointURL.lastPathComponent, command: model.rawValue)
        if let resuming {
            let metadata = try TrainingCheckpoint.metadata(of: resuming, format: Recipe.checkpointFormat)
            let saved = try CheckpointMetadata.value(Recipe.self, key: Recipe.metadataKey, in: metadata, path: resuming.path,
                                                     what: "training recipe")
            guard saved.model == model.rawValue else {
                throw CommandError("\(resuming.path) is a run of \(saved.model), not \(model.rawValue): resume it with `myelin train \(saved.model) --resume \(runOptions.resume!)`")
            }
            try runOptions.refuseChangedSettings([
                ResumedSetting("--batch-size", given: batchSize, saved: saved.batchSize),
                ResumedSetting("--augment", given: augment ? true : nil, saved: saved.augment),
            ], savedSeed: saved.seed, of: resuming)
            recipe = saved
        }
        recipe.epochs = epochs ?? recipe.epochs
        recipe.learningRate = learningRate ?? recipe.learningRate
        let directory = data.map { URL(fileURLWithPath: $0) }
        let train = try MNIST(split: .train, directory: directory)
        let test = try MNIST(split: .test, directory: directory)
        print("MNIST from \(train.directory.path): \(train.count) training and \(test.count) test images.")
        let seed = recipe.seed, batchSize = recipe.batchSize, epochs = recipe.epochs
        manualSeed(seed)
        let network = model.make(generator: RandomGenerator(seed: seed))
        let (optimizer, optimizerSummary) = model.makeOptimizer(network.parameters, learningRate: recipe.learningRate)
        print("Model \(model.rawValue): \(model.summary); \(network.parameterCount) parameters; \(optimizerSummary), batch \(batchSize)\(recipe.augment ? ", shifted ±2 px" : "").")
        let shuffling = RandomGenerator(seed: seed)
        // Dropout draws from the global generator, so the checkpoint keeps its state too.
        let state = TrainingCheckpoint(format: Recipe.checkpointFormat, modules: [("", network)], optimizers: [("model", optimizer)],
                                       generators: [("shuffling", shuffling), ("global", .global)])
        let history = try trainClassifier(model: network, optimizer: optimizer, train: train, test: test,
                                          epochs: epochs, batchSize: batchSize,
                                          augmentation: recipe.augment ? [.shift(maxPixels: 2)] : nil,
                                          loss: model.loss, generator: shuffling,
                                          checkpointing: ClassifierCheckpointing(
                                            state: state, url: checkpointURL,
                                            metadata: [Recipe.metadataKey: try CheckpointMetadata.json(recipe)],
                                            resume: resuming))
        print("Confusion matrix of the test set (rows: true digit, columns: predicted):")
        print(history.confusion!.table)
        print(String(format: "Test accuracy: %.4f", history.testAccuracies.last!))

        var outputs = RunOutputs(
            title: "myelin train \(model.rawValue)",
            summary: "\(model.summary), trained on \(train.count) MNIST digits and tested on \(test.count).",
            settings: [("model", "\(model.rawValue): \(network.parameterCount) parameters"), ("optimizer", optimizerSummary),
                       ("batch size", String(batchSize)), ("epochs", String(epochs)),
                       ("augmentation", recipe.augment ? "random shifts of up to 2 pixels" : "none"), ("seed", String(seed))],
            metrics: [("test accuracy", String(format: "%.4f", history.testAccuracies.last!)),
                      ("mean training loss, last epoch", String(format: "%.4f", history.epochLosses.last!))],
            plots: trainingCurves(history, stepsPerEpoch: (train.count + batchSize - 1) / batchSize),
            pictures: firstConvolutionPictures(of: network, on: test))
        outputs.texts = [(caption: "Confusion matrix of the test set (rows: true digit, columns: predicted)",
                          text: history.confusion!.table)]
        let written = try outputs.write(to: folder)
        print("Wrote:\n" + ([checkpointURL.path] + written).map { "  \($0)" }.joined(separator: "\n"))
        print("Train further with: myelin train \(model.rawValue) --resume \(folder.path) --epochs \(epochs + 1)")
    }
}
