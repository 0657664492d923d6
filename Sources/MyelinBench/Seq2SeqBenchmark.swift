import Myelin
import MyelinModels

/// seq2seq: `myelin train seq2seq --attention`'s network on the dates task (bidirectional LSTM
/// encoder 64×2, LSTM decoder 128, additive attention, Adam 0.002, gradient norm clipped at 1,
/// batch 64, seed 0), trained as the command trains it: 10 warm-up steps, which are real training
/// steps, then 200 timed ones (drawing and padding the pairs included). Then the decoding speed on
/// the 2,000 held-out test dates, greedy and by beam search of width 5, in batches of 500.
func seq2seqWorkload() -> [String: Any] {
    let batchSize = 64, warmupSteps = 10, measuredSteps = 200, seed: UInt64 = 0, beamWidth = 5
    let pairs = TranslationPairs(.dates)
    manualSeed(seed)
    let model = Seq2Seq(
        .init(
            sourceVocabularySize: pairs.sourceVocabulary.count, targetVocabularySize: pairs.targetVocabulary.count, attention: .additive),
        generator: RandomGenerator(seed: seed))
    let task = Seq2SeqTask(
        model, pairs: pairs, optimizer: Adam(model.parameters, learningRate: 2e-3), generator: RandomGenerator(seed: seed &+ 1),
        batchSize: batchSize, clipNorm: 1)
    model.train()
    let draw = task.batches.makeEpochIterator(startingAt: 0)
    let (seconds, lastLoss) = timedTraining(warmup: warmupSteps, measured: measuredSteps) { _ in
        minimize(model.loss(draw.next()!), with: task.optimizer, clipping: (model.parameters, 1))
    }
    var clock = Stopwatch()
    clock.start()
    let greedy = task.translator.exactMatches(pairs.test, beamWidth: 1)
    let greedySeconds = clock.stop()
    clock.start()
    let beam = task.translator.exactMatches(pairs.test, beamWidth: beamWidth)
    let beamSeconds = clock.stop()
    let accuracy = { (matches: [Bool]) in rounded(Double(matches.count { $0 }) / Double(matches.count), 4) }
    return [
        "workload": "seq2seq",
        "train_sentences_per_sec": rounded(Double(measuredSteps * batchSize) / seconds),
        "greedy_sentences_per_sec": rounded(Double(pairs.test.count) / greedySeconds),
        "beam_sentences_per_sec": rounded(Double(pairs.test.count) / beamSeconds),
        "test_exact_match_greedy": accuracy(greedy),
        "test_exact_match_beam": accuracy(beam),
        "parameters": model.parameterCount,
        "last_batch_loss": rounded(Double(lastLoss), 4),
        "settings": [
            "task": "dates", "batch": batchSize, "optimizer": "Adam", "lr": 2e-3, "clip_norm": 1, "attention": "additive",
            "encoder": "bidirectional LSTM 64x2", "decoder": "LSTM 128", "beam_width": beamWidth, "decode_batch": 500,
            "seed": Int(seed), "warmup_steps": warmupSteps, "measured_steps": measuredSteps,
        ] as [String: Any],
    ]
}
