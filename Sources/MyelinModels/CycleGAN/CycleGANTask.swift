import MyelinData
import MyelinTensor
import MyelinTraining

/// A CycleGAN's training for the Trainer: each step is `CycleGANTrainer.step` on a batch of each
/// domain (`UnpairedBatches`); it reports "G loss", "cycle loss", "identity loss", "D_A loss" and
/// "D_B loss". The evaluation, given test images, measures the round trips' L1 errors ("test cycle
/// L1 A→B→A", "test cycle L1 B→A→B"). The checkpoint holds the four networks, both optimizers, the
/// pools with their generator and the data order's generator.
///
/// ```swift
/// let task = CycleGANTask(cycleGAN, a: digits.plain, b: digits.zebra, batchSize: 16, seed: 0)
/// let trainer = Trainer(.epochs(3), state: task.state, metadata: cycleGAN.checkpointMetadata, callbacks: […])
/// try trainer.run(task)
/// ```
public final class CycleGANTask<A: Dataset, B: Dataset>: TrainingTask {
    public let cycleGAN: CycleGANTrainer
    public let batches: UnpairedBatches<A, B>
    /// Each epoch's orders of the two domains.
    public let data: RandomGenerator
    public let state: TrainingCheckpoint
    /// The images of each domain the evaluation sends there and back, if any.
    public let test: (a: Tensor, b: Tensor)?

    /// Batches of `batchSize` images of each domain, in orders drawn from a generator seeded from `seed`.
    public init(_ cycleGAN: CycleGANTrainer, a: A, b: B, batchSize: Int, seed: UInt64, test: (a: Tensor, b: Tensor)? = nil) {
        self.cycleGAN = cycleGAN
        self.test = test
        data = RandomGenerator(seed: seed &+ 1)
        batches = UnpairedBatches(a, b, batchSize: batchSize, generator: data)
        state = cycleGAN.trainingCheckpoint(generators: [("data", data)])
    }

    public func step(_ batch: (a: Tensor, b: Tensor), context: StepContext) throws -> StepOutput {
        let result = cycleGAN.step(a: batch.a, b: batch.b)
        return StepOutput(
            [
                "G loss": result.generatorLoss, "cycle loss": result.cycleLoss, "identity loss": result.identityLoss,
                "D_A loss": result.discriminatorALoss, "D_B loss": result.discriminatorBLoss,
            ], samples: batch.a.shape[0])
    }

    public func evaluate() throws -> Evaluation {
        guard let test else { return Evaluation() }
        let errors = cycleGAN.cycleErrors(a: test.a, b: test.b)
        return ["test cycle L1 A→B→A": errors.aba, "test cycle L1 B→A→B": errors.bab]
    }
}
