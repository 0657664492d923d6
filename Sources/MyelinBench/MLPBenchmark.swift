import Myelin

/// W1: the MNIST MLP 784-256-256-10, SGD(0.1, momentum 0.9), batch 128, 3 epochs, as
/// ../shared/bench/torch/w1_mlp.py defines it.
func mlpWorkload() -> [String: Any] {
    let batchSize = 128, epochs = 3, warmupSteps = 50
    let train = loadMNIST(.train), test = loadMNIST(.test)
    func makeModel() -> Sequential {
        Sequential {
            Linear(784, 256); ReLU(); Linear(256, 256); ReLU(); Linear(256, 10)
        }
    }
    func step(_ model: Sequential, _ optimizer: SGD, _ indices: [Int]) -> Float {
        trainingStep(model, optimizer, train, indices, prepare: { $0.reshaped([indices.count, 784]) })
    }

    // Warm-up on a throw-away model, including one partial batch.
    manualSeed(0)
    let warmModel = makeModel()
    let warmOptimizer = SGD(warmModel.parameters, learningRate: 0.1, momentum: 0.9)
    warmUp(steps: warmupSteps, batchSize: batchSize, data: train) { _ = step(warmModel, warmOptimizer, $0) }

    manualSeed(0)
    let model = makeModel()
    let optimizer = SGD(model.parameters, learningRate: 0.1, momentum: 0.9)
    let generator = RandomGenerator(seed: 0)
    var samplesPerSecond: [Double] = [], accuracies: [Double] = [], lastLosses: [Double] = []
    for _ in 0..<epochs {
        let order = generator.permutation(train.count)
        var lastLoss: Float = 0
        var epoch = Stopwatch()
        epoch.start()
        for begin in stride(from: 0, to: train.count, by: batchSize) {
            lastLoss = step(model, optimizer, Array(order[begin..<min(begin + batchSize, train.count)]))
        }
        samplesPerSecond.append(Double(train.count) / epoch.stop())
        lastLosses.append(rounded(Double(lastLoss), 4))
        accuracies.append(accuracy(of: model, on: test, flatten: true))
    }
    return [
        "workload": "mlp",
        "train_samples_per_sec_epoch1": rounded(samplesPerSecond[0]),
        "train_samples_per_sec_per_epoch": samplesPerSecond.map { rounded($0) },
        "train_samples_per_sec_median_of_3_epochs": rounded(samplesPerSecond.sorted()[1]),
        "test_acc_epoch1": accuracies[0],
        "test_acc_epoch3": accuracies[2],
        "test_acc_per_epoch": accuracies,
        "last_batch_loss_per_epoch": lastLosses,
        "settings": [
            "batch": batchSize, "optimizer": "SGD", "lr": 0.1, "momentum": 0.9, "epochs": epochs,
            "input_scale": "[0,1]", "shuffle": "seeded permutation per epoch, last partial batch kept (469 steps/epoch)",
            "warmup": "\(warmupSteps) full + 1 partial steps on a separate throw-away model",
        ] as [String: Any],
    ]
}
