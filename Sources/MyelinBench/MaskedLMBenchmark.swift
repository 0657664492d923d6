import Myelin
import MyelinModels

/// masked-lm: the char-BERT of `myelin train bert` on Shakespeare (the GPT's network attending both ways,
/// with a [MASK] token; 32 random 64-character windows a step, 10 characters of each chosen by BERT's
/// rule; AdamW 1e-3, weight decay 0.01; seed 0): 5 warm-up steps, which are real training steps, then
/// 100 timed ones (drawing and masking the windows included), then the masked-character accuracy on
/// the validation text (1,648 windows, 16,480 chosen characters) beside the majority-class and unigram
/// baselines on the same positions. Throughput counts every character the model reads, as the gpt line does.
func maskedLanguageModelWorkload() -> [String: Any] {
    let context = 64, batchSize = 32, warmupSteps = 5, measuredSteps = 100, seed: UInt64 = 0
    let corpus = loadShakespeare()
    manualSeed(seed)
    let model = CharBERT(.init(vocabularySize: corpus.vocabulary.count, context: context), generator: RandomGenerator(seed: seed))
    let optimizer = AdamW(model.parameters, learningRate: 1e-3, weightDecay: 0.01)
    let task = CharBERTTask(
        model, optimizer: optimizer, windowGenerator: RandomGenerator(seed: seed + 1), trainingIDs: corpus.trainingIDs,
        validationIDs: corpus.validationIDs, batchSize: batchSize)
    let (seconds, lastLoss) = timedTraining(warmup: warmupSteps, measured: measuredSteps) { _ in
        minimize(model.loss(on: task.windows.next()), with: optimizer)
    }
    let evaluation = try! task.evaluate()
    let baselines = MaskedCharacterBaselines(
        trainingIDs: corpus.trainingIDs, vocabularySize: corpus.vocabulary.count, targets: task.validationTargets)
    return [
        "workload": "masked-lm",
        "train_tokens_per_sec": rounded(Double(measuredSteps * batchSize * context) / seconds),
        "validation_masked_accuracy": rounded(evaluation["validation masked accuracy"]!, 4),
        "majority_baseline_accuracy": rounded(baselines.majorityAccuracy, 4),
        "unigram_baseline_accuracy": rounded(baselines.unigramAccuracy, 4),
        "last_batch_loss": rounded(Double(lastLoss), 4),
        "parameters": model.parameterCount,
        "settings": [
            "vocab": corpus.vocabulary.count, "ctx": context, "d_model": 128, "heads": 4, "layers": 4, "ff": 512,
            "batch": batchSize, "masked_per_window": BERTMasking.selectedCount(window: context), "optimizer": "AdamW", "lr": 1e-3,
            "weight_decay": 0.01, "seed": Int(seed), "warmup_steps": warmupSteps, "measured_steps": measuredSteps,
        ] as [String: Any],
    ]
}
