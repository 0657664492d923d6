import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train charrnn`: a character-level recurrent language model learns to write like a text.
struct TrainCharRNN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charrnn",
        abstract: "Train a character-level LSTM (or GRU, or plain RNN) to write like a text.",
        discussion: """
            The network is Embedding 64 → LSTM 256 → Linear, as W4. It learns its text (default: \
            Data/text/shakespeare.txt; --text names another) by truncated backpropagation through time, \
            reports the validation loss in nats and bits per character, saves OUT/charrnn.safetensors at \
            every evaluation and ends with a sample. Continue it with \
            `myelin sample charrnn OUT/charrnn.safetensors`.
            """)

    @Option(help: "Text file to learn (default: the project's Data/text/shakespeare.txt).")
    var text: String?

    @Option(help: "Training steps (default 2000).")
    var steps: Int?

    @Option(help: "Characters per window of backpropagation through time (default 64).")
    var window: Int?

    @Option(help: "Recurrent cell: lstm, gru or rnn (default lstm).")
    var cell: CharRNN.Configuration.Cell?

    @Option(help: "Hidden units per recurrent layer (default 256).")
    var hiddenSize: Int?

    @Option(help: "Recurrent layers (default 1).")
    var layers: Int?

    @Option(help: "Parallel streams of text per step (default 32).")
    var batchSize: Int?

    @Option(help: "Step size of Adam (default 0.002).")
    var learningRate: Float?

    @Option(help: "Folder for the curves and the checkpoint (default: runs/charrnn).")
    var out: String?

    @Option(help: "Random seed: the same seed gives the same run.")
    var seed: UInt64 = 0

    func validate() throws {
        try requirePositive(("--steps", steps), ("--window", window), ("--hidden-size", hiddenSize),
                            ("--layers", layers), ("--batch-size", batchSize))
        try requirePositive(learningRate: learningRate)
    }

    func run() throws {
        let url = try text.map { URL(fileURLWithPath: $0) } ?? TextCorpus.locateShakespeare()
        var recipe = CharRNNRecipe(configuration: .init(vocabularySize: 0), seed: seed)
        recipe.steps = steps ?? recipe.steps
        recipe.window = window ?? recipe.window
        recipe.batchSize = batchSize ?? recipe.batchSize
        recipe.learningRate = learningRate ?? recipe.learningRate
        recipe.evaluationInterval = min(recipe.evaluationInterval, recipe.steps)
        let corpus = try TextCorpus(contentsOf: url, minimumLength: recipe.window + 1)
        // Truncated BPTT cuts the training text into one stream per batch row, each at least 2 characters.
        guard corpus.trainingIDs.count / recipe.batchSize >= 2 else {
            throw CommandError("\(url.path): its training part (\(corpus.trainingIDs.count) characters) is too short for \(recipe.batchSize) streams of text; use --batch-size \(max(1, corpus.trainingIDs.count / 2)) or less")
        }
        recipe.configuration = CharRNN.Configuration(vocabularySize: corpus.vocabulary.count,
                                                     hiddenSize: hiddenSize ?? 256, layers: layers ?? 1,
                                                     cell: cell ?? .lstm)
        let c = recipe.configuration
        print("Text \(url.path): \(corpus.ids.count) characters, \(corpus.vocabulary.count) distinct; \(corpus.trainingIDs.count) to train on, \(corpus.validationIDs.count) to validate.")
        print("Model charrnn: Embedding(\(c.vocabularySize), \(c.embeddingSize)) → \(c.cell.rawValue.uppercased())(\(c.hiddenSize))×\(c.layers) → Linear(\(c.hiddenSize), \(c.vocabularySize)); Adam lr \(recipe.learningRate), gradient norm clipped at \(recipe.clipNorm); \(recipe.batchSize) streams × \(recipe.window) characters per step, \(recipe.steps) steps.")
        let folder = try makeOutputDirectory(out ?? "runs/charrnn")
        let checkpointURL = folder.appendingPathComponent("charrnn.safetensors")
        let (history, checkpoint) = try trainCharRNN(on: corpus, recipe: recipe, checkpointURL: checkpointURL)
        let prime = defaultPrime("ROMEO:", vocabulary: corpus.vocabulary)
        let sample = try sampleText(from: checkpoint, prime: prime, length: 400, sampler: TokenSampler(temperature: 0.8),
                                    generator: RandomGenerator(seed: seed))
        print("\nA sample (temperature 0.8):\n\n\(prime)\(sample)\n")
        let validation = history.validation.last!.nats
        let outputs = RunOutputs(
            title: "myelin train charrnn",
            summary: "A character-level \(c.cell.rawValue.uppercased()) learns to write like \(url.lastPathComponent) (\(corpus.ids.count) characters).",
            settings: [("model", "Embedding(\(c.vocabularySize), \(c.embeddingSize)) → \(c.cell.rawValue.uppercased())(\(c.hiddenSize))×\(c.layers) → Linear; \(checkpoint.model.parameterCount) parameters"),
                       ("optimizer", "Adam lr \(recipe.learningRate), gradient norm clipped at \(recipe.clipNorm)"),
                       ("batch", "\(recipe.batchSize) streams × \(recipe.window) characters (truncated BPTT)"),
                       ("steps", String(recipe.steps)), ("seed", String(seed))],
            metrics: [("validation loss", String(format: "%.4f nats/char = %.3f bits/char", validation, validation / log(2)))],
            plots: [languageModelCurve(history, title: "Char-RNN loss")],
            texts: [(caption: "A sample (temperature 0.8)", text: prime + sample)])
        print("Wrote:\n" + ([checkpointURL.path] + (try outputs.write(to: folder))).map { "  \($0)" }.joined(separator: "\n"))
        let next = defaultPrime("JULIET:", vocabulary: corpus.vocabulary)
        print("Sample more with: myelin sample charrnn \(checkpointURL.path)\(next == "JULIET:" ? " --prime \"JULIET:\"" : "") --length 500")
    }
}

extension CharRNN.Configuration.Cell: ExpressibleByArgument {}
