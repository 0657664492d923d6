import Myelin
import MyelinModels

/// segmentation: the U-Net of `myelin train segmentation` (width 16, Adam 0.002, batch 16, cross-entropy
/// plus soft Dice, seed 0) on 64×64 canvases of MNIST digits: 10 warm-up steps, which are real
/// training steps, then 100 timed ones (drawing the canvases included), then the mean IoU over the
/// ten digits and the background's IoU on 200 test canvases — low after so few steps; the figure
/// that matters here is samples/s.
func segmentationWorkload() -> [String: Any] {
    let batchSize = 16, warmupSteps = 10, measuredSteps = 100, seed: UInt64 = 0
    let train = DigitCanvases(loadMNIST(.train), count: (warmupSteps + measuredSteps) * batchSize, seed: seed)
    let test = DigitCanvases(loadMNIST(.test), count: 200, seed: 2)
    manualSeed(seed)
    let model = UNet(generator: RandomGenerator(seed: seed))
    let optimizer = Adam(model.parameters, learningRate: 2e-3)
    let task = SegmentationTask(
        model, optimizer: optimizer, loss: .both,
        on: DataLoader(train, batchSize: batchSize, generator: RandomGenerator(seed: seed)), test: test)
    model.train()
    let (seconds, lastLoss) = timedTraining(warmup: warmupSteps, measured: measuredSteps) { step in
        let (images, classes) = train.batch(at: Array(step * batchSize..<(step + 1) * batchSize))
        return minimize(task.loss(model.pixelLogits(images), classes), with: optimizer)
    }
    let scores = SegmentationScores(task.measure(on: test).confusion, background: 0)
    return [
        "workload": "segmentation",
        "train_samples_per_sec": rounded(Double(measuredSteps * batchSize) / seconds),
        "test_mean_iou": rounded(scores.meanIoU, 4),
        "test_background_iou": rounded(scores.backgroundIoU ?? .nan, 4),
        "parameters": model.parameterCount,
        "last_batch_loss": rounded(Double(lastLoss), 4),
        "settings": [
            "batch": batchSize, "optimizer": "Adam", "lr": 2e-3, "loss": "cross-entropy + soft Dice", "width": 16,
            "input": "64x64 canvases of 1-3 MNIST digits", "seed": Int(seed), "warmup_steps": warmupSteps,
            "measured_steps": measuredSteps,
        ] as [String: Any],
    ]
}
