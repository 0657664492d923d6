import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// What `myelin train gpt` and `myelin train bert` are given: the text, the run's length, the
/// transformer's size, the batch and the rate. A fresh run makes its recipe from them; a resumed
/// run keeps its own, and these may only restate it (or change the length and the rate).
struct CharacterTransformerOptions: ParsableArguments {
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

    func validate() throws {
        try requirePositive(
            ("--steps", steps), ("--context", context), ("--embed-dim", embedDim), ("--heads", heads),
            ("--layers", layers), ("--batch-size", batchSize))
        try requirePositive(learningRate: learningRate)
        if let embedDim, let heads, embedDim % heads != 0 {
            throw ValidationError("--embed-dim \(embedDim) must be a multiple of --heads \(heads)")
        }
    }

    /// Where the run starts: a fresh run's recipe for the text (whose parts must each hold more than
    /// a context), or the resumed run's, which these options may not contradict.
    func start<Model>(_ model: Model.Type, runOptions: RunOptions, checkpointName: String) throws
        -> LanguageModelStart<CharacterTransformerRecipe<Model>>
    {
        try LanguageModelStart<CharacterTransformerRecipe<Model>>(
            options: runOptions, checkpointName: checkpointName, command: Model.commandName, text: text,
            fresh: { corpus, path in
                let width = embedDim ?? 128
                var recipe = CharacterTransformerRecipe<Model>(
                    configuration: .init(
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
    }
}

/// How `myelin train gpt` and `myelin train bert` train (the char-transformer benchmark's recipe): random windows of the
/// text, AdamW. Saved in the checkpoint so that --resume continues with the same settings.
struct CharacterTransformerRecipe<Model: CharacterModel>: LanguageModelRecipe
where Model.Configuration == CharacterTransformer.Configuration {
    var configuration: CharacterTransformer.Configuration
    var steps = 2_000
    var batchSize = 32
    var learningRate: Float = 1e-3
    var weightDecay: Float = 0.01
    var evaluationInterval = 500
    var seed: UInt64 = 0
    var text: String?
    var window: Int { configuration.context }

    init(configuration: CharacterTransformer.Configuration, seed: UInt64) {
        self.configuration = configuration
        self.seed = seed
    }

    /// The AdamW that trains `model` by this recipe.
    func optimizer(for model: Module) -> AdamW {
        AdamW(model.parameters, learningRate: learningRate, weightDecay: weightDecay)
    }
}
