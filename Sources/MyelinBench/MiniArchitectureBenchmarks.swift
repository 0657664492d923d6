import Myelin
import MyelinModels

// resnet-mini, inception-mini and nin: the MNIST-sized families of MyelinModels, trained as
// `myelin train resnet-mini|inception-mini|nin` trains them (ZooModel's recipe: Adam 0.001, batch 64,
// cross-entropy on the logits, pixels in [0, 1], no augmentation, seed 0 for the weights, the global
// generator and the shuffle) for a fixed number of steps of its first epoch: 10 warm-up steps, which
// are real training steps as in the cnn workload, then the timed ones, then the test accuracy on the
// 10,000 test digits. 200 timed steps (13,440 digits in all, under a quarter of an epoch) let the
// throughput settle and take resnet-mini and inception-mini well above chance (about 0.95 and 0.87)
// in about 10 and 22 s of timed steps on 2 vCPUs. Network in Network sits near chance for its first 200 or so
// steps (its last block must find one channel per class by itself) and is three times as fast, so
// it gets 600 timed steps (39,040 digits, about 20 s), after which it is near 0.6.
// Tools/mini_models_torch.py trains PyTorch's twins of the three models the same way.

func resnetMiniWorkload() -> [String: Any] { miniArchitectureWorkload("resnet-mini") { ResNetMini(generator: $0) } }
func inceptionMiniWorkload() -> [String: Any] { miniArchitectureWorkload("inception-mini") { InceptionMini(generator: $0) } }
func ninWorkload() -> [String: Any] { miniArchitectureWorkload("nin", measuredSteps: 600) { NetworkInNetwork.mnist(generator: $0) } }

private func miniArchitectureWorkload(_ name: String, measuredSteps: Int = 200, make: (RandomGenerator) -> Module) -> [String: Any] {
    let batchSize = 64, learningRate = 1e-3, warmupSteps = 10, seed: UInt64 = 0
    let train = loadMNIST(.train), test = loadMNIST(.test)
    manualSeed(seed)
    let model = make(RandomGenerator(seed: seed))
    model.train()
    let optimizer = Adam(model.parameters, learningRate: Float(learningRate))
    // The first epoch's order of `myelin train`'s shuffling DataLoader.
    let order = RandomGenerator(seed: seed).permutation(train.count)
    var lastLoss: Float = 0, measured = Stopwatch()
    for step in 0..<(warmupSteps + measuredSteps) {
        if step == warmupSteps { measured.start() }
        lastLoss = trainingStep(model, optimizer, train, Array(order[step * batchSize..<(step + 1) * batchSize]))
    }
    let seconds = measured.stop()
    return [
        "workload": name,
        "train_samples_per_sec": rounded(Double(measuredSteps * batchSize) / seconds),
        "test_acc": accuracy(of: model, on: test, flatten: false),
        "parameters": model.parameterCount,
        "last_batch_loss": rounded(Double(lastLoss), 4),
        "settings": [
            "batch": batchSize, "optimizer": "Adam", "lr": learningRate, "loss": "cross_entropy", "input_scale": "[0,1]",
            "augmentation": "none", "seed": Int(seed), "warmup_steps": warmupSteps, "measured_steps": measuredSteps,
        ] as [String: Any],
    ]
}
