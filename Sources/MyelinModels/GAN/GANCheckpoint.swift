import Foundation
import MyelinNN
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// A GAN's training state in one `TrainingCheckpoint` file: modules `generator` and
/// `discriminator` (PyTorch names: `generator.0.weight`, …), both Adam optimizers, the caller's
/// random generators, the configuration (metadata `myelin.gan.configuration`) and Adam's betas.
extension GANTrainer {
    public static let checkpointFormat = "myelin.gan"
    public static let configurationKey = "myelin.gan.configuration"
    public static let betasKey = "myelin.gan.betas"

    /// The checkpoint of this trainer and of `generators` (the run's data order and noise, say).
    public func trainingCheckpoint(generators: [(name: String, generator: RandomGenerator)] = []) -> TrainingCheckpoint {
        TrainingCheckpoint(
            format: Self.checkpointFormat,
            modules: [("generator", generator), ("discriminator", discriminator)],
            optimizers: [("generator", generatorOptimizer), ("discriminator", discriminatorOptimizer)],
            generators: generators)
    }

    /// What the checkpoint's metadata must hold to rebuild this GAN: its configuration and Adam's betas.
    public var checkpointMetadata: [String: String] {
        // Encoding a struct of integers and strings cannot fail.
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

    /// Throws unless the checkpoint `file` (read from `path`) holds a GAN of this configuration,
    /// trained with these betas (they are not among Adam's saved state; others would not resume exactly).
    public func checkCompatible(with file: SafeTensorsFile, path: String) throws {
        let saved = try Self.configuration(in: file.metadata, path: path)
        guard saved == configuration else {
            throw CheckpointError(
                path: path, message: "it holds a GAN configured as \(saved.summary), this one is \(configuration.summary)")
        }
        let betas = try Self.betas(in: file.metadata, path: path)
        let own = [generatorOptimizer.beta1, generatorOptimizer.beta2]
        guard betas == own else {
            throw CheckpointError(path: path, message: "it was trained with Adam betas \(betas), this trainer uses \(own)")
        }
    }

    /// Loads the state saved at `url` into this trainer and `generators` and returns the file's
    /// metadata. The file must hold a GAN of this configuration; nothing changes unless all fits.
    @discardableResult
    public func restore(from url: URL, generators: [(name: String, generator: RandomGenerator)] = []) throws -> [String: String] {
        let file = try TrainingCheckpoint.read(url, format: Self.checkpointFormat)
        try checkCompatible(with: file, path: url.path)
        return try trainingCheckpoint(generators: generators).restore(from: file, path: url.path)
    }

    /// The configuration of the GAN saved at `url`; an error names the file if it is not a GAN
    /// checkpoint or its configuration is unreadable.
    public static func configuration(in url: URL) throws -> GANConfiguration {
        try configuration(in: TrainingCheckpoint.metadata(of: url, format: checkpointFormat), path: url.path)
    }

    /// The configuration in a GAN checkpoint's `metadata`; errors name the file at `path`.
    public static func configuration(in metadata: [String: String], path: String) throws -> GANConfiguration {
        let configuration = try CheckpointMetadata.value(
            GANConfiguration.self, key: configurationKey, in: metadata,
            path: path, what: "GAN configuration")
        if let problem = configuration.problem {
            throw CheckpointError(path: path, message: "its GAN configuration is invalid: \(problem)")
        }
        return configuration
    }

    /// The trainer saved at `url`, rebuilt from its configuration and betas and restored (its
    /// random generators are not: sample from it, or restore into a trainer of your own to go on).
    public convenience init(contentsOf url: URL) throws {
        let file = try TrainingCheckpoint.read(url, format: Self.checkpointFormat)
        let configuration = try Self.configuration(in: file.metadata, path: url.path)
        let betas = try Self.betas(in: file.metadata, path: url.path)
        self.init(configuration, beta1: betas[0], beta2: betas[1], random: RandomGenerator(seed: 0))
        try trainingCheckpoint().restore(from: file, path: url.path)
    }

    /// The Adam betas in a GAN checkpoint's `metadata`; errors name the file at `path`.
    static func betas(in metadata: [String: String], path: String) throws -> [Float] {
        let betas = (metadata[betasKey] ?? "").split(separator: " ").map { Float($0) }
        guard betas.count == 2, let beta1 = betas[0], let beta2 = betas[1], (0..<1).contains(beta1), (0..<1).contains(beta2) else {
            throw CheckpointError(path: path, message: "its Adam betas (metadata \(betasKey)) are missing or invalid")
        }
        return [beta1, beta2]
    }
}

extension GANConfiguration {
    /// "mlp, z 64, G 256-512, D 512-256": for messages.
    public var summary: String {
        "\(variant.rawValue), z \(noiseSize), G \(generatorWidths.map(String.init).joined(separator: "-")), D \(discriminatorWidths.map(String.init).joined(separator: "-"))"
    }
}
