import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train bert`: a character-level BERT learns to fill in the hidden characters of a text,
/// measured against two baselines that know only how often each character occurs.
struct TrainBERT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bert",
        abstract: "Train a small bidirectional transformer (BERT) to fill in hidden characters of a text (a masked language model).",
        discussion: """
            The network is the GPT's (token and learned position embeddings of 128, 4 pre-LN transformer blocks with \
            4 heads and a 512-wide GELU MLP, a final LayerNorm and a linear head), but every position attends to the \
            whole window, and one more token id, [MASK], follows the characters'. Each step takes --batch-size random \
            windows of --context characters of the text (default: Data/text/shakespeare.txt) and hides 15% of each \
            by BERT's rule — of the chosen characters 80% become [MASK], 10% a random character, 10% stay — and learns \
            the chosen ones only; AdamW lr 0.001. Every 500 steps it reports the masked-character accuracy on the \
            validation text (the last 10%, masked once, the same positions every time) beside the majority-class and \
            unigram baselines on those positions, and saves OUT/bert.safetensors, which holds everything --resume needs. \
            Fill blanks with `myelin fill OUT/bert.safetensors "To be, or not to _e"`.
            """,
        aliases: ["masked-lm"])

    @OptionGroup var options: CharacterTransformerOptions
    @OptionGroup var runOptions: RunOptions

    static let checkpointName = "bert.safetensors"

    func run() throws {
        guard !(try runOptions.processGroup().isDistributed) else {
            throw CommandError(
                "myelin train bert trains on one process only: run it without mpirun (myelin train gpt trains data-parallel)")
        }
        let folder = try runOptions.folder(defaultName: "bert")
        let checkpointURL = folder.appendingPathComponent(Self.checkpointName)
        let start = try options.start(CharBERT.self, runOptions: runOptions, checkpointName: Self.checkpointName)
        let recipe = start.recipe, c = recipe.configuration, corpus = start.corpus
        manualSeed(recipe.seed)
        let model = CharBERT(c, generator: RandomGenerator(seed: recipe.seed))
        let task = CharBERTTask(
            model, optimizer: recipe.optimizer(for: model),
            windowGenerator: RandomGenerator(seed: recipe.seed &+ 1), trainingIDs: corpus.trainingIDs,
            validationIDs: corpus.validationIDs, batchSize: recipe.batchSize)
        let targets = task.validationTargets
        let baselines = MaskedCharacterBaselines(trainingIDs: corpus.trainingIDs, vocabularySize: c.vocabularySize, targets: targets)
        let majority = corpus.vocabulary.decode([baselines.majorityCharacter]).debugDescription
        print(
            "Validation: \(task.validation.reduce(0) { $0 + $1.input.shape[0] }) windows of \(c.context), \(targets.count) chosen characters; "
                + "baselines on them: always \(majority) \(Self.figure(baselines.majorityAccuracy)), unigram \(Self.figure(baselines.unigramAccuracy))."
        )
        let checkpoint = CharBERTCheckpoint(model: model, vocabulary: corpus.vocabulary)
        let example = FillExample(corpus, maximumLength: c.context)
        let settings = [
            (
                "model",
                "\(c.layers) pre-LN blocks, \(c.heads) heads attending both ways, width \(c.embedDim), MLP \(c.feedForward), context \(c.context), \(c.vocabularySize) characters + [MASK]; \(model.parameterCount) parameters"
            ),
            (
                "masking",
                "BERT's: \(BERTMasking.selectedCount(window: c.context)) of every \(c.context) characters chosen; of them 80% [MASK], 10% random, 10% kept"
            ),
            ("optimizer", "AdamW lr \(recipe.learningRate), weight decay \(recipe.weightDecay)"),
            ("batch", "\(recipe.batchSize) random windows × \(c.context) characters"),
            ("steps", String(recipe.steps)), ("seed", String(recipe.seed)),
        ]
        print("Model bert: " + settings.prefix(4).map(\.1).joined(separator: "; ") + "; \(recipe.steps) steps.")
        var filled: String?
        let report = ReportWriter(to: folder) { trainer in
            filled = try example.map { try checkpoint.fill($0.blanked, blank: $0.blank) }
            return RunOutputs(
                title: "myelin train bert",
                summary:
                    "A character-level BERT learns to fill in hidden characters of \(start.textURL.lastPathComponent) (\(corpus.ids.count) characters), against two baselines that know only how often each character occurs.",
                settings: settings,
                metrics: Self.accuracyTable(trainer.history, baselines: baselines).map { ($0.name, String(format: "%.4f", $0.value)) }
                    + [
                        ("majority character", majority),
                        ("validation masked loss (nats)", Self.figure(trainer.history.last("validation masked loss"))),
                    ],
                plots: [
                    RunPlot(name: "loss", plot: maskedLossPlot(trainer.history)),
                    RunPlot(name: "accuracy", plot: maskedAccuracyPlot(trainer.history, baselines: baselines)),
                ],
                texts: example.map {
                    [(caption: "A validation line's blanks, filled one at a time from left to right, and the line", text: $0.shown(filled))]
                }
                    ?? [])
        }
        let (trainer, written) = try trainRun(
            task, length: .steps(recipe.steps), every: .steps(recipe.evaluationInterval), recipe: recipe,
            metadata: try checkpoint.metadata(), checkpoint: checkpointURL,
            progress: ProgressLogger(label: "bert", speed: .samples("chars")), report: report,
            resuming: start.saved, newLearningRate: start.learningRateGiven)
        print("\nMasked characters of the validation text (\(targets.count) positions), accuracy:")
        for (name, value) in Self.accuracyTable(trainer.history, baselines: baselines) {
            print("  \(name.padding(toLength: 28, withPad: " ", startingAt: 0)) \(Self.figure(value))")
        }
        if let example {
            print("\nA validation line's blanks, filled one at a time from left to right, and the line:\n\(example.shown(filled))\n")
        }
        printWritten(written)
        if let example {
            let option = example.blank == "_" ? "" : " --blank \"\(example.blank)\""
            print("Fill blanks with: myelin fill \(checkpointURL.path) \"\(example.blanked)\"\(option)")
        }
        print("Train further with: myelin train bert --resume \(folder.path) --steps \(recipe.steps * 2)")
    }

    /// The model's masked accuracy beside the baselines', as printed and in results.json.
    static func accuracyTable(_ history: TrainingHistory, baselines: MaskedCharacterBaselines) -> [(name: String, value: Double)] {
        [
            ("model masked accuracy", history.last("validation masked accuracy") ?? .nan),
            ("model accuracy at [MASK]", history.last("validation accuracy at [MASK]") ?? .nan),
            ("majority baseline accuracy", baselines.majorityAccuracy),
            ("unigram baseline accuracy", baselines.unigramAccuracy),
        ]
    }

    static func figure(_ value: Double?) -> String { String(format: "%.4f", value ?? .nan) }
}

/// A line of the text trained on with some characters blanked, for the report and the suggested
/// `myelin fill`: the first whole validation line of 24 to `maximumLength` characters, with
/// max(1, round(0.15·n)) of its n characters, chosen by a generator of seed 0, replaced by the blank
/// `_` (or the first of `#@^~|*` when the text has `_`).
struct FillExample {
    let line: String
    let blanked: String
    let blank: Unicode.Scalar

    init?(_ corpus: TextCorpus, maximumLength: Int) {
        guard maximumLength >= 24, let line = corpus.firstValidationLine(lengths: 24...maximumLength),
            let blank = "_#@^~|*".unicodeScalars.first(where: { corpus.vocabulary.id(of: $0) == nil })
        else { return nil }
        var scalars = Array(line.unicodeScalars)
        let positions = RandomGenerator(seed: 0).permutation(scalars.count).prefix(BERTMasking.selectedCount(window: scalars.count))
        for p in positions { scalars[p] = blank }
        self.line = line
        self.blanked = String(String.UnicodeScalarView(scalars))
        self.blank = blank
    }

    /// The blanked line, the same `filled` and the line itself, one under the other.
    func shown(_ filled: String?) -> String { "\(blanked)\n\(filled ?? "")\n\(line)" }
}

/// The training loss per step and the validation masked loss per evaluation, in nats per chosen character.
func maskedLossPlot(_ history: TrainingHistory) -> LinePlot {
    LinePlot(
        title: "char-BERT loss", xLabel: "step", yLabel: "nats per masked character",
        series: [
            LinePlot.Series(name: "training (per batch)", values: history.values("loss")),
            LinePlot.Series(
                name: "validation", points: history.points("validation masked loss").map { (x: Double($0.step), y: $0.value) }),
        ])
}

/// The masked accuracy per evaluation beside the two baselines' (flat: they do not learn).
func maskedAccuracyPlot(_ history: TrainingHistory, baselines: MaskedCharacterBaselines) -> LinePlot {
    LinePlot.evaluations(
        of: "validation masked accuracy", in: history, label: "char-BERT",
        references: [("majority class", baselines.majorityAccuracy), ("unigram (expected)", baselines.unigramAccuracy)],
        title: "Validation masked accuracy", yLabel: "accuracy on the masked characters")
}
