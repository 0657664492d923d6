import MyelinData
import MyelinTensor
import MyelinTraining

/// A GAN's training for the Trainer: each step is `GANTrainer.step` on a batch of real images and
/// fresh noise (with the images' labels, for a conditional GAN); it reports "D loss", "G loss", "D(x)" and "D(G(z))". The checkpoint holds both
/// networks and optimizers, the data order's generator and the noise's.
///
/// ```swift
/// let task = GANTask(gan, on: mnist, batchSize: 64, seed: 0)
/// let trainer = Trainer(.epochs(20), state: task.state, metadata: gan.checkpointMetadata, callbacks: […])
/// try trainer.run(task)
/// ```
public final class GANTask<Data: Dataset>: TrainingTask {
    public let gan: GANTrainer
    public let batches: DataLoader<Data>
    /// The order of the real images (one permutation per epoch) and the noise of every step.
    public let data: RandomGenerator
    public let noise: RandomGenerator
    public let state: TrainingCheckpoint
    /// In data-parallel training, this process's slice of every batch and of its noise.
    public let shard: DataShard?

    /// Batches of `batchSize` real images (the last partial batch dropped); the data order and
    /// the noise are drawn from generators seeded from `seed`. With a `shard`, `batchSize` is the
    /// global batch: every process draws the whole batch's noise and keeps its slice, so that the
    /// processes together take the step one process would.
    public init(_ gan: GANTrainer, on images: Data, batchSize: Int, seed: UInt64, shard: DataShard? = nil) {
        self.gan = gan
        self.shard = shard
        data = RandomGenerator(seed: seed &+ 1)
        noise = RandomGenerator(seed: seed &+ 2)
        batches = DataLoader(images, batchSize: batchSize, shuffle: true, dropLast: true, generator: data, shard: shard)
        state = gan.trainingCheckpoint(generators: [("data", data), ("noise", noise)])
    }

    public func step(_ batch: (inputs: Tensor, labels: Tensor), context: StepContext) throws -> StepOutput {
        let n = batch.inputs.shape[0]
        var z = Tensor.randn([n * (shard?.count ?? 1), gan.configuration.noiseSize], generator: noise)
        if let shard { z = z.narrowed(axis: 0, start: shard.rank * n, length: n).contiguous() }
        let result = gan.step(real: batch.inputs, noise: z, labels: gan.configuration.conditional ? batch.labels : nil)
        return StepOutput(
            [
                "D loss": result.discriminatorLoss, "G loss": result.generatorLoss,
                "D(x)": result.realScore, "D(G(z))": result.fakeScore,
            ], samples: n)
    }
}
