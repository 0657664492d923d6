import MyelinData
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// A VAE's training for the Trainer: each step lowers a batch's negative ELBO, its code drawn with
/// the reparameterisation trick (ε from `noise`, which the checkpoint keeps). With a KL warm-up the
/// KL term's weight rises linearly from 0 to 1 over the first `klWarmupSteps` steps (Bowman et
/// al., Sønderby et al. 2016), so the codes carry information before the prior pulls them in. Each
/// step reports "negative ELBO" (at weight 1, whatever the warm-up), "reconstruction" and "KL", in
/// nats per image (and, warming up, "KL weight"); each evaluation the same of `test` ("test negative
/// ELBO", …).
public final class VAETask<Train: Dataset>: TrainingTask {
    public let model: VariationalAutoencoder
    public let optimizer: Optimizer
    public let batches: DataLoader<Train>
    public let test: any Dataset
    /// The draws ε of every step's codes.
    public let noise: RandomGenerator
    public let klWarmupSteps: Int
    public let state: TrainingCheckpoint
    /// In data-parallel training, this process's slice of every batch and of its noise.
    public let shard: DataShard?

    public init(
        _ model: VariationalAutoencoder, optimizer: Optimizer, on batches: DataLoader<Train>, test: any Dataset,
        noise: RandomGenerator, klWarmupSteps: Int = 0
    ) {
        self.shard = batches.shard
        precondition(batches.generator != nil, "VAETask: the loader needs a generator of its own, for the checkpoint")
        precondition(klWarmupSteps >= 0, "VAETask: klWarmupSteps \(klWarmupSteps) is negative")
        self.model = model
        self.optimizer = optimizer
        self.batches = batches
        self.test = test
        self.noise = noise
        self.klWarmupSteps = klWarmupSteps
        state = model.trainingCheckpoint(optimizer: optimizer, shuffling: batches.generator!, others: [("noise", noise)])
    }

    /// The KL term's weight in step `step` (counted from 1): step / klWarmupSteps until it reaches 1.
    public func klWeight(atStep step: Int) -> Float {
        klWarmupSteps == 0 ? 1 : Float(min(step, klWarmupSteps)) / Float(klWarmupSteps)
    }

    public func step(_ batch: (inputs: Tensor, labels: Tensor), context: StepContext) throws -> StepOutput {
        if !model.isTraining { model.train() }
        let images = batch.inputs, n = images.shape[0]
        // Sharded, every process draws the whole batch's ε and keeps its slice: the step one process would take.
        var epsilon = Tensor.randn([n * (shard?.count ?? 1), model.configuration.latentSize], generator: noise)
        if let shard { epsilon = epsilon.narrowed(axis: 0, start: shard.rank * n, length: n).contiguous() }
        let terms = model.negativeELBOTerms(images, noise: epsilon)
        let weight = klWeight(atStep: context.step)
        let loss = terms.loss(klWeight: weight)
        let (reconstruction, divergence) = withoutGrad { (terms.reconstruction.mean().item, terms.divergence.mean().item) }
        try context.update(minimizing: loss, with: optimizer)
        let figures =
            [("negative ELBO", reconstruction + divergence), ("reconstruction", reconstruction), ("KL", divergence)]
            + (klWarmupSteps > 0 ? [("KL weight", weight)] : [])
        return StepOutput(figures.map { StepOutput.Figure(name: $0.0, value: $0.1) }, samples: n)
    }

    public func evaluate() throws -> Evaluation {
        let scores = model.negativeELBO(on: test)
        return ["test negative ELBO": scores.total, "test reconstruction": scores.reconstruction, "test KL": scores.divergence]
    }
}

extension VariationalAutoencoder {
    /// The mean negative ELBO of `data`'s images in nats per image, and its two terms: one code
    /// drawn per image from a generator seeded by `seed` (so that every evaluation draws the same
    /// ε), in chunks of 500, in evaluation mode. An upper bound on −log p(x), the figure VAEs are compared by.
    public func negativeELBO(on data: any Dataset, seed: UInt64 = 0) -> (total: Double, reconstruction: Double, divergence: Double) {
        let noise = RandomGenerator(seed: seed)
        var (reconstruction, divergence) = (0.0, 0.0)
        evaluating {
            for start in stride(from: 0, to: data.count, by: 500) {
                let images = data.batch(at: start..<min(start + 500, data.count)).inputs
                let terms = negativeELBOTerms(images, noise: Tensor.randn([images.shape[0], configuration.latentSize], generator: noise))
                reconstruction += Double(terms.reconstruction.sum().item)
                divergence += Double(terms.divergence.sum().item)
            }
        }
        let count = Double(data.count)
        return ((reconstruction + divergence) / count, reconstruction / count, divergence / count)
    }
}
