import Foundation
import Myelin
import MyelinModels

/// What the language-model commands share about a recipe.
protocol LanguageModelRecipe: RunRecipe {
    associatedtype Model: CharacterModel
    var configuration: Model.Configuration { get }
    var steps: Int { get set }
    /// Validation loss and a checkpoint every this many steps (and at the end).
    var evaluationInterval: Int { get set }
    /// Characters per validation window.
    var window: Int { get }
    /// The text's path, so that --resume reads the same one.
    var text: String? { get set }
}

/// Trains a language model's `task` as `recipe` says, through the Trainer: one progress bar for
/// the run (characters/s), the validation loss and a checkpoint of the whole run (with
/// `checkpoint`'s configuration, vocabulary and prime, and the recipe) every `evaluationInterval` steps
/// and at the end, then report.html with the curve and a sample that starts from the checkpoint's
/// prime. With `start.resuming`, the run goes on from that checkpoint exactly.
func trainLanguageModel<Recipe: LanguageModelRecipe, Task: TrainingTask>(
    _ task: Task, checkpoint: LanguageModelCheckpoint<Recipe.Model>, start: LanguageModelStart<Recipe>, folder: URL,
    checkpointURL: URL, group: ProcessGroup = .single, summary: String, settings: [(String, String)]
) throws where Recipe.Model: CharacterLanguageModel {
    typealias Model = Recipe.Model
    let recipe = start.recipe, seed = recipe.seed
    print("Model \(Model.commandName): " + settings.map(\.1).joined(separator: "; ") + "; \(recipe.steps) steps.")
    let prime = checkpoint.defaultPrime
    var sample = ""
    let report = ReportWriter(to: folder) { trainer in
        sample = try checkpoint.continuation(
            of: prime, length: 400, sampler: TokenSampler(temperature: 0.8),
            generator: RandomGenerator(seed: seed))
        let validation = trainer.history.last("validation loss") ?? .nan
        return RunOutputs(
            title: "myelin train \(Model.commandName)",
            summary: "\(summary) learns to write like \(start.textURL.lastPathComponent) (\(start.corpus.ids.count) characters).",
            settings: settings + [("steps", String(recipe.steps)), ("seed", String(seed))],
            metrics: [("validation loss", String(format: "%.4f nats/char = %.3f bits/char", validation, validation / log(2)))],
            plots: [languageModelCurve(trainer.history, title: "\(Model.displayName) loss")],
            texts: [(caption: "A sample (temperature 0.8)", text: prime + sample)])
    }
    let (_, written) = try trainRun(
        task, length: .steps(recipe.steps), every: .steps(recipe.evaluationInterval), recipe: recipe,
        metadata: try checkpoint.metadata(), checkpoint: checkpointURL,
        progress: ProgressLogger(label: Model.commandName, speed: .samples("chars")), report: report,
        resuming: start.saved, newLearningRate: start.learningRateGiven, group: group)
    print("\nA sample (temperature 0.8):\n\n\(prime)\(sample)\n")
    printWritten(written)
    print(
        "Sample more with: myelin sample \(Model.commandName) \(checkpointURL.path) --length 500   (it starts from \(prime.debugDescription) too)"
    )
    print("Train further with: myelin train \(Model.commandName) --resume \(folder.path) --steps \(recipe.steps * 2)")
}

/// The training loss per step and the validation loss per evaluation, in bits per character.
func languageModelCurve(_ history: TrainingHistory, title: String) -> RunPlot {
    let log2 = Foundation.log(2.0)
    return RunPlot(
        name: "loss",
        plot: LinePlot(
            title: title, xLabel: "step", yLabel: "bits per character",
            series: [
                LinePlot.Series(name: "training (per window)", values: history.values("loss").map { $0 / log2 }),
                LinePlot.Series(
                    name: "validation", points: history.points("validation loss").map { (x: Double($0.step), y: $0.value / log2) }),
            ]))
}

/// A language-model run's starting point: the recipe (a fresh run's from its options, a resumed
/// run's from its checkpoint) and the text, checked to hold the characters the model was trained on.
struct LanguageModelStart<Recipe: LanguageModelRecipe> {
    var recipe: Recipe
    var corpus: TextCorpus
    var textURL: URL
    /// The checkpoint to continue from, for a resumed run.
    var saved: SavedRun?
    /// Whether --learning-rate was given (on resume it replaces the saved rate).
    var learningRateGiven: Bool

    /// `fresh` makes a new run's recipe for the text; `settings` lists the options that shape a
    /// run beside a saved recipe's values (a resumed run refuses changes to them); `steps` and
    /// `learningRate`, the options that may change on resume, apply to either.
    init(
        options: RunOptions, checkpointName: String, command: String, text: String?,
        fresh: (TextCorpus, String) throws -> Recipe, settings: (Recipe) -> [ResumedSetting],
        steps: Int?, learningRate: Float?
    ) throws {
        learningRateGiven = learningRate != nil
        saved = try options.savedRun(named: checkpointName, format: Recipe.Model.checkpointFormat, command: command)
        if let saved {
            let model = try LanguageModelCheckpoint<Recipe.Model>(file: saved.file, path: saved.url.path)
            recipe = try options.resumedRecipe(
                Recipe.self, of: saved,
                settings: { recipe in
                    [ResumedSetting("--text", given: text.map { URL(fileURLWithPath: $0).path }, saved: recipe.text ?? "")]
                        + settings(recipe)
                }, learningRate: learningRate)
            textURL = try recipe.text.map { URL(fileURLWithPath: $0) } ?? TextCorpus.locateShakespeare()
            corpus = try TextCorpus(contentsOf: textURL, minimumLength: recipe.window + 1)
            guard model.vocabulary == corpus.vocabulary else {
                throw CommandError(
                    "\(textURL.path) no longer has the characters the run in \(saved.url.path) was trained on; resume with the same text")
            }
        } else {
            textURL = try text.map { URL(fileURLWithPath: $0) } ?? TextCorpus.locateShakespeare()
            corpus = try TextCorpus(contentsOf: textURL, minimumLength: 2)
            recipe = try fresh(corpus, textURL.path)
            recipe.text = textURL.path
            recipe.learningRate = learningRate ?? recipe.learningRate
        }
        recipe.steps = steps ?? recipe.steps
        print(
            "Text \(textURL.path): \(corpus.ids.count) characters, \(corpus.vocabulary.count) distinct; \(corpus.trainingIDs.count) to train on, \(corpus.validationIDs.count) to validate."
        )
    }
}
