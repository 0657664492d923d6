import Foundation
import Myelin
import MyelinModels

/// pixelcnn: the PixelCNN of `myelin train pixelcnn` (64 channels, 7 residual blocks) on
/// stochastically binarised MNIST, trained as the command trains it (Adam 0.001, batch 32, seed 0):
/// 10 warm-up steps, which are real training steps, then 60 timed ones; then sampling, the
/// weights as they are: a grid of 64 digits recomputing only the changed row, and 8 digits each way
/// (the changed row, and the whole network on the whole image at every pixel), so the two compare.
func pixelCNNWorkload() -> [String: Any] {
    let batchSize = 32, warmupSteps = 10, measuredSteps = 60, seed: UInt64 = 0
    let train = loadMNIST(.train).binarized(.sampled(seed: 0))
    manualSeed(seed)
    let model = PixelCNN(generator: RandomGenerator(seed: seed))
    model.train()
    let optimizer = Adam(model.parameters, learningRate: 1e-3)
    let order = RandomGenerator(seed: seed).permutation(train.count)
    let (seconds, lastLoss) = timedTraining(warmup: warmupSteps, measured: measuredSteps) { step in
        let images = train.batch(at: Array(order[step * batchSize..<(step + 1) * batchSize])).inputs
        return minimize(model.meanNegativeLogLikelihood(images), with: optimizer)
    }
    func imagesPerSecond(_ count: Int, _ sampling: PixelCNNSampling) -> Double {
        var clock = Stopwatch()
        clock.start()
        _ = model.sample(count: count, generator: RandomGenerator(seed: seed), sampling: sampling)
        return Double(count) / clock.stop()
    }
    let grid = imagesPerSecond(64, .changedRow)
    let changedRow = imagesPerSecond(8, .changedRow), wholeImage = imagesPerSecond(8, .wholeImage)
    return [
        "workload": "pixelcnn",
        "train_samples_per_sec": rounded(Double(measuredSteps * batchSize) / seconds),
        "sampling_images_per_sec": rounded(grid, 2),
        "sampling_8_changed_row_images_per_sec": rounded(changedRow, 2),
        "sampling_8_whole_image_images_per_sec": rounded(wholeImage, 3),
        "parameters": model.parameterCount,
        "last_batch_nll_nats": rounded(Double(lastLoss), 2),
        "settings": [
            "batch": batchSize, "optimizer": "Adam", "lr": 1e-3, "channels": 64, "residual_blocks": 7,
            "binarization": "sampled, seed 0", "seed": Int(seed), "warmup_steps": warmupSteps, "measured_steps": measuredSteps,
            "sampled_grid": 64,
        ] as [String: Any],
    ]
}
