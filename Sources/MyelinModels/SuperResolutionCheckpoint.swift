import Foundation
import MyelinNN
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// How a super-resolution run is saved: one `TrainingCheckpoint` file with the model under `model.`
/// (`model.body.0.weight`, …), its optimizer, the data shuffle's generator, and the model's
/// configuration as JSON in the metadata, so that `init(checkpoint:)` rebuilds the trained model.
extension SuperResolutionNet {
    /// The `myelin.format` of a super-resolution run's checkpoint.
    public static let checkpointFormat = "myelin.superres"
    /// The metadata key of the model's configuration (JSON).
    public static let configurationKey = "myelin.configuration"

    /// The state of a training run of this model: itself, its `optimizer` and the generator that
    /// shuffles its data. Save it with `checkpointMetadata` among the metadata.
    public func trainingCheckpoint(optimizer: Optimizer, shuffling: RandomGenerator) -> TrainingCheckpoint {
        TrainingCheckpoint(
            format: Self.checkpointFormat, modules: [("model", self)], optimizers: [("model", optimizer)],
            generators: [("shuffling", shuffling)])
    }

    /// The metadata that lets `init(checkpoint:)` rebuild this model.
    public var checkpointMetadata: [String: String] {
        // Encoding a struct of integers cannot fail.
        [Self.configurationKey: try! CheckpointMetadata.json(configuration)]
    }

    /// The configuration stored in `metadata` of the checkpoint at `url`; the error names the file.
    public static func configuration(in metadata: [String: String], of url: URL) throws -> Configuration {
        let configuration = try CheckpointMetadata.value(
            Configuration.self, key: configurationKey, in: metadata, path: url.path, what: "model configuration")
        guard configuration.isValid else {
            throw CheckpointError(path: url.path, message: "its model configuration (metadata \(configurationKey)) is invalid")
        }
        return configuration
    }

    /// The trained model of a super-resolution run's checkpoint at `url` (its optimizer state is
    /// left aside). Throws an error naming the file when it is not one, or its weights do not fit.
    public convenience init(checkpoint url: URL) throws {
        let file = try TrainingCheckpoint.read(url, format: Self.checkpointFormat)
        self.init(try Self.configuration(in: file.metadata, of: url))
        do {
            try loadStateDict(TrainingCheckpoint.modelTensors(of: file, prefix: "model"))
        } catch {
            throw CheckpointError(path: url.path, message: "its weights do not fit the model it describes: \(error)")
        }
    }
}
