import Foundation
import Myelin
import MyelinModels

/// PGD-20 against LeNet: the LeNet-5 benchmark's network trained for one epoch as that benchmark
/// trains it, then attacked on the first 1,000 test digits in batches of 100 (ε 0.1, 20 steps of
/// 0.01 from a random start, L∞, pixels kept in [0, 1]), the clean and attacked answers counted.
/// Tools/pgd_attack_torch.py does the same with PyTorch.
func attackWorkload() -> [String: Any] {
    let batchSize = 64, images = 1000, attackBatch = 100
    let train = loadMNIST(.train), test = loadMNIST(.test)
    manualSeed(0)
    let model = LeNet()
    let optimizer = SGD(model.parameters, learningRate: 0.05, momentum: 0.9)
    let order = RandomGenerator(seed: 0).permutation(train.count)
    for begin in stride(from: 0, to: train.count, by: batchSize) {
        _ = trainingStep(model, optimizer, train, Array(order[begin..<min(begin + batchSize, train.count)]))
    }
    let pgd = GradientSignAttack.pgd(epsilon: 0.1, stepSize: 0.01, steps: 20)
    let digits = test.subset(Array(0..<images))
    model.eval()
    // Warm-up: one batch.
    _ = pgd.outcome(on: test.subset(Array(images..<(images + attackBatch))), of: { model($0) }, batchSize: attackBatch)
    var clock = Stopwatch()
    clock.start()
    let outcome = pgd.outcome(on: digits, of: { model($0) }, batchSize: attackBatch, generator: RandomGenerator(seed: 0))
    let seconds = clock.stop()
    return [
        "workload": "attack",
        "pgd20_images_per_sec": rounded(Double(images) / seconds),
        "clean_accuracy": outcome.cleanAccuracy,
        "accuracy_under_pgd": outcome.accuracy,
        "attack_time_s": rounded(seconds, 2),
        "settings": [
            "model": "LeNet-5 after one epoch of the LeNet-5 benchmark (SGD 0.05, momentum 0.9, batch 64)",
            "attack": "PGD, L-inf, eps 0.1, 20 steps of 0.01, random start, pixels in [0,1]", "images": images,
            "batch": attackBatch, "counted": "clean and attacked predictions included",
        ] as [String: Any],
    ]
}
