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
        let saved = try resuming.map { try TrainingCheckpoint.read($0, format: Recipe.checkpointFormat) }
        if let resuming, let saved {
            let savedRecipe = try CheckpointMetadata.value(Recipe.self, key: Recipe.metadataKey, in: saved.metadata, path: resuming.path,
                                                           what: "training recipe")
            guard savedRecipe.model == model.rawValue else {
                throw CommandError("\(resuming.path) is a run of \(savedRecipe.model), not \(model.rawValue): resume it with `myelin train \(savedRecipe.model) --resume \(runOptions.resume!)`")
            }
            try runOptions.refuseChangedSettings([
                ResumedSetting("--batch-size", given: batchSize, saved: savedRecipe.batchSize),
                ResumedSetting("--augment", given: augment ? true : nil, saved: savedRecipe.augment),
            ], savedSeed: savedRecipe.seed, of: resuming)
            recipe = savedRecipe
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
        let loader = DataLoader(train, batchSize: batchSize, shuffle: true,
                                augmentation: recipe.augment ? [.shift(maxPixels: 2)] : nil, generator: RandomGenerator(seed: seed))
        let task = SupervisedTask(network, optimizer: optimizer, loss: model.loss, on: loader,
                                  validation: DataLoader(test, batchSize: 1000), metrics: [.accuracy, .confusionMatrix],
                                  prefix: "test ", format: Recipe.checkpointFormat)
        let report = ReportWriter(to: folder) { trainer in
            var outputs = RunOutputs(
                title: "myelin train \(model.rawValue)",
                summary: "\(model.summary), trained on \(train.count) MNIST digits and tested on \(test.count).",
                settings: [("model", "\(model.rawValue): \(network.parameterCount) parameters"), ("optimizer", optimizerSummary),
                           ("batch size", String(batchSize)), ("epochs", String(epochs)),
                           ("augmentation", recipe.augment ? "random shifts of up to 2 pixels" : "none"), ("seed", String(seed))],
                metrics: [("test accuracy", String(format: "%.4f", trainer.history.last("test accuracy")!)),
                          ("mean training loss, last epoch", String(format: "%.4f", trainer.history.last("mean loss")!))],
                plots: trainer.history.standardPlots(),
                pictures: firstConvolutionPictures(of: network, on: test))
            outputs.texts = [(caption: "Confusion matrix of the test set (rows: true digit, columns: predicted)",
                              text: trainer.history.confusionMatrix!.table)]
            return outputs
        }
        let trainer = Trainer(.epochs(epochs), state: task.state, metadata: [Recipe.metadataKey: try CheckpointMetadata.json(recipe)],
                              callbacks: runCallbacks(progress: ProgressLogger(), checkpoint: checkpointURL, every: .epoch, report: report))
        if let resuming, let saved {
            try resume(trainer, from: saved, at: resuming, newLearningRate: learningRate != nil, lengthOption: "--epochs")
        }
        let history = try trainer.run(task)
        print("Confusion matrix of the test set (rows: true digit, columns: predicted):")
        print(history.confusionMatrix!.table)
        print(String(format: "Test accuracy: %.4f", history.last("test accuracy")!))
        printWritten([checkpointURL.path, folder.appendingPathComponent("metrics.csv").path] + report.written)
        print("Train further with: myelin train \(model.rawValue) --resume \(folder.path) --epochs \(epochs + 1)")
    }
}
