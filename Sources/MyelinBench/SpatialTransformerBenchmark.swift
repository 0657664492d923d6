import Myelin
import MyelinModels

/// stn: the spatial transformer network of `myelin train stn` on its distorted MNIST (42×42, ±45°,
/// scale 0.7–1.2, moved; training set drawn with seed 1, test set with seed 2), trained alone as the
/// command trains it (Adam 0.001, batch 64, cross-entropy, seed 0): 10 warm-up steps, which are real
/// training steps, then 200 timed ones (batch assembly — placing the digits — included), then the
/// test accuracy on the 10,000 distorted test digits.
func spatialTransformerWorkload() -> [String: Any] {
    let batchSize = 64, warmupSteps = 10, measuredSteps = 200, seed: UInt64 = 0
    let train = DistortedImages(loadMNIST(.train), seed: 1), test = DistortedImages(loadMNIST(.test), seed: 2)
    manualSeed(seed)
    let model = SpatialTransformerNetwork(generator: RandomGenerator(seed: seed), localizationGenerator: RandomGenerator(seed: seed &+ 1))
    model.train()
    let optimizer = Adam(model.parameters, learningRate: 1e-3)
    let order = RandomGenerator(seed: seed).permutation(train.count)
    let (seconds, lastLoss) = timedTraining(warmup: warmupSteps, measured: measuredSteps) { step in
        let (images, labels) = train.batch(at: Array(order[step * batchSize..<(step + 1) * batchSize]))
        return minimize(crossEntropy(model(images), labels), with: optimizer)
    }
    let accuracy = model.evaluating { classificationAccuracy(of: { model($0) }, on: test) }
    return [
        "workload": "stn",
        "train_samples_per_sec": rounded(Double(measuredSteps * batchSize) / seconds),
        "test_acc": rounded(accuracy, 4),
        "parameters": model.parameterCount,
        "last_batch_loss": rounded(Double(lastLoss), 4),
        "settings": [
            "batch": batchSize, "optimizer": "Adam", "lr": 1e-3, "loss": "cross_entropy", "input": "42x42 distorted MNIST",
            "seed": Int(seed), "warmup_steps": warmupSteps, "measured_steps": measuredSteps,
        ] as [String: Any],
    ]
}
