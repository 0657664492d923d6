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

    @Option(help: "Folder for the pictures and curves (default: runs/MODEL).")
    var out: String?

    @Option(help: "Random seed: the same seed gives the same run.")
    var seed: UInt64 = 0

    func validate() throws {
        try requirePositive(("--epochs", epochs), ("--batch-size", batchSize))
        try requirePositive(learningRate: learningRate)
    }

    func run() throws {
        let model = self.model
        let directory = data.map { URL(fileURLWithPath: $0) }
        let train = try MNIST(split: .train, directory: directory)
        let test = try MNIST(split: .test, directory: directory)
        print("MNIST from \(train.directory.path): \(train.count) training and \(test.count) test images.")
        manualSeed(seed)
        let network = model.make(generator: RandomGenerator(seed: seed))
        let (optimizer, optimizerSummary) = model.makeOptimizer(network.parameters,
                                                                learningRate: learningRate ?? model.learningRate)
        let batchSize = batchSize ?? model.batchSize
        print("Model \(model.rawValue): \(model.summary); \(network.parameterCount) parameters; \(optimizerSummary), batch \(batchSize)\(augment ? ", shifted ±2 px" : "").")
        let history = try trainClassifier(model: network, optimizer: optimizer, train: train, test: test,
                                          epochs: self.epochs ?? model.epochs, batchSize: batchSize,
                                          augmentation: augment ? [.shift(maxPixels: 2)] : nil,
                                          loss: model.loss, generator: RandomGenerator(seed: seed))
        print("Confusion matrix of the test set (rows: true digit, columns: predicted):")
        print(history.confusion!.table)
        print(String(format: "Test accuracy: %.4f", history.testAccuracies.last!))

        let folder = try makeOutputDirectory(out ?? "runs/\(model.rawValue)")
        let epochs = self.epochs ?? model.epochs
        var outputs = RunOutputs(
            title: "myelin train \(model.rawValue)",
            summary: "\(model.summary), trained on \(train.count) MNIST digits and tested on \(test.count).",
            settings: [("model", "\(model.rawValue): \(network.parameterCount) parameters"), ("optimizer", optimizerSummary),
                       ("batch size", String(batchSize)), ("epochs", String(epochs)),
                       ("augmentation", augment ? "random shifts of up to 2 pixels" : "none"), ("seed", String(seed))],
            metrics: [("test accuracy", String(format: "%.4f", history.testAccuracies.last!)),
                      ("mean training loss, last epoch", String(format: "%.4f", history.epochLosses.last!))],
            plots: trainingCurves(history, stepsPerEpoch: (train.count + batchSize - 1) / batchSize),
            pictures: firstConvolutionPictures(of: network, on: test))
        outputs.texts = [(caption: "Confusion matrix of the test set (rows: true digit, columns: predicted)",
                          text: history.confusion!.table)]
        let written = try outputs.write(to: folder)
        print("Wrote:\n" + written.map { "  \($0)" }.joined(separator: "\n"))
    }
}
