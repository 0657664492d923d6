import Myelin
import MyelinModels

/// captioning: the Show, Attend and Tell captioner of `myelin train captioning` (encoder 16-32-64-128,
/// LSTM 256, attention 64, Adam 0.002, batch 32, gradient norm clipped to 5, seed 0) on 64×64
/// canvases of 1–3 MNIST digits: 5 warm-up steps, which are real training steps, then 50 timed ones
/// (drawing the canvases and their captions included); then 200 test canvases captioned greedily
/// and by a beam of 3, each timed. The share of exact captions after so few steps is near 0; the
/// figures that matter here are the canvases per second.
func captioningWorkload() -> [String: Any] {
    let batchSize = 32, warmupSteps = 5, measuredSteps = 50, seed: UInt64 = 0
    let train = CaptionedDigitCanvases(loadMNIST(.train), count: (warmupSteps + measuredSteps) * batchSize, seed: seed)
    let test = CaptionedDigitCanvases(loadMNIST(.test), count: 200, seed: 2015)
    manualSeed(seed)
    let model = ShowAttendTell(.init(vocabularySize: CaptionedDigitCanvases.vocabulary.count), generator: RandomGenerator(seed: seed))
    let optimizer = Adam(model.parameters, learningRate: 2e-3)
    let task = CaptioningTask(
        model, optimizer: optimizer, on: DataLoader(train, batchSize: batchSize, generator: RandomGenerator(seed: seed)), test: test)
    model.train()
    let (seconds, lastLoss) = timedTraining(warmup: warmupSteps, measured: measuredSteps) { step in
        let (images, captions) = train.batch(at: Array(step * batchSize..<(step + 1) * batchSize))
        return minimize(task.losses(images, captions: captions).loss, with: optimizer, clipping: (model.parameters, 5))
    }
    func timedScores(_ search: BeamSearch) -> (canvasesPerSecond: Double, scores: CaptionScores) {
        var clock = Stopwatch()
        clock.start()
        let scores = CaptionScores(model, on: test, search: search)
        return (Double(test.count) / clock.stop(), scores)
    }
    let greedy = timedScores(.greedy(maxLength: test.maxLength + 1))
    let beam = timedScores(BeamSearch(width: 3, maxLength: test.maxLength + 1))
    return [
        "workload": "captioning",
        "train_samples_per_sec": rounded(Double(measuredSteps * batchSize) / seconds),
        "greedy_canvases_per_sec": rounded(greedy.canvasesPerSecond),
        "beam3_canvases_per_sec": rounded(beam.canvasesPerSecond),
        "test_exact_greedy": rounded(greedy.scores.exact, 4),
        "test_bleu4_greedy": rounded(greedy.scores.bleu.score, 4),
        "parameters": model.parameterCount,
        "last_batch_loss": rounded(Double(lastLoss), 4),
        "settings": [
            "batch": batchSize, "optimizer": "Adam", "lr": 2e-3, "encoder": "16-32-64-128", "lstm": 256, "attention": 64,
            "input": "64x64 canvases of 1-3 MNIST digits", "seed": Int(seed), "warmup_steps": warmupSteps,
            "measured_steps": measuredSteps, "test_canvases": test.count,
        ] as [String: Any],
    ]
}
