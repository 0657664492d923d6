import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train seq2seq`: an LSTM encoder–decoder learns to translate dates written the ways people
/// write them into ISO dates, or numbers between words and digits; with or without attention.
struct TrainSeq2Seq: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seq2seq",
        abstract: "Train an LSTM encoder–decoder to translate dates into ISO dates, or numbers between words and digits.",
        discussion: """
            --task dates: a day of 1950–2049 written one of 16 ways ("3 March 2015", "Tuesday, March 3, 2015", \
            "03/03/15", "March 3rd, 2015", …) → "2015-03-03", character by character. --task numbers: \
            "three hundred and forty-two" → "342" (words in, digits out), or with --direction to-words the \
            reverse. The training pairs are drawn afresh for every step; a test set of 2,000 dates or numbers \
            that training never sees is fixed for every run. The encoder is a bidirectional LSTM \
            (--unidirectional for one direction) whose final states are the summary vector the decoder starts \
            from; with --attention the decoder also attends to every source token (Bahdanau's additive score, \
            or Luong's dot product with --score dot). Every --evaluate-every steps it translates the test set \
            and saves OUT/seq2seq.safetensors (continue with --resume OUT). At the end it prints the exact-match \
            accuracy by source length (--compare RUN puts another run's beside it) and writes attention.png, \
            report.html and results.json. Translate with `myelin translate OUT "3 March 2015"`.
            """)

    enum Task: String, ExpressibleByArgument, CaseIterable { case dates, numbers }
    enum Direction: String, ExpressibleByArgument, CaseIterable {
        case toDigits = "to-digits"
        case toWords = "to-words"
    }
    enum Score: String, ExpressibleByArgument, CaseIterable { case additive, dot }

    @Option(help: "What to translate: dates (into ISO dates) or numbers (between words and digits). Default: dates.")
    var task: Task?

    @Option(help: "For --task numbers: to-digits (\"forty-two\" → \"42\", the default) or to-words.")
    var direction: Direction?

    @Flag(help: "Let the decoder attend to every source token, not only to the encoder's summary vector.")
    var attention = false

    @Option(help: "With --attention: additive (Bahdanau, the default) or dot (Luong).")
    var score: Score?

    @Flag(help: "Encode the source in one direction only (the default reads it both ways).")
    var unidirectional = false

    @Option(help: "LSTM width per encoder direction; the decoder is as wide as the encoder's outputs (default 64).")
    var hiddenSize: Int?

    @Option(help: "Width of the token embeddings (default 32).")
    var embeddingSize: Int?

    @Option(help: "Training steps in all (default 3000; with --resume, where the run ends).")
    var steps: Int?

    @Option(help: "Translation pairs per step (default 64).")
    var batchSize: Int?

    @Option(help: "Step size of Adam (default 0.002).")
    var learningRate: Float?

    @Option(help: "Test-set translation and a checkpoint every this many steps (default 500).")
    var evaluateEvery: Int?

    @Option(help: "Beam width for the test set's final translation, beside greedy decoding (default 5).")
    var beam = 5

    @Option(
        help: ArgumentHelp(
            "Another seq2seq run's folder, whose exact-match accuracies by length are shown beside this run's.", valueName: "folder"))
    var compare: String?

    @OptionGroup var runOptions: RunOptions

    static let checkpointName = "seq2seq.safetensors"

    func validate() throws {
        try requirePositive(
            ("--hidden-size", hiddenSize), ("--embedding-size", embeddingSize), ("--steps", steps), ("--batch-size", batchSize),
            ("--evaluate-every", evaluateEvery), ("--beam", beam))
        try requirePositive(learningRate: learningRate)
        if direction != nil && task != .numbers { throw ValidationError("--direction goes with --task numbers") }
        if score != nil && !attention { throw ValidationError("--score chooses the attention's score: give --attention too") }
    }

    /// The translation task the options name.
    var pairsTask: TranslationPairs.Task? {
        task.map { $0 == .dates ? .dates : direction == .toWords ? .digitsToWords : .wordsToDigits }
    }

    func run() throws {
        let group = try runOptions.processGroup()
        let saved = try runOptions.savedRun(named: Self.checkpointName, format: Seq2Seq.checkpointFormat, command: "seq2seq")
        let recipe = try settings(resuming: saved)
        let folder = try runOptions.folder(defaultName: "seq2seq")
        let other = try compare.map { try ComparedRun(folder: $0) }
        let pairs = TranslationPairs(recipe.task)
        let c = Seq2Seq.Configuration(
            sourceVocabularySize: pairs.sourceVocabulary.count, targetVocabularySize: pairs.targetVocabulary.count,
            embeddingSize: recipe.embeddingSize, hiddenSize: recipe.hiddenSize, bidirectional: recipe.bidirectional,
            attention: recipe.attention)
        let unit = pairs.sourceLevel.unitName
        print(
            "Task \(recipe.task.rawValue): \(pairs.sourceLevel.rawValue) → \(pairs.targetLevel.rawValue) (\(pairs.sourceVocabulary.count) and \(pairs.targetVocabulary.count) tokens with <pad> <unk> <s> </s>); \(pairs.test.count) held-out test pairs, training pairs drawn afresh each step."
        )
        manualSeed(recipe.seed)
        let model = Seq2Seq(c, generator: RandomGenerator(seed: recipe.seed))
        let task = Seq2SeqTask(
            model, pairs: pairs, optimizer: Adam(model.parameters, learningRate: recipe.learningRate),
            generator: RandomGenerator(seed: recipe.seed &+ 1), batchSize: recipe.batchSize, clipNorm: recipe.clipNorm,
            shard: try group.shard(ofBatch: recipe.batchSize))
        let summary = Self.describe(c) + "; \(model.parameterCount) parameters"
        print(
            "Model: \(summary); Adam lr \(recipe.learningRate), batch \(recipe.batchSize), clip \(recipe.clipNorm), \(recipe.steps) steps.")

        var final: Seq2SeqResults?
        let report = ReportWriter(to: folder) { trainer in
            let results = Seq2SeqResults(translator: task.translator, pairs: pairs, beam: beam)
            final = results
            return RunOutputs(
                title: "myelin train seq2seq",
                summary:
                    "An LSTM encoder–decoder learns \(Self.describe(recipe.task)), and is scored on \(pairs.test.count) held-out pairs.",
                settings: [
                    ("task", recipe.task.rawValue), ("model", summary), ("attention", c.attention.rawValue),
                    ("optimizer", "Adam lr \(recipe.learningRate), gradient norm clipped at \(recipe.clipNorm)"),
                    ("batch size", String(recipe.batchSize)), ("steps", String(recipe.steps)), ("seed", String(recipe.seed)),
                ],
                metrics: results.metrics(unit: unit) + [("training time (s)", String(format: "%.1f", trainer.progress.seconds))],
                plots: trainer.history.standardPlots(),
                pictures: results.attentionPicture.map {
                    [
                        RunPicture(
                            name: "attention",
                            caption:
                                "what the decoder attended to: a row per output token (and the end), a column per source \(unit), brighter = more weight",
                            image: $0)
                    ]
                } ?? [],
                texts: [(caption: "Translations of test pairs (greedy)", text: results.examples)])
        }
        let (trainer, written) = try trainRun(
            task, length: .steps(recipe.steps), every: .steps(recipe.evaluationInterval), recipe: recipe,
            metadata: task.translator.metadata,
            checkpoint: folder.appendingPathComponent(Self.checkpointName),
            progress: ProgressLogger(label: "seq2seq", speed: .samples("pairs"), shown: ["loss"]), report: report, resuming: saved,
            newLearningRate: learningRate != nil, group: group)
        guard let results = final else { return }
        print("\nTrained \(trainer.progress.step) steps" + String(format: " in %.1f s.", trainer.progress.seconds))
        print(results.table(unit: unit, name: "attention: \(c.attention.rawValue)", compared: other))
        print("\n\(results.examples)")
        printWritten(written)
        print("Translate with: myelin translate \(folder.path) \"\(pairs.test[0].source)\"")
    }

    static func describe(_ task: TranslationPairs.Task) -> String {
        switch task {
        case .dates: "to write dates as ISO dates, character by character"
        case .wordsToDigits: "to write numbers in words as digits (words in, characters out)"
        case .digitsToWords: "to write numbers in digits as words (characters in, words out)"
        }
    }

    static func describe(_ c: Seq2Seq.Configuration) -> String {
        let encoder = "\(c.bidirectional ? "bidirectional " : "")LSTM encoder \(c.hiddenSize)\(c.bidirectional ? "×2" : "")"
        let attention =
            switch c.attention {
            case .none: "no attention"
            case .additive: "additive attention (\(c.attentionSize))"
            case .dot: "dot-product attention"
            }
        return "embeddings \(c.embeddingSize), \(encoder), LSTM decoder \(c.decoderSize), \(attention)"
    }

    /// The recipe: a fresh run's from the options, a resumed run's from its checkpoint (whose
    /// settings an option may not contradict), with a new length and learning rate applied.
    private func settings(resuming saved: SavedRun?) throws -> Seq2SeqRecipe {
        guard let saved else {
            var recipe = Seq2SeqRecipe(task: pairsTask ?? .dates, seed: runOptions.seed)
            recipe.attention = attention ? (score == .dot ? .dot : .additive) : .none
            recipe.bidirectional = !unidirectional
            recipe.hiddenSize = hiddenSize ?? recipe.hiddenSize
            recipe.embeddingSize = embeddingSize ?? recipe.embeddingSize
            recipe.batchSize = batchSize ?? recipe.batchSize
            recipe.learningRate = learningRate ?? recipe.learningRate
            recipe.evaluationInterval = evaluateEvery ?? recipe.evaluationInterval
            recipe.steps = steps ?? recipe.steps
            return recipe
        }
        var recipe = try runOptions.resumedRecipe(
            Seq2SeqRecipe.self, of: saved,
            settings: { [self] other in
                [
                    ResumedSetting("--task/--direction", given: pairsTask?.rawValue, saved: other.task.rawValue),
                    ResumedSetting(
                        "--attention/--score", given: attention ? (score ?? .additive).rawValue : nil, saved: other.attention.rawValue),
                    ResumedSetting("--unidirectional", given: unidirectional ? true : nil, saved: !other.bidirectional),
                    ResumedSetting("--hidden-size", given: hiddenSize, saved: other.hiddenSize),
                    ResumedSetting("--embedding-size", given: embeddingSize, saved: other.embeddingSize),
                    ResumedSetting("--batch-size", given: batchSize, saved: other.batchSize),
                    ResumedSetting("--evaluate-every", given: evaluateEvery, saved: other.evaluationInterval),
                ]
            }, learningRate: learningRate)
        recipe.steps = steps ?? recipe.steps
        return recipe
    }
}

/// How `myelin train seq2seq` trains. The checkpoint keeps it (metadata `myelin.recipe`), so a
/// resumed run goes on with the settings it started with.
struct Seq2SeqRecipe: RunRecipe, Equatable {
    var task: TranslationPairs.Task
    var attention = Seq2Seq.Attention.none
    var bidirectional = true
    var hiddenSize = 64
    var embeddingSize = 32
    /// The step to stop after (a resumed run may be given a later one).
    var steps = 3000
    var batchSize = 64
    var learningRate: Float = 2e-3
    var clipNorm: Float = 1
    var evaluationInterval = 500
    var seed: UInt64 = 0

    init(task: TranslationPairs.Task, seed: UInt64) {
        self.task = task
        self.seed = seed
    }
}
