import Foundation
import Myelin

/// What a classifier's training run measured: the loss after every step, the mean loss and the
/// test accuracy after every epoch, and the last epoch's confusion matrix on the test set.
struct TrainingHistory: Codable {
    var stepLosses: [Double] = []
    var epochLosses: [Double] = []
    var testAccuracies: [Double] = []
    var confusion: ConfusionMatrix?

    private enum CodingKeys: String, CodingKey { case stepLosses, epochLosses, testAccuracies }
}

/// Where a classifier's run keeps its checkpoint: the whole training `state`, saved to `url` after
/// every epoch with `metadata` (the recipe) and the history; restored first from `resume`, the
/// --resume folder's checkpoint (which may be another folder's than `url`).
struct ClassifierCheckpointing {
    var state: TrainingCheckpoint
    var url: URL
    var metadata: [String: String]
    var resume: URL?
}

/// Thrown when the loss stops being a number, with the step where it happened.
struct DivergedError: Error, CustomStringConvertible {
    let step: Int, loss: Float
    var description: String {
        "the loss became \(loss) at step \(step): training diverged. Try a smaller learning rate (--learning-rate)."
    }
}

/// Trains `model` on `train` for `epochs` with a progress bar per epoch, printing the mean loss
/// and the accuracy on `test` after each. `loss` maps (outputs, labels) to the loss; the
/// augmentation, if any, applies to the training images.
func trainClassifier<D: Dataset>(model: Module, optimizer: Optimizer, train: D, test: D, epochs: Int,
                                 batchSize: Int, augmentation: ImageAugmentation? = nil,
                                 loss lossFunction: (Tensor, Tensor) -> Tensor = { crossEntropy($0, $1) },
                                 generator: RandomGenerator, checkpointing: ClassifierCheckpointing? = nil) throws -> TrainingHistory {
    var history = TrainingHistory(), firstEpoch = 1
    if let checkpointing {
        if let resume = checkpointing.resume {
            let learningRate = optimizer.learningRate
            let metadata = try checkpointing.state.restore(from: resume)
            optimizer.learningRate = learningRate  // --learning-rate may change on resume
            history = try CheckpointMetadata.value(TrainingHistory.self, key: "myelin.history", in: metadata, path: resume.path,
                                                   what: "training history")
            firstEpoch = history.epochLosses.count + 1
            guard firstEpoch <= epochs else {
                throw CommandError("the run in \(resume.path) already trained for \(firstEpoch - 1) epoch\(firstEpoch == 2 ? "" : "s"); pass --epochs with a larger total to go on")
            }
            print("Resuming from \(resume.path) after epoch \(firstEpoch - 1).")
        }
        removeAbandonedTemporaryFiles(for: checkpointing.url)
    }
    let loader = DataLoader(train, batchSize: batchSize, shuffle: true, augmentation: augmentation, generator: generator)
    for epoch in firstEpoch...epochs {
        var bar = ProgressBar(total: loader.count, label: "epoch \(epoch)/\(epochs)")
        var total = 0.0, seen = 0
        let start = Date()
        model.train()
        for (step, (inputs, labels)) in loader.enumerated() {
            let loss = lossFunction(model(inputs), labels)
            // Stop before a non-finite loss reaches the weights.
            let value = loss.item
            guard value.isFinite else { throw DivergedError(step: history.stepLosses.count + 1, loss: value) }
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            history.stepLosses.append(Double(value))
            total += Double(value) * Double(labels.shape[0])
            seen += labels.shape[0]
            let speed = Double(seen) / max(Date().timeIntervalSince(start), 1e-9)
            bar.update(step + 1, String(format: "loss %.4f  %.1fk samples/s", total / Double(seen), speed / 1000))
        }
        let confusion = evaluate(model: model, data: test)
        let accuracy = confusion.accuracy
        history.epochLosses.append(total / Double(seen))
        history.testAccuracies.append(accuracy)
        history.confusion = confusion
        bar.finish(String(format: "loss %.4f  test accuracy %.4f", total / Double(seen), accuracy))
        if let checkpointing {
            var metadata = checkpointing.metadata
            metadata["myelin.history"] = try CheckpointMetadata.json(history)
            metadata["myelin.epoch"] = String(epoch)
            try checkpointing.state.save(to: checkpointing.url, metadata: metadata)
        }
    }
    return history
}

/// The arg-max predictions of `model` on all of `data` against the labels, in evaluation mode.
func evaluate<D: Dataset>(model: Module, data: D) -> ConfusionMatrix {
    model.evaluating { ConfusionMatrix(of: { model($0) }, on: data, batchSize: 1000) }
}

/// The loss curve (per step, and the per-epoch mean) and the test accuracy per epoch.
func trainingCurves(_ history: TrainingHistory, stepsPerEpoch: Int) -> [RunPlot] {
    let epochEnds = history.epochLosses.indices.map { Double(($0 + 1) * stepsPerEpoch) }
    let loss = LinePlot(title: "Training loss", xLabel: "step", yLabel: "loss", series: [
        LinePlot.Series(name: "loss per step", values: history.stepLosses),
        LinePlot.Series(name: "mean loss per epoch", points: zip(epochEnds, history.epochLosses).map { (x: $0, y: $1) }),
    ])
    let accuracy = LinePlot(title: "Test accuracy", xLabel: "step", yLabel: "accuracy", series: [
        LinePlot.Series(name: "test accuracy after each epoch", points: zip(epochEnds, history.testAccuracies).map { (x: $0, y: $1) }),
    ])
    return [RunPlot(name: "loss", plot: loss), RunPlot(name: "accuracy", plot: accuracy)]
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
