import Foundation
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// The configuration of a trainer's networks, as its checkpoint keeps it (JSON in the metadata).
public protocol NetworksConfiguration: Codable, Equatable {
    /// What the networks are called in messages: "GAN".
    static var kind: String { get }
    /// Why no networks can be built from this configuration (a file may hold anything), or nil if they can.
    var problem: String? { get }
    /// The configuration in a few words, for messages.
    var summary: String { get }
}

/// A trainer of networks made from a `Configuration`, with Adam optimizers, whose checkpoint holds
/// the configuration and Adam's betas in its metadata, so that the file alone rebuilds it
/// (`init(contentsOf:)`) and a restore into other networks or betas is refused by name: the GAN's
/// and CycleGAN's checkpoints.
public protocol AdversarialCheckpointing: AnyObject {
    associatedtype Configuration: NetworksConfiguration

    /// The checkpoint's `myelin.format`, and the metadata keys of the configuration and the betas.
    static var checkpointFormat: String { get }
    static var configurationKey: String { get }
    static var betasKey: String { get }

    var configuration: Configuration { get }
    /// The optimizer whose betas the checkpoint records (the trainer's optimizers share them).
    var generatorOptimizer: Adam { get }
    /// Every network, optimizer and carried tensor of the trainer, with the caller's `generators`.
    func trainingCheckpoint(generators: [(name: String, generator: RandomGenerator)]) -> TrainingCheckpoint
    /// A fresh trainer of `configuration` with Adam's `betas`, to restore a checkpoint into.
    init(rebuilding configuration: Configuration, betas: (Float, Float))
}

extension AdversarialCheckpointing {
    /// What the checkpoint's metadata must hold to rebuild this trainer: its configuration and Adam's betas.
    public var checkpointMetadata: [String: String] {
        // Encoding a struct of numbers and strings cannot fail.
        [
            Self.configurationKey: try! CheckpointMetadata.json(configuration),
            Self.betasKey: "\(generatorOptimizer.beta1) \(generatorOptimizer.beta2)",
        ]
    }

    /// Writes the whole training state, with `metadata` (the caller's), atomically.
    public func save(
        to url: URL, generators: [(name: String, generator: RandomGenerator)] = [],
        metadata: [String: String] = [:]
    ) throws {
        try trainingCheckpoint(generators: generators).save(to: url, metadata: metadata.merging(checkpointMetadata) { $1 })
    }

    /// Throws unless the checkpoint `file` (read from `path`) holds networks of this configuration,
    /// trained with these betas (they are not among Adam's saved state; others would not resume exactly).
    public func checkCompatible(with file: SafeTensorsFile, path: String) throws {
        let saved = try Self.configuration(in: file.metadata, path: path)
        guard saved == configuration else {
            throw CheckpointError(
                path: path, message: "it holds a \(Configuration.kind) configured as \(saved.summary), this one is \(configuration.summary)"
            )
        }
        let betas = try Self.betas(in: file.metadata, path: path)
        let own = [generatorOptimizer.beta1, generatorOptimizer.beta2]
        guard betas == own else {
            throw CheckpointError(path: path, message: "it was trained with Adam betas \(betas), this trainer uses \(own)")
        }
    }

    /// Loads the state saved at `url` into this trainer and `generators` and returns the file's
    /// metadata. The file must hold networks of this configuration; nothing changes unless all fits.
    @discardableResult
    public func restore(from url: URL, generators: [(name: String, generator: RandomGenerator)] = []) throws -> [String: String] {
        let file = try TrainingCheckpoint.read(url, format: Self.checkpointFormat)
        try checkCompatible(with: file, path: url.path)
        return try trainingCheckpoint(generators: generators).restore(from: file, path: url.path)
    }

    /// The configuration of the networks saved at `url`; an error names the file if it is not a
    /// checkpoint of this kind or its configuration is unreadable.
    public static func configuration(in url: URL) throws -> Configuration {
        try configuration(in: TrainingCheckpoint.metadata(of: url, format: checkpointFormat), path: url.path)
    }

    /// The configuration in a checkpoint's `metadata`; errors name the file at `path`.
    public static func configuration(in metadata: [String: String], path: String) throws -> Configuration {
        let configuration = try CheckpointMetadata.value(
            Configuration.self, key: configurationKey, in: metadata, path: path, what: "\(Configuration.kind) configuration")
        if let problem = configuration.problem {
            throw CheckpointError(path: path, message: "its \(Configuration.kind) configuration is invalid: \(problem)")
        }
        return configuration
    }

    /// The trainer saved at `url`, rebuilt from its configuration and betas and restored (the random
    /// generators the run kept are not: use it, or restore into a trainer of your own to go on).
    public init(contentsOf url: URL) throws {
        let file = try TrainingCheckpoint.read(url, format: Self.checkpointFormat)
        let configuration = try Self.configuration(in: file.metadata, path: url.path)
        let betas = try Self.betas(in: file.metadata, path: url.path)
        self.init(rebuilding: configuration, betas: (betas[0], betas[1]))
        try trainingCheckpoint(generators: []).restore(from: file, path: url.path)
    }

    /// The Adam betas in a checkpoint's `metadata`; errors name the file at `path`.
    static func betas(in metadata: [String: String], path: String) throws -> [Float] {
        let betas = (metadata[betasKey] ?? "").split(separator: " ").map { Float($0) }
        guard betas.count == 2, let beta1 = betas[0], let beta2 = betas[1], (0..<1).contains(beta1), (0..<1).contains(beta2) else {
            throw CheckpointError(path: path, message: "its Adam betas (metadata \(betasKey)) are missing or invalid")
        }
        return [beta1, beta2]
    }
}
