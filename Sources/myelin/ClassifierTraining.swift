import Foundation
import Myelin

/// What a classifier's training run measured: the loss after every step, the mean loss and the
/// test accuracy after every epoch.
struct TrainingHistory {
    var stepLosses: [Double] = []
    var epochLosses: [Double] = []
    var testAccuracies: [Double] = []
}

/// Thrown when the loss stops being a number, with the step where it happened.
struct DivergedError: Error, CustomStringConvertible {
    let step: Int, loss: Float
    var description: String {
        "the loss became \(loss) at step \(step): training diverged. Try a smaller learning rate (--learning-rate)."
    }
}

/// Trains `model` on `train` for `epochs` with a progress bar per epoch, printing the mean loss
/// and the accuracy on `test` after each. `prepare` turns a batch of inputs into the model's input
/// (e.g. flattening images).
func trainClassifier<D: Dataset>(model: Module, optimizer: Optimizer, train: D, test: D, epochs: Int,
                                 batchSize: Int, generator: RandomGenerator,
                                 prepare: @escaping (Tensor) -> Tensor = { $0 }) throws -> TrainingHistory {
    var history = TrainingHistory()
    let loader = DataLoader(train, batchSize: batchSize, shuffle: true, generator: generator)
    for epoch in 1...epochs {
        var bar = ProgressBar(total: loader.count, label: "epoch \(epoch)/\(epochs)")
        var total = 0.0, seen = 0
        model.train()
        for (step, (inputs, labels)) in loader.enumerated() {
            let loss = crossEntropy(model(prepare(inputs)), labels)
            // Stop before a non-finite loss reaches the weights.
            let value = loss.item
            guard value.isFinite else { throw DivergedError(step: history.stepLosses.count + 1, loss: value) }
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            history.stepLosses.append(Double(value))
            total += Double(value) * Double(labels.shape[0])
            seen += labels.shape[0]
            bar.update(step + 1, String(format: "loss %.4f", total / Double(seen)))
        }
        let accuracy = evaluateAccuracy(model: model, data: test, batchSize: 1000, prepare: prepare)
        history.epochLosses.append(total / Double(seen))
        history.testAccuracies.append(accuracy)
        bar.finish(String(format: "loss %.4f  test accuracy %.4f", total / Double(seen), accuracy))
    }
    return history
}

/// Fraction of `data` whose arg-max prediction is the label, in evaluation mode.
func evaluateAccuracy<D: Dataset>(model: Module, data: D, batchSize: Int,
                                  prepare: (Tensor) -> Tensor = { $0 }) -> Double {
    model.eval()
    defer { model.train() }
    return classificationAccuracy(of: { model(prepare($0)) }, on: data, batchSize: batchSize)
}

/// Writes the loss curve (per step, and the per-epoch mean) as SVG and PNG; returns their paths.
func writeLossCurves(_ history: TrainingHistory, stepsPerEpoch: Int, to directory: URL) throws -> [String] {
    let steps = LinePlot.Series(name: "loss per step", values: history.stepLosses)
    let epochs = LinePlot.Series(name: "mean loss per epoch",
                                 points: history.epochLosses.enumerated().map { (Double(($0.offset + 1) * stepsPerEpoch), $0.element) })
    let plot = LinePlot(title: "Training loss", xLabel: "step", yLabel: "cross-entropy", series: [steps, epochs])
    let svg = directory.appendingPathComponent("loss.svg"), png = directory.appendingPathComponent("loss.png")
    try plot.writeSVG(to: svg)
    try plot.writePNG(to: png)
    return [svg.path, png.path]
}

/// Creates `path` (and its parents) if needed, with an error that says which folder failed.
func makeOutputDirectory(_ path: String) throws -> URL {
    let url = URL(fileURLWithPath: path, isDirectory: true)
    do {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
        throw CommandError("cannot create the output folder \(path): \(error.localizedDescription)")
    }
    return url
}

/// A failure to report to the user in one line.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
