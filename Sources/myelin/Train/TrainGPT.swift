import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train gpt`: a small character-level transformer learns to write like a text.
struct TrainGPT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpt",
        abstract: "Train a small character-level transformer (GPT) to write like a text.",
        discussion: """
            The network is W6's: token and learned position embeddings (128), 4 pre-LN transformer blocks \
            with 4 causal attention heads and a 512-wide GELU MLP, a final LayerNorm and a linear head. \
            Each step takes --batch-size random windows of --context characters of the text (default: \
            Data/text/shakespeare.txt), AdamW lr 0.001. Every 500 steps it reports the validation loss \
            and saves OUT/gpt.safetensors, which holds everything --resume needs. It ends with a sample; \
            continue with `myelin sample gpt OUT/gpt.safetensors`.
            """)

    @Option(help: "Text file to learn (default: the project's Data/text/shakespeare.txt).")
    var text: String?

    @Option(help: "Training steps in all (default 2000; with --resume, where the run ends).")
    var steps: Int?

    @Option(help: "Characters the model sees at once (default 64).")
    var context: Int?

    @Option(help: "Width of the token embeddings and of every block (default 128).")
    var embedDim: Int?

    @Option(help: "Attention heads per block; they split --embed-dim (default 4).")
    var heads: Int?

    @Option(help: "Transformer blocks (default 4).")
    var layers: Int?

    @Option(help: "Windows of text per step (default 32).")
    var batchSize: Int?

    @Option(help: "Step size of AdamW (default 0.001).")
    var learningRate: Float?

    @OptionGroup var runOptions: RunOptions

    static let checkpointName = "gpt.safetensors"

    func validate() throws {
        try requirePositive(("--steps", steps), ("--context", context), ("--embed-dim", embedDim), ("--heads", heads),
                            ("--layers", layers), ("--batch-size", batchSize))
        try requirePositive(learningRate: learningRate)
        if let embedDim, let heads, embedDim % heads != 0 {
            throw ValidationError("--embed-dim \(embedDim) must be a multiple of --heads \(heads)")
        }
        if runOptions.resume != nil {
            let fixed = [("--text", text != nil), ("--context", context != nil), ("--embed-dim", embedDim != nil),
                         ("--heads", heads != nil), ("--layers", layers != nil), ("--batch-size", batchSize != nil)]
            if let (name, _) = fixed.first(where: \.1) {
                throw ValidationError("\(name) cannot change when resuming: the run keeps the settings it was saved with")
            }
        }
    }

    func run() throws {
        let folder = try runOptions.folder(defaultName: "gpt")
        let checkpointURL = folder.appendingPathComponent(Self.checkpointName)
        var recipe = GPTRecipe(configuration: .init(vocabularySize: 0), seed: runOptions.seed)
        var resumed: CharGPTCheckpoint?
        if let url = try runOptions.resumeCheckpoint(named: Self.checkpointName, command: "gpt") {
            let saved = try CharGPTCheckpoint(contentsOf: url)
            recipe = try GPTRecipe(metadata: TrainingCheckpoint.metadata(of: url, format: CharGPTCheckpoint.format), path: url.path)
            resumed = saved
        }
        recipe.steps = steps ?? recipe.steps
        recipe.learningRate = learningRate ?? recipe.learningRate
        recipe.batchSize = batchSize ?? recipe.batchSize
        let window = context ?? recipe.configuration.context
        let textURL = try (resumed != nil ? recipe.text.map { URL(fileURLWithPath: $0) } : text.map { URL(fileURLWithPath: $0) })
            ?? TextCorpus.locateShakespeare()
        let corpus = try TextCorpus(contentsOf: textURL, minimumLength: window + 1)
        if let resumed, resumed.vocabulary != corpus.vocabulary {
            throw CommandError("\(textURL.path) no longer has the characters the run in \(folder.path) was trained on; resume with the same text")
        }
        if resumed == nil {
            recipe.text = textURL.path
            recipe.configuration = CharGPT.Configuration(
                vocabularySize: corpus.vocabulary.count, context: window, embedDim: embedDim ?? 128, heads: heads ?? 4,
                layers: layers ?? 4, feedForward: 4 * (embedDim ?? 128))
            guard recipe.configuration.embedDim % recipe.configuration.heads == 0 else {
                throw ValidationError("--embed-dim \(recipe.configuration.embedDim) must be a multiple of --heads \(recipe.configuration.heads)")
            }
        }
        guard corpus.trainingIDs.count > window, corpus.validationIDs.count > window else {
            throw CommandError("\(textURL.path): its training and validation parts must each hold more than \(window) characters (the context)")
        }
        let c = recipe.configuration
        print("Text \(textURL.path): \(corpus.ids.count) characters, \(corpus.vocabulary.count) distinct; \(corpus.trainingIDs.count) to train on, \(corpus.validationIDs.count) to validate.")
        print("Model gpt: Embedding(\(c.vocabularySize), \(c.embedDim)) + positions(\(c.context)) → \(c.layers) pre-LN blocks (\(c.heads) heads, MLP \(c.feedForward)) → LayerNorm → Linear(\(c.embedDim), \(c.vocabularySize)); AdamW lr \(recipe.learningRate), weight decay 0.01; \(recipe.batchSize) windows × \(c.context) characters per step, \(recipe.steps) steps.")

        let (history, checkpoint) = try trainGPT(on: corpus, recipe: recipe, resuming: resumed.map { _ in checkpointURL },
                                                 checkpointURL: checkpointURL)
        let prime = defaultPrime("ROMEO:", vocabulary: corpus.vocabulary)
        let sample = try sampleText(from: checkpoint, prime: prime, length: 400, sampler: TokenSampler(temperature: 0.8),
                                    generator: RandomGenerator(seed: runOptions.seed))
        print("\nA sample (temperature 0.8):\n\n\(prime)\(sample)\n")
        let validation = history.validation.last?.nats ?? .nan
        let outputs = RunOutputs(
            title: "myelin train gpt",
            summary: "A character-level transformer learns to write like \(textURL.lastPathComponent) (\(corpus.ids.count) characters).",
            settings: [("model", "\(c.layers) pre-LN blocks, \(c.heads) heads, width \(c.embedDim), MLP \(c.feedForward), context \(c.context); \(checkpoint.model.parameterCount) parameters"),
                       ("optimizer", "AdamW lr \(recipe.learningRate), weight decay 0.01"),
                       ("batch", "\(recipe.batchSize) random windows × \(c.context) characters"),
                       ("steps", String(recipe.steps)), ("seed", String(recipe.seed))],
            metrics: [("validation loss", String(format: "%.4f nats/char = %.3f bits/char", validation, validation / log(2)))],
            plots: [languageModelCurve(history, title: "GPT loss")],
            texts: [(caption: "A sample (temperature 0.8)", text: prime + sample)])
        print("Wrote:\n" + ([checkpointURL.path] + (try outputs.write(to: folder))).map { "  \($0)" }.joined(separator: "\n"))
        print("Sample more with: myelin sample gpt \(checkpointURL.path) --length 500")
    }
}

/// How `myelin train gpt` trains (W6's recipe): random windows of the text, AdamW. Saved in the
/// checkpoint so that --resume continues with the same settings.
struct GPTRecipe: Codable {
    var configuration: CharGPT.Configuration
    var steps = 2_000
    var batchSize = 32
    var learningRate: Float = 1e-3
    var weightDecay: Float = 0.01
    /// Validation loss and a checkpoint every this many steps (and at the end).
    var evaluationInterval = 500
    var seed: UInt64 = 0
    /// The text's path, so that --resume reads the same one.
    var text: String?

    static let metadataKey = "myelin.recipe"

    init(configuration: CharGPT.Configuration, seed: UInt64) {
        self.configuration = configuration
        self.seed = seed
    }

    /// The recipe a checkpoint was trained with.
    init(metadata: [String: String], path: String) throws {
        guard let json = metadata[Self.metadataKey],
              let recipe = try? JSONDecoder().decode(GPTRecipe.self, from: Data(json.utf8)) else {
            throw CommandError("\(path): it has no training recipe (metadata \(Self.metadataKey)), so it cannot be resumed")
        }
        self = recipe
    }
}

extension LanguageModelHistory: Codable {
    private enum CodingKeys: String, CodingKey { case stepLosses, validationSteps, validationNats }

    init(from decoder: Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        stepLosses = try values.decode([Double].self, forKey: .stepLosses)
        let steps = try values.decode([Int].self, forKey: .validationSteps)
        let nats = try values.decode([Double].self, forKey: .validationNats)
        validation = zip(steps, nats).map { (step: $0, nats: $1) }
    }

    func encode(to encoder: Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(stepLosses, forKey: .stepLosses)
        try values.encode(validation.map(\.step), forKey: .validationSteps)
        try values.encode(validation.map(\.nats), forKey: .validationNats)
    }
}

/// Trains a char-GPT on `corpus` with a progress bar, the validation loss after each evaluation and
/// a checkpoint (model, AdamW state, the window generator, recipe and history) each time. With
/// `resuming`, everything is first restored from that checkpoint and training goes on from the
/// step after it, exactly as if it had not stopped.
func trainGPT(on corpus: TextCorpus, recipe: GPTRecipe, resuming: URL?, checkpointURL: URL) throws
    -> (LanguageModelHistory, CharGPTCheckpoint) {
    manualSeed(recipe.seed)
    let model = CharGPT(recipe.configuration, generator: RandomGenerator(seed: recipe.seed))
    let optimizer = AdamW(model.parameters, learningRate: recipe.learningRate, weightDecay: recipe.weightDecay)
    let windowGenerator = RandomGenerator(seed: recipe.seed &+ 1)
    let windows = RandomWindows(corpus.trainingIDs, batchSize: recipe.batchSize, window: recipe.configuration.context,
                                generator: windowGenerator)
    var checkpoint = CharGPTCheckpoint(model: model, vocabulary: corpus.vocabulary, step: 0)
    let state = { checkpoint.trainingState(optimizer: optimizer, generators: [("windows", windowGenerator)]) }
    var history = LanguageModelHistory(), firstStep = 1
    if let resuming {
        let metadata = try state().restore(from: resuming)
        if let json = metadata["myelin.history"] { history = try JSONDecoder().decode(LanguageModelHistory.self, from: Data(json.utf8)) }
        firstStep = optimizer.stepCount + 1
        checkpoint.step = optimizer.stepCount
        print("Resuming from \(resuming.path) after step \(optimizer.stepCount).")
        guard firstStep <= recipe.steps else {
            throw CommandError("the run in \(resuming.path) already took \(optimizer.stepCount) steps; pass --steps with a larger total to go on")
        }
    }
    removeAbandonedTemporaryFiles(for: checkpointURL)
    var bar = ProgressBar(total: recipe.steps, label: "gpt")
    let vocabulary = corpus.vocabulary.count
    var runningLoss = history.stepLosses.last ?? 0, characters = 0
    let start = Date()
    for step in firstStep...recipe.steps {
        let batch = windows.next()
        let loss = crossEntropy(model(batch.input).reshaped([-1, vocabulary]), batch.target.reshaped([-1]))
        let value = loss.item
        guard value.isFinite else { throw DivergedError(step: step, loss: value) }
        optimizer.zeroGrad()
        loss.backward()
        optimizer.step()
        history.stepLosses.append(Double(value))
        runningLoss = step == 1 ? Double(value) : 0.95 * runningLoss + 0.05 * Double(value)
        characters += batch.target.count
        let speed = Double(characters) / max(Date().timeIntervalSince(start), 1e-9)
        bar.update(step, String(format: "loss %.3f  %.1fk chars/s", runningLoss, speed / 1000))
        if step % recipe.evaluationInterval == 0 || step == recipe.steps {
            let (nats, _) = model.meanLoss(on: corpus.validationIDs, window: recipe.configuration.context)
            history.validation.append((step, nats))
            checkpoint.step = step
            checkpoint.validationLoss = nats
            var metadata = try checkpoint.metadata()
            metadata[GPTRecipe.metadataKey] = String(decoding: try JSONEncoder().encode(recipe), as: UTF8.self)
            metadata["myelin.history"] = String(decoding: try JSONEncoder().encode(history), as: UTF8.self)
            try state().save(to: checkpointURL, metadata: metadata)
            bar.log(String(format: "step %d: validation loss %.4f nats/char = %.3f bits/char (checkpoint saved)",
                           step, nats, nats / log(2)))
        }
    }
    bar.finish(String(format: "loss %.3f", runningLoss))
    return (history, checkpoint)
}
