import MyelinTensor
import MyelinTraining

/// A GAN's training state in one `TrainingCheckpoint` file: modules `generator` and
/// `discriminator` (PyTorch names: `generator.0.weight`, …), a conditional GAN's label embeddings
/// `generatorLabels` and `discriminatorLabels`, both Adam optimizers, the caller's
/// random generators, the configuration (metadata `myelin.gan.configuration`) and Adam's betas
/// (`myelin.gan.betas`). Saving, restoring and rebuilding come from `AdversarialCheckpointing`.
extension GANTrainer: AdversarialCheckpointing {
    public static let checkpointFormat = "myelin.gan"
    public static let configurationKey = "myelin.gan.configuration"
    public static let betasKey = "myelin.gan.betas"

    /// The checkpoint of this trainer and of `generators` (the run's data order and noise, say).
    public func trainingCheckpoint(generators: [(name: String, generator: RandomGenerator)] = []) -> TrainingCheckpoint {
        TrainingCheckpoint(
            format: Self.checkpointFormat,
            modules: [("generator", generator), ("discriminator", discriminator)]
                + (generatorLabels.map { [("generatorLabels", $0)] } ?? [])
                + (discriminatorLabels.map { [("discriminatorLabels", $0)] } ?? []),
            optimizers: [("generator", generatorOptimizer), ("discriminator", discriminatorOptimizer)],
            generators: generators)
    }

    public convenience init(rebuilding configuration: GANConfiguration, betas: (Float, Float)) {
        // The weights drawn here are overwritten by the restore that follows.
        self.init(configuration, beta1: betas.0, beta2: betas.1, random: RandomGenerator(seed: 0))
    }
}

extension GANConfiguration: NetworksConfiguration {
    public static var kind: String { "GAN" }

    /// "mlp, z 64, G 256-512, D 512-256" (", conditional" when it is): for messages.
    public var summary: String {
        "\(variant.rawValue), z \(noiseSize), G \(generatorWidths.map(String.init).joined(separator: "-")), D \(discriminatorWidths.map(String.init).joined(separator: "-"))"
            + (conditional ? ", conditional" : "")
    }
}
