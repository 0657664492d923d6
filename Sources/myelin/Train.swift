import ArgumentParser
import Foundation
import Myelin

/// `myelin train MODEL`: trains a model of the zoo on its data set.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model on its data set and report test accuracy.",
        discussion: "Models: mlp (the W1 MNIST network 784-256-256-10). MNIST is read from Data/mnist unless --data names another folder.")

    enum Model: String, ExpressibleByArgument, CaseIterable {
        case mlp
    }

    @Argument(help: "The model to train: \(Model.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: Model

    @Option(help: "Folder holding the data set's files (default: the project's Data/mnist).")
    var data: String?

    @Option(help: "Number of passes over the training set.")
    var epochs = 3

    @Option(help: "Examples per step.")
    var batchSize = 128

    @Option(help: "Step size of SGD.")
    var learningRate: Float = 0.1

    @Option(help: "Folder for the loss curves.")
    var out = "runs/mlp"

    @Option(help: "Random seed: the same seed gives the same run.")
    var seed: UInt64 = 0

    func validate() throws {
        guard epochs > 0 else { throw ValidationError("--epochs must be at least 1") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be positive") }
    }

    func run() throws {
        let directory = data.map { URL(fileURLWithPath: $0) }
        let train = try MNIST(split: .train, directory: directory)
        let test = try MNIST(split: .test, directory: directory)
        print("MNIST from \(train.directory.path): \(train.count) training and \(test.count) test images.")
        manualSeed(seed)
        let network = Sequential {
            Flatten()
            Linear(784, 256); ReLU()
            Linear(256, 256); ReLU()
            Linear(256, 10)
        }
        print("Model mlp: 784 → 256 → 256 → 10 (ReLU), \(network.parameterCount) parameters; SGD lr \(learningRate), momentum 0.9, batch \(batchSize).")
        let optimizer = SGD(network.parameters, learningRate: learningRate, momentum: 0.9)
        let history = try trainClassifier(model: network, optimizer: optimizer, train: train, test: test,
                                          epochs: epochs, batchSize: batchSize, generator: RandomGenerator(seed: seed))
        print(String(format: "Test accuracy: %.4f", history.testAccuracies.last!))
        let curves = try writeLossCurves(history, stepsPerEpoch: (train.count + batchSize - 1) / batchSize,
                                         to: try makeOutputDirectory(out))
        print("Wrote the loss curve: \(curves.joined(separator: " and "))")
    }
}
