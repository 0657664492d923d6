import MyelinTensor
import MyelinTraining

/// A CycleGAN's training state in one `TrainingCheckpoint` file: modules `G_AB`, `G_BA`, `D_A` and
/// `D_B` (PyTorch names under them: `G_AB.0.weight`, …), the generators' and the discriminators' Adam,
/// both image pools (run tensors `pool_A.images`, `pool_A.count`, …) with their random generator
/// `pools`, the caller's generators, the configuration (metadata `myelin.cyclegan.configuration`)
/// and Adam's betas. Saving, restoring and rebuilding come from `AdversarialCheckpointing`.
extension CycleGANTrainer: AdversarialCheckpointing {
    public static let checkpointFormat = "myelin.cyclegan"
    public static let configurationKey = "myelin.cyclegan.configuration"
    public static let betasKey = "myelin.cyclegan.betas"

    /// The checkpoint of this trainer and of `generators` (the run's data order, say).
    public func trainingCheckpoint(generators: [(name: String, generator: RandomGenerator)] = []) -> TrainingCheckpoint {
        TrainingCheckpoint(
            format: Self.checkpointFormat,
            modules: [("G_AB", generatorAB), ("G_BA", generatorBA), ("D_A", discriminatorA), ("D_B", discriminatorB)],
            optimizers: [("generators", generatorOptimizer), ("discriminators", discriminatorOptimizer)],
            generators: [("pools", poolA.generator)] + generators,
            tensors: [
                ("pool_A.images", poolA.images), ("pool_A.count", poolA.stored),
                ("pool_B.images", poolB.images), ("pool_B.count", poolB.stored),
            ])
    }

    public convenience init(rebuilding configuration: CycleGANConfiguration, betas: (Float, Float)) {
        // The weights drawn here are overwritten by the restore that follows.
        self.init(configuration, beta1: betas.0, beta2: betas.1, random: RandomGenerator(seed: 0), pools: RandomGenerator(seed: 0))
    }
}
