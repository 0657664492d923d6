import Myelin
import MyelinModels

/// W3: LeNet-5, SGD(0.05, momentum 0.9), batch 64, one timed epoch after a warm-up on a throw-away
/// model, as ../shared/bench/torch/w3_lenet.py defines it.
func lenetWorkload() -> [String: Any] {
    let batchSize = 64, warmupSteps = 30
    let train = loadMNIST(.train), test = loadMNIST(.test)

    manualSeed(1)
    let warmModel = LeNet()
    let warmOptimizer = SGD(warmModel.parameters, learningRate: 0.05, momentum: 0.9)
    warmUp(steps: warmupSteps, batchSize: batchSize, data: train) { _ = trainingStep(warmModel, warmOptimizer, train, $0) }

    manualSeed(0)
    let model = LeNet()
    let optimizer = SGD(model.parameters, learningRate: 0.05, momentum: 0.9)
    let order = RandomGenerator(seed: 0).permutation(train.count)
    var lastLoss: Float = 0, epoch = Stopwatch()
    epoch.start()
    for begin in stride(from: 0, to: train.count, by: batchSize) {
        lastLoss = trainingStep(model, optimizer, train, Array(order[begin..<min(begin + batchSize, train.count)]))
    }
    let seconds = epoch.stop()
    return [
        "workload": "lenet",
        "train_samples_per_sec": rounded(Double(train.count) / seconds),
        "test_acc_epoch1": accuracy(of: model, on: test, flatten: false),
        "epoch_train_time_s": rounded(seconds, 2),
        "last_batch_loss": rounded(Double(lastLoss), 4),
        "settings": [
            "batch": batchSize, "optimizer": "SGD", "lr": 0.05, "momentum": 0.9, "epochs": 1,
            "input_scale": "[0,1]", "shuffle": "seeded permutation, last partial batch kept (938 steps)",
            "warmup": "\(warmupSteps) full + 1 partial steps on a separate throw-away model",
        ] as [String: Any],
    ]
}

/// W2: the PyTorch MNIST example ConvNet, Adam(1e-3), batch 64, one epoch; throughput over steps
/// 11–210 (steps 1–10 are the warm-up, and real training steps), as ../shared/bench/torch/w2_cnn.py.
func cnnWorkload() -> [String: Any] {
    let batchSize = 64, warmupSteps = 10, measuredSteps = 200, timeBudget = 150.0
    let train = loadMNIST(.train), test = loadMNIST(.test)
    manualSeed(0)
    let model = MNISTConvNet()
    model.train()
    let optimizer = Adam(model.parameters, learningRate: 1e-3)
    let order = RandomGenerator(seed: 0).permutation(train.count)
    let steps = (train.count + batchSize - 1) / batchSize
    var lastLoss: Float = 0, measured = Stopwatch(), measuredSeconds = 0.0, stepsDone = 0
    let start = now()
    for step in 0..<steps {
        if step == warmupSteps { measured.start() }
        let indices = Array(order[step * batchSize..<min((step + 1) * batchSize, train.count)])
        lastLoss = trainingStep(model, optimizer, train, indices, loss: { nllLoss($0, $1) })
        if step == warmupSteps + measuredSteps - 1 { measuredSeconds = measured.stop() }
        stepsDone = step + 1
        if now() - start > timeBudget { break }
    }
    let seconds = now() - start
    return [
        "workload": "cnn",
        "train_samples_per_sec": rounded(Double(measuredSteps * batchSize) / measuredSeconds),
        "test_acc": accuracy(of: model, on: test, flatten: false),
        "test_acc_after_steps": stepsDone,
        "full_epoch": stepsDone == steps,
        "epoch_train_time_s": rounded(seconds, 2),
        "epoch_samples_per_sec": rounded(Double(min(train.count, stepsDone * batchSize)) / seconds),
        "last_batch_loss": rounded(Double(lastLoss), 4),
        "settings": [
            "batch": batchSize, "optimizer": "Adam", "lr": 1e-3, "loss": "log_softmax+nll",
            "input_scale": "[0,1]", "warmup_steps": warmupSteps, "measured_steps": measuredSteps,
            "time_budget_s": timeBudget,
        ] as [String: Any],
    ]
}
