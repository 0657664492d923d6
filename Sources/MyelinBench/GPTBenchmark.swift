import Foundation
import Myelin
import MyelinModels

/// W6: the char transformer on Shakespeare, as ../shared/bench/torch/w6_gpt.py: token and learned
/// position embeddings (128), 4 pre-LN blocks (4 heads, causal, MLP 128–512–128 with erf GELU), a
/// final layer norm and an untied head; random 64-character windows drawn as in W4, batch 32,
/// AdamW(1e-3, weight decay 0.01). Throughput over steps 6–105 (batch assembly, forward, loss,
/// backward and the step; steps 1–5 are real training steps that warm up), and the loss at steps 1 and 105.
func gptWorkload() -> [String: Any] {
    let context = 64, batchSize = 32, learningRate = 1e-3, weightDecay = 0.01
    let warmupSteps = 5, measuredSteps = 100
    let corpus = loadShakespeare()
    let vocabularySize = corpus.vocabulary.count
    manualSeed(0)
    let model = CharGPT(.init(vocabularySize: vocabularySize, context: context))
    let optimizer = AdamW(model.parameters, learningRate: Float(learningRate), weightDecay: Float(weightDecay))
    let windows = RandomWindows(
        corpus.trainingIDs, batchSize: batchSize, window: context,
        generator: RandomGenerator(seed: 0))
    var firstLoss: Float = 0, lastLoss = Tensor(scalar: 0), measured = Stopwatch()
    for step in 0..<(warmupSteps + measuredSteps) {
        if step == warmupSteps { measured.start() }
        let (inputs, targets) = windows.next()
        let loss = crossEntropy(model(inputs), targets)
        optimizer.zeroGrad()
        loss.backward()
        optimizer.step()
        if step == 0 { firstLoss = loss.item }
        lastLoss = loss.detached()
    }
    let measuredSeconds = measured.stop()
    return [
        "workload": "gpt",
        "train_tokens_per_sec": rounded(Double(measuredSteps * batchSize * context) / measuredSeconds),
        "loss_step1_and_step105": [rounded(Double(firstLoss), 4), rounded(Double(lastLoss.item), 4)],
        "settings": [
            "vocab": vocabularySize, "params": model.parameterCount, "ctx": context, "d_model": 128, "heads": 4,
            "layers": 4, "ff": 512, "batch": batchSize, "optimizer": "AdamW", "lr": learningRate,
            "weight_decay": weightDecay, "gelu": "erf", "dropout": 0, "warmup_steps": warmupSteps,
            "measured_steps": measuredSteps,
        ] as [String: Any],
    ]
}
