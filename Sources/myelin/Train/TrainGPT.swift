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
            The network is the char-transformer benchmark's: token and learned position embeddings (128), 4 pre-LN transformer blocks \
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
        try requirePositive(
            ("--steps", steps), ("--context", context), ("--embed-dim", embedDim), ("--heads", heads),
            ("--layers", layers), ("--batch-size", batchSize))
        try requirePositive(learningRate: learningRate)
        if let embedDim, let heads, embedDim % heads != 0 {
            throw ValidationError("--embed-dim \(embedDim) must be a multiple of --heads \(heads)")
        }
    }

    func run() throws {
        let group = try runOptions.processGroup()
        let folder = try runOptions.folder(defaultName: "gpt")
        let checkpointURL = folder.appendingPathComponent(Self.checkpointName)
        let start = try LanguageModelStart<GPTRecipe>(
            options: runOptions, checkpointName: Self.checkpointName, command: "gpt", text: text,
            fresh: { corpus, path in
                let width = embedDim ?? 128
                var recipe = GPTRecipe(
                    configuration: CharGPT.Configuration(
                        vocabularySize: corpus.vocabulary.count, context: context ?? 64, embedDim: width, heads: heads ?? 4,
                        layers: layers ?? 4, feedForward: 4 * width), seed: runOptions.seed)
                recipe.batchSize = batchSize ?? recipe.batchSize
                guard corpus.trainingIDs.count > recipe.window, corpus.validationIDs.count > recipe.window else {
                    throw CommandError(
                        "\(path): its training and validation parts must each hold more than \(recipe.window) characters (the context)")
                }
                guard width % recipe.configuration.heads == 0 else {
                    throw ValidationError("--embed-dim \(width) must be a multiple of --heads \(recipe.configuration.heads)")
                }
                return recipe
            },
            settings: { recipe in
                let c = recipe.configuration
                return [
                    ResumedSetting("--context", given: context, saved: c.context),
                    ResumedSetting("--embed-dim", given: embedDim, saved: c.embedDim),
                    ResumedSetting("--heads", given: heads, saved: c.heads),
                    ResumedSetting("--layers", given: layers, saved: c.layers),
                    ResumedSetting("--batch-size", given: batchSize, saved: recipe.batchSize),
                ]
            },
            steps: steps, learningRate: learningRate)
        let recipe = start.recipe, c = recipe.configuration
        let shard = try group.shard(ofBatch: recipe.batchSize)
        manualSeed(recipe.seed)
        let model = CharGPT(c, generator: RandomGenerator(seed: recipe.seed))
        let task = CharGPTTask(
            model, optimizer: AdamW(model.parameters, learningRate: recipe.learningRate, weightDecay: recipe.weightDecay),
            windowGenerator: RandomGenerator(seed: recipe.seed &+ 1), trainingIDs: start.corpus.trainingIDs,
            validationIDs: start.corpus.validationIDs, batchSize: recipe.batchSize, shard: shard)
        try trainLanguageModel(
            task, checkpoint: CharGPTCheckpoint(model: model, vocabulary: start.corpus.vocabulary), start: start, folder: folder,
            checkpointURL: checkpointURL, group: group, summary: "A character-level transformer",
            settings: [
                (
                    "model",
                    "\(c.layers) pre-LN blocks, \(c.heads) heads, width \(c.embedDim), MLP \(c.feedForward), context \(c.context); \(model.parameterCount) parameters"
                ),
                ("optimizer", "AdamW lr \(recipe.learningRate), weight decay \(recipe.weightDecay)"),
                ("batch", "\(recipe.batchSize) random windows × \(c.context) characters"),
            ])
    }
}

/// How `myelin train gpt` trains (the char-transformer benchmark's recipe): random windows of the text, AdamW. Saved in the
/// checkpoint so that --resume continues with the same settings.
struct GPTRecipe: LanguageModelRecipe {
    typealias Model = CharGPT
    var configuration: CharGPT.Configuration
    var steps = 2_000
    var batchSize = 32
    var learningRate: Float = 1e-3
    var weightDecay: Float = 0.01
    var evaluationInterval = 500
    var seed: UInt64 = 0
    var text: String?
    var window: Int { configuration.context }

    init(configuration: CharGPT.Configuration, seed: UInt64) {
        self.configuration = configuration
        self.seed = seed
    }
}
