import Foundation
import MyelinNN
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// A configuration that can say whether it describes a model at all: checked when read back from
/// a checkpoint, so that a damaged file is refused by name rather than building a broken model.
public protocol ValidatedConfiguration: Codable {
    var isValid: Bool { get }
}

/// A model whose training run is saved as one `TrainingCheckpoint` file: its tensors under
/// `model.` and its optimizer's, the data shuffle's generator, and the model's configuration as
/// JSON in the metadata, so that `init(checkpoint:)` rebuilds the trained model. The autoencoder,
/// the U-Net and the super-resolution network each give only their format and how to build
/// themselves from a configuration read back.
public protocol ConfiguredModelCheckpoint: Module {
    associatedtype Configuration: ValidatedConfiguration
    /// The `myelin.format` of the model's checkpoints.
    static var checkpointFormat: String { get }
    var configuration: Configuration { get }
    /// The model of `configuration`, before its trained weights are loaded.
    init(rebuilding configuration: Configuration)
}

extension ConfiguredModelCheckpoint {
    /// The metadata key of the model's configuration (JSON).
    public static var configurationKey: String { "myelin.configuration" }

    /// The state of a training run of this model: itself, its `optimizer`, the generator that
    /// shuffles its data and any `others` the run draws from. Save it with `checkpointMetadata`
    /// among the metadata.
    public func trainingCheckpoint(
        optimizer: Optimizer, shuffling: RandomGenerator, others: [(name: String, generator: RandomGenerator)] = []
    ) -> TrainingCheckpoint {
        TrainingCheckpoint(
            format: Self.checkpointFormat, modules: [("model", self)], optimizers: [("model", optimizer)],
            generators: [("shuffling", shuffling)] + others)
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

    /// The trained model of a run's checkpoint at `url` (its optimizer state is left aside). Throws
    /// an error naming the file when it is not one, or its weights do not fit.
    public init(checkpoint url: URL) throws {
        let file = try TrainingCheckpoint.read(url, format: Self.checkpointFormat)
        self.init(rebuilding: try Self.configuration(in: file.metadata, of: url))
        do {
            try loadStateDict(TrainingCheckpoint.modelTensors(of: file, prefix: "model"))
        } catch {
            throw CheckpointError(path: url.path, message: "its weights do not fit the model it describes: \(error)")
        }
    }
}
