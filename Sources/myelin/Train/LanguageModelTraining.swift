import Foundation
import Myelin
import MyelinModels

/// What the language-model commands share about a recipe: saved in the checkpoint as JSON, so
/// that --resume continues with the same settings.
protocol LanguageModelRecipe: Codable {
    associatedtype Model: CharacterLanguageModel
    var configuration: Model.Configuration { get }
    var steps: Int { get set }
    var learningRate: Float { get set }
    /// Validation loss and a checkpoint every this many steps (and at the end).
    var evaluationInterval: Int { get set }
    var seed: UInt64 { get }
    /// Characters per validation window.
    var window: Int { get }
    /// The text's path, so that --resume reads the same one.
    var text: String? { get set }
}

extension LanguageModelRecipe {
    static var metadataKey: String { "myelin.recipe" }

    /// The recipe a checkpoint was trained with.
    init(metadata: [String: String], path: String) throws {
        self = try CheckpointMetadata.value(Self.self, key: Self.metadataKey, in: metadata, path: path, what: "training recipe")
    }
}

/// What a language model's run measured: the training loss per step and the validation loss per evaluation.
struct LanguageModelHistory: Codable {
    var stepLosses: [Double] = []
    var validationSteps: [Int] = []
    var validationNats: [Double] = []

    var validation: [(step: Int, nats: Double)] { zip(validationSteps, validationNats).map { ($0, $1) } }
}

/// The loop both language models train with: `step(n)` runs training step n (forward, backward,
/// update) and returns its loss, the characters it predicted and a label for the progress bar.
/// Around it: a progress bar with the running loss and characters/s; every `evaluationInterval`
/// steps the validation loss and a checkpoint of the whole `state` (model, optimizer, generators,
/// carried tensors) with the recipe and history; a stop with the step number if the loss stops
/// being a number. With `resuming`, `state` and the history are first restored from that file and
/// the loop goes on from the step after it — exactly as if it had not stopped.
func trainLanguageModel<Recipe: LanguageModelRecipe>(
    _ checkpoint: LanguageModelCheckpoint<Recipe.Model>, state: TrainingCheckpoint, recipe: Recipe, corpus: TextCorpus,
    label: String, resuming: URL?, checkpointURL: URL, step: (Int) throws -> (loss: Float, characters: Int, label: String)
) throws -> (LanguageModelHistory, LanguageModelCheckpoint<Recipe.Model>) {
    var checkpoint = checkpoint
    var history = LanguageModelHistory(), firstStep = 1
    if let resuming {
        let learningRates = state.optimizers.map(\.optimizer.learningRate)
        let metadata = try state.restore(from: resuming)
        // --learning-rate may change on resume: the recipe's rate wins over the saved one.
        for ((_, optimizer), rate) in zip(state.optimizers, learningRates) { optimizer.learningRate = rate }
        history = try CheckpointMetadata.value(LanguageModelHistory.self, key: "myelin.history", in: metadata,
                                               path: resuming.path, what: "training history")
        let done = Int(metadata["myelin.step"] ?? "") ?? 0
        guard done < recipe.steps else {
            throw CommandError("the run in \(resuming.path) already took \(done) steps; pass --steps with a larger total to go on")
        }
        print("Resuming from \(resuming.path) after step \(done).")
        firstStep = done + 1
    }
    removeAbandonedTemporaryFiles(for: checkpointURL)
    var bar = ProgressBar(total: recipe.steps, label: label)
    var runningLoss = history.stepLosses.last ?? 0, characters = 0
    let start = Date()
    for n in firstStep...recipe.steps {
        let (loss, predicted, stepLabel) = try step(n)
        guard loss.isFinite else { throw DivergedError(step: n, loss: loss) }
        history.stepLosses.append(Double(loss))
        runningLoss = n == 1 ? Double(loss) : 0.98 * runningLoss + 0.02 * Double(loss)
        characters += predicted
        let speed = Double(characters) / max(Date().timeIntervalSince(start), 1e-9)
        bar.update(n, (stepLabel.isEmpty ? "" : stepLabel + "  ") + String(format: "loss %.3f  %.1fk chars/s", runningLoss, speed / 1000))
        if n % recipe.evaluationInterval == 0 || n == recipe.steps {
            let (nats, _) = checkpoint.model.meanLoss(on: corpus.validationIDs, window: recipe.window)
            history.validationSteps.append(n)
            history.validationNats.append(nats)
            checkpoint.step = n
            checkpoint.validationLoss = nats
            var metadata = try checkpoint.metadata()
            metadata[Recipe.metadataKey] = try CheckpointMetadata.json(recipe)
            metadata["myelin.history"] = try CheckpointMetadata.json(history)
            try state.save(to: checkpointURL, metadata: metadata)
            bar.log(String(format: "step %d: validation loss %.4f nats/char = %.3f bits/char (checkpoint saved)",
                           n, nats, nats / log(2)))
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

/// A language-model run's starting point: the recipe (a fresh run's from its options, a resumed
/// run's from its checkpoint) and the text, checked to hold the characters the model was trained on.
struct LanguageModelStart<Recipe: LanguageModelRecipe> {
    var recipe: Recipe
    var corpus: TextCorpus
    var textURL: URL
    /// The checkpoint to continue from, for a resumed run.
    var resuming: URL?

    /// `fresh` makes a new run's recipe for the text; `settings` lists the options that shape a
    /// run beside a saved recipe's values (a resumed run refuses changes to them); `steps` and
    /// `learningRate`, the options that may change on resume, apply to either.
    init(options: RunOptions, checkpointName: String, command: String, text: String?,
         fresh: (TextCorpus, String) throws -> Recipe, settings: (Recipe) -> [ResumedSetting],
         steps: Int?, learningRate: Float?) throws {
        if let url = try options.resumeCheckpoint(named: checkpointName, command: command) {
            let file = try SafeTensors.read(contentsOf: url)
            let saved = try LanguageModelCheckpoint<Recipe.Model>(file: file, path: url.path)
            recipe = try Recipe(metadata: file.metadata, path: url.path)
            try options.refuseChangedSettings(
                [ResumedSetting("--text", given: text.map { URL(fileURLWithPath: $0).path }, saved: recipe.text ?? "")] + settings(recipe),
                savedSeed: recipe.seed, of: url)
            textURL = try recipe.text.map { URL(fileURLWithPath: $0) } ?? TextCorpus.locateShakespeare()
            corpus = try TextCorpus(contentsOf: textURL, minimumLength: recipe.window + 1)
            guard saved.vocabulary == corpus.vocabulary else {
                throw CommandError("\(textURL.path) no longer has the characters the run in \(url.path) was trained on; resume with the same text")
            }
            resuming = url
        } else {
            textURL = try text.map { URL(fileURLWithPath: $0) } ?? TextCorpus.locateShakespeare()
            corpus = try TextCorpus(contentsOf: textURL, minimumLength: 2)
            recipe = try fresh(corpus, textURL.path)
            recipe.text = textURL.path
        }
        recipe.steps = steps ?? recipe.steps
        recipe.learningRate = learningRate ?? recipe.learningRate
        print("Text \(textURL.path): \(corpus.ids.count) characters, \(corpus.vocabulary.count) distinct; \(corpus.trainingIDs.count) to train on, \(corpus.validationIDs.count) to validate.")
    }
}

/// The end of a language-model run: a sample, then the curve, the sample and the settings
/// (`settings`, then the run's steps and seed) written beside the checkpoint and in report.html.
func finishLanguageModelRun<Recipe: LanguageModelRecipe>(_ checkpoint: LanguageModelCheckpoint<Recipe.Model>,
                                                         history: LanguageModelHistory, start: LanguageModelStart<Recipe>,
                                                         folder: URL, checkpointURL: URL, summary: String,
                                                         settings: [(String, String)]) throws {
    typealias Model = Recipe.Model
    let recipe = start.recipe, textURL = start.textURL, characters = start.corpus.ids.count, seed = recipe.seed
    let vocabulary = checkpoint.vocabulary
    let prime = defaultPrime("ROMEO:", vocabulary: vocabulary)
    let sample = try sampleText(from: checkpoint, prime: prime, length: 400, sampler: TokenSampler(temperature: 0.8),
                                generator: RandomGenerator(seed: seed))
    print("\nA sample (temperature 0.8):\n\n\(prime)\(sample)\n")
    let validation = history.validation.last?.nats ?? .nan
    let outputs = RunOutputs(
        title: "myelin train \(Model.commandName)",
        summary: "\(summary) learns to write like \(textURL.lastPathComponent) (\(characters) characters).",
        settings: settings + [("steps", String(recipe.steps)), ("seed", String(seed))],
        metrics: [("validation loss", String(format: "%.4f nats/char = %.3f bits/char", validation, validation / log(2)))],
        plots: [languageModelCurve(history, title: "\(Model.displayName) loss")],
        texts: [(caption: "A sample (temperature 0.8)", text: prime + sample)])
    print("Wrote:\n" + ([checkpointURL.path] + (try outputs.write(to: folder))).map { "  \($0)" }.joined(separator: "\n"))
    let next = defaultPrime("JULIET:", vocabulary: vocabulary)
    print("Sample more with: myelin sample \(Model.commandName) \(checkpointURL.path)\(next == "JULIET:" ? " --prime \"JULIET:\"" : "") --length 500")
    print("Train further with: myelin train \(Model.commandName) --resume \(folder.path) --steps \(history.stepLosses.count * 2)")
}
