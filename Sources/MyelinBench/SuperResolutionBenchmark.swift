import Myelin
import MyelinModels

/// superres: ESPCN at ×2 (14×14 → 28×28 MNIST, the inputs average-pooled), trained as `myelin train
/// superres` trains it (Adam 0.001, batch 64, MSE, seed 0 for the weights and the shuffle): 10
/// warm-up steps, which are real training steps, then 300 timed ones (batch assembly — the pooling —
/// included), then the test PSNR of the 10,000 test digits beside bilinear upsampling's.
func superResolutionWorkload() -> [String: Any] {
    let batchSize = 64, warmupSteps = 10, measuredSteps = 300, seed: UInt64 = 0, scale = 2
    let train = DownsampledImages(loadMNIST(.train), factor: scale), test = DownsampledImages(loadMNIST(.test), factor: scale)
    manualSeed(seed)
    let model = SuperResolutionNet(.init(scale: scale), generator: RandomGenerator(seed: seed))
    model.train()
    let optimizer = Adam(model.parameters, learningRate: 1e-3)
    let order = RandomGenerator(seed: seed).permutation(train.count)
    let (seconds, lastLoss) = timedTraining(warmup: warmupSteps, measured: measuredSteps) { step in
        let (low, high) = train.batch(at: Array(order[step * batchSize..<(step + 1) * batchSize]))
        return minimize(mseLoss(model(low), high), with: optimizer)
    }
    let network = model.evaluating { upscalingScores(on: test) { model($0) } }
    let bilinear = upscalingScores(on: test) { $0.upsampled(scaleFactor: Double(scale), mode: .bilinear) }
    return [
        "workload": "superres",
        "train_samples_per_sec": rounded(Double(measuredSteps * batchSize) / seconds),
        "test_psnr_db": rounded(network.psnr, 2),
        "bilinear_psnr_db": rounded(bilinear.psnr, 2),
        "parameters": model.parameterCount,
        "last_batch_loss": rounded(Double(lastLoss), 5),
        "settings": [
            "batch": batchSize, "optimizer": "Adam", "lr": 1e-3, "loss": "mse", "scale": scale, "input": "14x14 average-pooled",
            "seed": Int(seed), "warmup_steps": warmupSteps, "measured_steps": measuredSteps,
        ] as [String: Any],
    ]
}
