import Foundation
import Myelin
import MyelinModels

/// How `myelin train charrnn` trains: truncated backpropagation through time over `batchSize`
/// parallel streams of the text, `window` characters at a time, the state carried (detached)
/// from one window to the next; Adam with the gradient norm clipped at 5 (W4's recipe).
struct CharRNNRecipe {
    var configuration: CharRNN.Configuration
    var steps = 2_000
    var batchSize = 32
    var window = 64
    var learningRate: Float = 2e-3
    var clipNorm: Float = 5
    /// Validation loss, a checkpoint and a sample line every this many steps (and at the end).
    var evaluationInterval = 500
    var seed: UInt64 = 0
}

/// What a char-RNN run measured: the training loss per step and the validation loss per evaluation.
struct LanguageModelHistory {
    var stepLosses: [Double] = []
    var validation: [(step: Int, nats: Double)] = []
}

/// Trains a char-RNN on `corpus`, printing a progress bar with the running loss, the validation
/// loss in nats and bits per character after each evaluation, and checkpointing to
/// `DIR/charrnn.safetensors` each time. Returns the history and the final checkpoint.
func trainCharRNN(on corpus: TextCorpus, recipe: CharRNNRecipe, checkpointURL: URL) throws
    -> (LanguageModelHistory, CharRNNCheckpoint) {
    manualSeed(recipe.seed)
    let model = CharRNN(recipe.configuration, generator: RandomGenerator(seed: recipe.seed))
    let optimizer = Adam(model.parameters, learningRate: recipe.learningRate)
    let batches = TruncatedBPTTBatches(corpus.trainingIDs, batchSize: recipe.batchSize, window: recipe.window)
    var history = LanguageModelHistory()
    var checkpoint = CharRNNCheckpoint(model: model, vocabulary: corpus.vocabulary, step: 0)
    var bar = ProgressBar(total: recipe.steps, label: "charrnn")
    var windows = batches.makeIterator(), state: RecurrentState? = nil, epoch = 1
    var runningLoss = 0.0, characters = 0
    let start = Date()
    for step in 1...recipe.steps {
        guard let batch = windows.next() ?? {
            // A new pass over the text: the streams start again, from a zero state.
            windows = batches.makeIterator()
            state = nil
            epoch += 1
            return windows.next()
        }() else { break }
        let (logits, next) = model.forward(batch.input, state: state)
        state = next.detached()  // truncated BPTT: carry the values, not the graph
        let loss = crossEntropy(logits.reshaped([-1, corpus.vocabulary.count]), batch.target.reshaped([-1]))
        let value = loss.item
        guard value.isFinite else { throw DivergedError(step: step, loss: value) }
        optimizer.zeroGrad()
        loss.backward()
        clipGradientNorm(model.parameters, maxNorm: recipe.clipNorm)
        optimizer.step()
        history.stepLosses.append(Double(value))
        runningLoss = step == 1 ? Double(value) : 0.98 * runningLoss + 0.02 * Double(value)
        characters += batch.target.count
        let speed = Double(characters) / max(Date().timeIntervalSince(start), 1e-9)
        bar.update(step, String(format: "epoch %d  loss %.3f  %.1fk chars/s", epoch, runningLoss, speed / 1000))
        if step % recipe.evaluationInterval == 0 || step == recipe.steps {
            let (nats, _) = model.meanLoss(on: corpus.validationIDs, window: recipe.window)
            history.validation.append((step, nats))
            checkpoint = CharRNNCheckpoint(model: model, vocabulary: corpus.vocabulary, step: step, validationLoss: nats)
            try checkpoint.save(to: checkpointURL)
            bar.log(String(format: "step %d: validation loss %.4f nats/char = %.3f bits/char (checkpoint saved)",
                           step, nats, nats / log(2)))
        }
    }
    bar.finish(String(format: "loss %.3f", runningLoss))
    return (history, checkpoint)
}

/// A prime for samples: `preferred` if the vocabulary has all its characters, else the text's first line break or character.
func defaultPrime(_ preferred: String, vocabulary: CharacterVocabulary) -> String {
    if (try? vocabulary.encode(preferred)) != nil { return preferred }
    return vocabulary.id(of: "\n") != nil ? "\n" : String(Character(vocabulary.characters[0]))
}

/// Continues `prime` by `length` characters with `sampler`.
func sampleText<Model>(from checkpoint: LanguageModelCheckpoint<Model>, prime: String, length: Int, sampler: TokenSampler,
                       generator: RandomGenerator) throws -> String {
    let primeIDs = try checkpoint.vocabulary.encode(prime).map(Int.init)
    let ids = checkpoint.model.generate(prime: primeIDs, length: length, sampler: sampler, generator: generator)
    return checkpoint.vocabulary.decode(ids)
}

/// The training loss per step and the validation loss per evaluation, in bits per character.
func languageModelCurve(_ history: LanguageModelHistory, title: String) -> RunPlot {
    let log2 = Foundation.log(2.0)
    return RunPlot(name: "loss", plot: LinePlot(title: title, xLabel: "step", yLabel: "bits per character", series: [
        LinePlot.Series(name: "training (per window)", values: history.stepLosses.map { $0 / log2 }),
        LinePlot.Series(name: "validation", points: history.validation.map { (x: Double($0.step), y: $0.nats / log2) }),
    ]))
}
