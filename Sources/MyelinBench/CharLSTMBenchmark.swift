import Foundation
import Myelin
import MyelinModels

/// W4: the char-LSTM language model on Shakespeare, as ../shared/bench/torch/w4_charlstm.py:
/// Embedding(76, 64) – LSTM(64, 256) – Linear(256, 76), random 64-character windows from a zero
/// state, batch 32, Adam(2e-3), global gradient-norm clipping at 5, 500 steps. Throughput over
/// steps 11–210 (batch assembly, forward, loss, backward, clipping and the step), then the
/// validation loss in nats per character over W4's 1,648 non-overlapping windows. With `cell: .gru`
/// (`chargru`), the same recipe with a GRU of 256 units, which has no PyTorch counterpart in the
/// reference set.
func charLSTMWorkload(cell: CharRNN.Configuration.Cell = .lstm) -> [String: Any] {
    let window = 64, batchSize = 32, learningRate = 2e-3, clip: Float = 5
    let warmupSteps = 10, measuredSteps = 200, totalSteps = 500
    let corpus = loadShakespeare()
    manualSeed(0)
    let model = CharRNN(.init(vocabularySize: corpus.vocabulary.count, cell: cell))
    let optimizer = Adam(model.parameters, learningRate: Float(learningRate))
    let windows = RandomWindows(
        corpus.trainingIDs, batchSize: batchSize, window: window,
        generator: RandomGenerator(seed: 0))
    var lastLoss: Float = 0, measured = Stopwatch(), measuredSeconds = 0.0
    let start = now()
    for step in 0..<totalSteps {
        if step == warmupSteps { measured.start() }
        let (inputs, targets) = windows.next()
        let logits = model(inputs)
        let loss = crossEntropy(logits, targets)
        optimizer.zeroGrad()
        loss.backward()
        clipGradientNorm(model.parameters, maxNorm: clip)
        optimizer.step()
        if step == warmupSteps + measuredSteps - 1 {
            lastLoss = loss.item
            measuredSeconds = measured.stop()
        } else if step == totalSteps - 1 {
            lastLoss = loss.item
        }
    }
    let trainSeconds = now() - start
    let (validationLoss, validationWindows) = model.meanLoss(on: corpus.validationIDs, window: window)
    return [
        "workload": cell == .lstm ? "charlstm" : "char\(cell.rawValue)",
        "train_tokens_per_sec": rounded(Double(measuredSteps * batchSize * window) / measuredSeconds),
        "val_loss_nats_per_char_after_500_steps": rounded(validationLoss, 4),
        "last_train_batch_loss": rounded(Double(lastLoss), 4),
        "train_time_500_steps_s": rounded(trainSeconds, 2),
        "settings": [
            "cell": cell.rawValue, "vocab": corpus.vocabulary.count, "seq": window, "batch": batchSize, "emb": 64, "hidden": 256,
            "optimizer": "Adam", "lr": learningRate, "clip_grad_norm": Double(clip),
            "train_chars": corpus.trainingIDs.count, "val_chars": corpus.validationIDs.count,
            "val_windows": validationWindows, "warmup_steps": warmupSteps, "measured_steps": measuredSteps,
            "total_steps": totalSteps,
        ] as [String: Any],
    ]
}

/// The project's Shakespeare text (Data/text, found from the current folder upward), or exit with why.
func loadShakespeare() -> TextCorpus {
    do {
        return try TextCorpus(contentsOf: TextCorpus.locateShakespeare(), minimumLength: 65)
    } catch {
        FileHandle.standardError.write(Data("MyelinBench: \(error)\n".utf8))
        exit(1)
    }
}
