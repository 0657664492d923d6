import Foundation
import Myelin
import MyelinModels

/// How `myelin train autoencoder` trains. The checkpoint keeps it (metadata `myelin.recipe`), so a
/// resumed run goes on with the settings it started with.
struct AutoencoderRecipe: Codable, Equatable {
    // MSE trains on exactly what the anomaly score measures; BCE found the unseen digits no better
    // (AUC 0.895 against 0.906 at code size 8, 10 epochs, digits 0–4).
    var loss: ConvAutoencoder.Loss = .mse
    /// The digits it learns from; nil for all ten (and no anomaly report).
    var normalDigits: [Int]? = nil
    /// The epoch to stop after (a resumed run may be given a later one).
    var epochs = 10
    var batchSize = 128
    var learningRate: Float = 1e-3
    var seed: UInt64 = 0
}

/// What a run measured so far; the checkpoint keeps it (metadata `myelin.history`), so the curves
/// of a resumed run start at its first step.
struct AutoencoderHistory: Codable {
    var stepLosses: [Float] = []
    /// The loss on the test images of the learned digits, after each epoch.
    var testLosses: [Double] = []
    /// With normal digits: after each epoch, the ROC AUC of reconstruction error for telling the
    /// other digits' test images from theirs.
    var testAUCs: [Double] = []
    /// Training time, evaluation included, in seconds.
    var seconds: Double = 0
}

/// The whole state of an autoencoder's training run — model, Adam, data shuffle, progress — and
/// the epoch loop that advances it, saving a checkpoint after each epoch.
final class AutoencoderRun {
    static let checkpointName = "autoencoder.safetensors"

    let recipe: AutoencoderRecipe
    let model: ConvAutoencoder
    let optimizer: Adam
    let shuffling: RandomGenerator
    private(set) var epoch = 0
    private(set) var history = AutoencoderHistory()

    /// A fresh run.
    init(configuration: ConvAutoencoder.Configuration, recipe: AutoencoderRecipe) {
        self.recipe = recipe
        manualSeed(recipe.seed)
        model = ConvAutoencoder(configuration, generator: RandomGenerator(seed: recipe.seed))
        optimizer = Adam(model.parameters, learningRate: recipe.learningRate)
        shuffling = RandomGenerator(seed: recipe.seed)
    }

    /// The settings of the run saved at `url`, to compare with the command's options before resuming.
    static func savedSettings(at url: URL) throws -> (ConvAutoencoder.Configuration, AutoencoderRecipe) {
        let metadata = try TrainingCheckpoint.metadata(of: url, format: ConvAutoencoder.checkpointFormat)
        let configuration = try ConvAutoencoder.configuration(in: metadata, of: url)
        let recipe = try CheckpointMetadata.value(AutoencoderRecipe.self, key: "myelin.recipe", in: metadata, path: url.path,
                                                  what: "training settings")
        return (configuration, recipe)
    }

    /// The run saved at `url` (whose `savedSettings` are `configuration` and a recipe that may
    /// differ from `recipe` in its epochs), to go on until `recipe.epochs`.
    convenience init(resumingFrom url: URL, configuration: ConvAutoencoder.Configuration, recipe: AutoencoderRecipe) throws {
        self.init(configuration: configuration, recipe: recipe)
        let metadata = try model.trainingCheckpoint(optimizer: optimizer, shuffling: shuffling).restore(from: url)
        optimizer.learningRate = recipe.learningRate  // --learning-rate may change on resume
        guard let epoch = metadata["myelin.epoch"].flatMap(Int.init), epoch >= 0 else {
            throw CheckpointError(path: url.path, message: "its progress (metadata myelin.epoch) is missing or unreadable")
        }
        self.epoch = epoch
        history = try CheckpointMetadata.value(AutoencoderHistory.self, key: "myelin.history", in: metadata, path: url.path,
                                               what: "training history")
    }

    /// Writes the whole run to `url` (atomically).
    func save(to url: URL) throws {
        var metadata = model.checkpointMetadata
        metadata["myelin.recipe"] = try CheckpointMetadata.json(recipe)
        metadata["myelin.history"] = try CheckpointMetadata.json(history)
        metadata["myelin.epoch"] = String(epoch)
        try model.trainingCheckpoint(optimizer: optimizer, shuffling: shuffling).save(to: url, metadata: metadata)
    }

    /// Trains from the next epoch to `recipe.epochs` on `train`, with a progress bar per epoch;
    /// after each, measures the loss on `normalTest` (and, with `anomalyTest`, the ROC AUC of
    /// reconstruction error for its unseen digits) and saves the run to `checkpointURL`.
    func train<D: Dataset>(on train: D, normalTest: D, anomalyTest: (data: MNIST, unseen: [Bool])?, checkpointURL: URL) throws {
        let loader = DataLoader(train, batchSize: recipe.batchSize, shuffle: true, generator: shuffling)
        removeAbandonedTemporaryFiles(for: checkpointURL)
        while epoch < recipe.epochs {
            let start = Date()
            var bar = ProgressBar(total: loader.count, label: "epoch \(epoch + 1)/\(recipe.epochs)")
            var total = 0.0, seen = 0
            model.train()
            for (step, (images, _)) in loader.enumerated() {
                let loss = model.reconstructionLoss(images, recipe.loss)
                // Stop before a non-finite loss reaches the weights.
                let value = loss.item
                guard value.isFinite else { throw DivergedError(step: history.stepLosses.count + 1, loss: value) }
                optimizer.zeroGrad()
                loss.backward()
                optimizer.step()
                history.stepLosses.append(value)
                total += Double(value) * Double(images.shape[0])
                seen += images.shape[0]
                let speed = Double(seen) / max(Date().timeIntervalSince(start), 1e-9)
                bar.update(step + 1, String(format: "loss %.4f  %.0f images/s", total / Double(seen), speed))
            }
            epoch += 1
            let test = testLoss(on: normalTest)
            history.testLosses.append(test)
            var report = String(format: "train loss %.4f  test loss %.4f", total / Double(seen), test)
            if let (data, unseen) = anomalyTest {
                let auc = rocAUC(scores: reconstructionErrors(of: model, on: data), positives: unseen)
                history.testAUCs.append(auc)
                report += String(format: "  unseen-digit AUC %.4f", auc)
            }
            history.seconds += Date().timeIntervalSince(start)
            try save(to: checkpointURL)
            bar.finish(report)
        }
    }

    /// The mean reconstruction loss over `data` (a test set), in evaluation mode.
    func testLoss<D: Dataset>(on data: D) -> Double {
        model.evaluating {
            stride(from: 0, to: data.count, by: 1000).reduce(0.0) { total, start in
                let images = data.batch(at: start..<min(start + 1000, data.count)).inputs
                return total + Double(model.reconstructionLoss(images, recipe.loss).item) * Double(images.shape[0])
            } / Double(data.count)
        }
    }
}
