import ArgumentParser
import Foundation
import Myelin

/// `myelin demo`: trains an MLP on the built-in 8×8 digits and shows what it learned.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a small network on the built-in 8×8 digits (no download) and draw what it learned.")

    @Option(help: "Number of passes over the training set.")
    var epochs = 30

    @Option(help: "Folder for the pictures.")
    var out = "runs/demo"

    @Option(help: "Random seed: the same seed gives the same run.")
    var seed: UInt64 = 0

    func validate() throws {
        guard epochs > 0 else { throw ValidationError("--epochs must be at least 1") }
    }

    func run() throws {
        let digits = try Digits()
        let (train, test) = digits.split(testFraction: 0.2, seed: seed)
        print("Built-in 8×8 digits: \(train.count) training and \(test.count) held-back test images.")
        manualSeed(seed)
        let model = Sequential {
            Flatten()
            Linear(64, 64); ReLU()
            Linear(64, 10)
        }
        print("Model: 64 → 64 (ReLU) → 10, \(model.parameterCount) parameters; SGD, learning rate 0.05, momentum 0.9, weight decay 0.001.")
        let optimizer = SGD(model.parameters, learningRate: 0.05, momentum: 0.9, weightDecay: 1e-3)
        let directory = try makeOutputDirectory(out)
        let task = SupervisedTask(
            model, optimizer: optimizer, loss: crossEntropy,
            on: DataLoader(train, batchSize: 32, shuffle: true, generator: RandomGenerator(seed: seed)),
            validation: DataLoader(test, batchSize: 1000), metrics: [.accuracy], prefix: "test ",
            format: "myelin.demo")
        let report = ReportWriter(to: directory) { trainer in
            RunOutputs(
                title: "myelin demo",
                summary: "A multilayer perceptron learns the built-in 8×8 digits: \(train.count) to train on, \(test.count) held back.",
                settings: [
                    ("model", "64 → 64 (ReLU) → 10, \(model.parameterCount) parameters"),
                    ("optimizer", "SGD, learning rate 0.05, momentum 0.9, weight decay 0.001"),
                    ("batch size", "32"), ("epochs", String(epochs)), ("seed", String(seed)),
                ],
                metrics: [("test accuracy", String(format: "%.4f", trainer.history.last("test accuracy")!))],
                plots: trainer.history.standardPlots(),
                pictures: [
                    RunPicture(
                        name: "first-layer-weights",
                        caption: "the first layer's 64 weight patterns, one per hidden unit: red +, blue −",
                        image: Image.filterGrid(
                            (model[1] as! Linear).weight.detached(), tileHeight: 8, tileWidth: 8,
                            upscale: 6))
                ])
        }
        let metrics = MetricsLogger(directory.appendingPathComponent("metrics.csv"))
        let history = try Trainer(
            .epochs(epochs), state: task.state,
            callbacks: [ProgressLogger(), TerminateOnNaN(), metrics, report]
        ).run(task)
        print(String(format: "Test accuracy: %.4f (%d images never seen in training)", history.last("test accuracy")!, test.count))
        printWritten([metrics.url.path] + report.written)
    }
}
