import Foundation
import Myelin
import MyelinModels

/// How `myelin train charrnn` trains: truncated backpropagation through time over `batchSize`
/// parallel streams of the text, `window` characters at a time, the state carried (detached)
/// from one window to the next; Adam with the gradient norm clipped at 5 (W4's recipe). Saved in
/// the checkpoint so that --resume continues with the same settings.
struct CharRNNRecipe: LanguageModelRecipe {
    typealias Model = CharRNN
    var configuration: CharRNN.Configuration
    var steps = 2_000
    var batchSize = 32
    var window = 64
    var learningRate: Float = 2e-3
    var clipNorm: Float = 5
    var evaluationInterval = 500
    var seed: UInt64 = 0
    var text: String?

    init(configuration: CharRNN.Configuration, seed: UInt64) {
        self.configuration = configuration
        self.seed = seed
    }
}

/// Trains a char-RNN on `corpus` (see `trainLanguageModel`). The windows walk along the streams in
/// order, so the position and the carried state follow from the step; the state is saved with the
/// checkpoint for --resume.
func trainCharRNN(on corpus: TextCorpus, recipe: CharRNNRecipe, resuming: URL?, checkpointURL: URL) throws
    -> (LanguageModelHistory, CharRNNCheckpoint) {
    manualSeed(recipe.seed)
    let c = recipe.configuration
    let modelGenerator = RandomGenerator(seed: recipe.seed)  // initial weights, then dropout between layers
    let model = CharRNN(c, generator: modelGenerator)
    let optimizer = Adam(model.parameters, learningRate: recipe.learningRate)
    let batches = TruncatedBPTTBatches(corpus.trainingIDs, batchSize: recipe.batchSize, window: recipe.window)
    // The state carried from window to window; the checkpoint saves it.
    let carried = RecurrentState(hidden: Tensor.zeros([c.layers, recipe.batchSize, c.hiddenSize]),
                                 cell: c.cell == .lstm ? Tensor.zeros([c.layers, recipe.batchSize, c.hiddenSize]) : nil)
    var runTensors = [(name: "hidden", tensor: carried.hidden)]
    if let cell = carried.cell { runTensors.append((name: "cell", tensor: cell)) }
    let checkpoint = CharRNNCheckpoint(model: model, vocabulary: corpus.vocabulary, step: 0)
    let state = TrainingCheckpoint(format: CharRNNCheckpoint.format, modules: [("", model)],
                                   optimizers: [("model", optimizer)], generators: [("model", modelGenerator)],
                                   tensors: runTensors)
    return try trainLanguageModel(checkpoint, state: state, recipe: recipe, corpus: corpus, label: "charrnn",
                                  resuming: resuming, checkpointURL: checkpointURL) { step in
        let k = (step - 1) % batches.count
        let epoch = (step - 1) / batches.count + 1
        let batch = batches.batch(at: k)
        // Each pass over the text starts from a zero state; within one, the state carries on.
        let (logits, next) = model.forward(batch.input, state: k == 0 ? nil : carried)
        let loss = crossEntropy(logits.reshaped([-1, c.vocabularySize]), batch.target.reshaped([-1]))
        let value = loss.item
        if value.isFinite {
            optimizer.zeroGrad()
            loss.backward()
            clipGradientNorm(model.parameters, maxNorm: recipe.clipNorm)
            optimizer.step()
        }
        // Truncated BPTT: carry the values, not the graph.
        carried.hidden.assign(next.hidden)
        if let cell = next.cell { carried.cell!.assign(cell) }
        return (value, batch.target.count, "epoch \(epoch)")
    }
}
