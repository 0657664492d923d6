import Myelin
import MyelinModels

/// vae: the VAE of `myelin train vae` (mlp 512-256, a code of 16, Bernoulli) on MNIST binarised with
/// seed 0, trained as it trains (Adam 0.001, batch 100, seed 0 for the weights, the shuffle and ε):
/// 10 warm-up steps, which are real training steps, then 300 timed ones (batch assembly and the
/// draw of ε included), then the test negative ELBO of the 10,000 test digits in nats per image.
func vaeWorkload() -> [String: Any] {
    let batchSize = 100, warmupSteps = 10, measuredSteps = 300, seed: UInt64 = 0
    let binarization = Binarization.sampled(seed: 0)
    let (train, test) = (loadMNIST(.train).binarized(binarization), loadMNIST(.test).binarized(binarization))
    manualSeed(seed)
    let model = VariationalAutoencoder(generator: RandomGenerator(seed: seed))
    let optimizer = Adam(model.parameters, learningRate: 1e-3)
    let order = RandomGenerator(seed: seed).permutation(train.count), noise = RandomGenerator(seed: seed)
    let (seconds, lastLoss) = timedTraining(warmup: warmupSteps, measured: measuredSteps) { step in
        let images = train.batch(at: Array(order[step * batchSize..<(step + 1) * batchSize])).inputs
        let epsilon = Tensor.randn([batchSize, model.configuration.latentSize], generator: noise)
        return minimize(model.negativeELBOTerms(images, noise: epsilon).loss(), with: optimizer)
    }
    let scores = model.negativeELBO(on: test)
    return [
        "workload": "vae",
        "train_samples_per_sec": rounded(Double(measuredSteps * batchSize) / seconds),
        "test_negative_elbo_nats": rounded(scores.total, 2),
        "test_kl_nats": rounded(scores.divergence, 2),
        "parameters": model.parameterCount,
        "last_batch_negative_elbo": rounded(Double(lastLoss), 2),
        "settings": [
            "batch": batchSize, "optimizer": "Adam", "lr": 1e-3, "architecture": "mlp 512-256", "latent": 16,
            "likelihood": "bernoulli", "binarization": "sampled, seed 0", "seed": Int(seed), "warmup_steps": warmupSteps,
            "measured_steps": measuredSteps,
        ] as [String: Any],
    ]
}
