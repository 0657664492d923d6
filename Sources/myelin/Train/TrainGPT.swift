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

    @OptionGroup var options: CharacterTransformerOptions
    @OptionGroup var runOptions: RunOptions

    static let checkpointName = "gpt.safetensors"

    func run() throws {
        let group = try runOptions.processGroup()
        let folder = try runOptions.folder(defaultName: "gpt")
        let checkpointURL = folder.appendingPathComponent(Self.checkpointName)
        let start = try options.start(CharGPT.self, runOptions: runOptions, checkpointName: Self.checkpointName)
        let recipe = start.recipe, c = recipe.configuration
        let shard = try group.shard(ofBatch: recipe.batchSize)
        manualSeed(recipe.seed)
        let model = CharGPT(c, generator: RandomGenerator(seed: recipe.seed))
        let task = CharGPTTask(
            model, optimizer: recipe.optimizer(for: model),
            windowGenerator: RandomGenerator(seed: recipe.seed &+ 1), trainingIDs: start.corpus.trainingIDs,
            validationIDs: start.corpus.validationIDs, batchSize: recipe.batchSize, shard: shard)
        try trainLanguageModel(
            task,
            checkpoint: CharGPTCheckpoint(model: model, vocabulary: start.corpus.vocabulary, prime: start.corpus.samplePrime()),
            start: start, folder: folder,
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
