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
            The network is Embedding 64 → LSTM 256 → Linear, as in the char-LSTM benchmark. It learns its text (default: \
            Data/text/shakespeare.txt; --text names another) by truncated backpropagation through time, \
            reports the validation loss in nats and bits per character, saves OUT/charrnn.safetensors at \
            every evaluation (with everything --resume needs) and ends with a sample. Continue it with \
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

    @OptionGroup var runOptions: RunOptions

    static let checkpointName = "charrnn.safetensors"

    func validate() throws {
        try requirePositive(
            ("--steps", steps), ("--window", window), ("--hidden-size", hiddenSize),
            ("--layers", layers), ("--batch-size", batchSize))
        try requirePositive(learningRate: learningRate)
    }

    func run() throws {
        guard !(try runOptions.processGroup().isDistributed) else {
            throw CommandError(
                "myelin train charrnn carries its hidden state from one batch to the next, so it trains on one process only: run it without mpirun (myelin train gpt trains data-parallel)"
            )
        }
        let folder = try runOptions.folder(defaultName: "charrnn")
        let checkpointURL = folder.appendingPathComponent(Self.checkpointName)
        let start = try LanguageModelStart<CharRNNRecipe>(
            options: runOptions, checkpointName: Self.checkpointName, command: "charrnn", text: text,
            fresh: { corpus, path in
                var recipe = CharRNNRecipe(
                    configuration: CharRNN.Configuration(
                        vocabularySize: corpus.vocabulary.count, hiddenSize: hiddenSize ?? 256, layers: layers ?? 1,
                        cell: cell ?? .lstm), seed: runOptions.seed)
                recipe.window = window ?? recipe.window
                recipe.batchSize = batchSize ?? recipe.batchSize
                guard corpus.validationIDs.count > recipe.window else {
                    throw CommandError(
                        "\(path): its validation part (\(corpus.validationIDs.count) characters) must hold more than a window of \(recipe.window); use a longer text or a smaller --window"
                    )
                }
                // Truncated BPTT cuts the training text into one stream per batch row, each a window and its target.
                guard corpus.trainingIDs.count / recipe.batchSize >= 2 else {
                    throw CommandError(
                        "\(path): its training part (\(corpus.trainingIDs.count) characters) is too short for \(recipe.batchSize) streams of text; use --batch-size \(max(1, corpus.trainingIDs.count / 2)) or less"
                    )
                }
                return recipe
            },
            settings: { recipe in
                let c = recipe.configuration
                return [
                    ResumedSetting("--window", given: window, saved: recipe.window),
                    ResumedSetting("--cell", given: cell?.rawValue, saved: c.cell.rawValue),
                    ResumedSetting("--hidden-size", given: hiddenSize, saved: c.hiddenSize),
                    ResumedSetting("--layers", given: layers, saved: c.layers),
                    ResumedSetting("--batch-size", given: batchSize, saved: recipe.batchSize),
                ]
            },
            steps: steps, learningRate: learningRate)
        let recipe = start.recipe, c = recipe.configuration
        manualSeed(recipe.seed)
        let modelGenerator = RandomGenerator(seed: recipe.seed)  // initial weights, then dropout between layers
        let model = CharRNN(c, generator: modelGenerator)
        let task = CharRNNTask(
            model, optimizer: Adam(model.parameters, learningRate: recipe.learningRate), generator: modelGenerator,
            trainingIDs: start.corpus.trainingIDs, validationIDs: start.corpus.validationIDs,
            batchSize: recipe.batchSize, window: recipe.window, clipNorm: recipe.clipNorm)
        try trainLanguageModel(
            task,
            checkpoint: CharRNNCheckpoint(model: model, vocabulary: start.corpus.vocabulary, prime: start.corpus.samplePrime()),
            start: start, folder: folder,
            checkpointURL: checkpointURL, summary: "A character-level \(c.cell.rawValue.uppercased())",
            settings: [
                (
                    "model",
                    "Embedding(\(c.vocabularySize), \(c.embeddingSize)) → \(c.cell.rawValue.uppercased())(\(c.hiddenSize))×\(c.layers) → Linear; \(model.parameterCount) parameters"
                ),
                ("optimizer", "Adam lr \(recipe.learningRate), gradient norm clipped at \(recipe.clipNorm)"),
                ("batch", "\(recipe.batchSize) streams × \(recipe.window) characters (truncated BPTT)"),
            ])
    }
}

/// How `myelin train charrnn` trains: truncated backpropagation through time over `batchSize`
/// parallel streams of the text, `window` characters at a time, the state carried from one window
/// to the next; Adam with the gradient norm clipped at 5 (the char-LSTM benchmark's recipe). Saved
/// in the checkpoint so that --resume continues with the same settings.
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

extension CharRNN.Configuration.Cell: ExpressibleByArgument {}
