import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train word2vec`: word vectors learned from a text by skip-gram or CBOW with negative
/// sampling, then the nearest neighbours of a few words, a map of chosen words and the vectors in
/// word2vec's text format.
struct TrainWord2Vec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "word2vec",
        abstract: "Learn word vectors from a text (word2vec: skip-gram or CBOW with negative sampling).",
        discussion: """
            The text (default: Data/text/shakespeare.txt; --text names another) is cut into sentences of \
            lowercased words; words seen fewer than --min-count times are left out. Each step learns from about \
            --words-per-batch words of whole sentences, as word2vec.c does: frequent words are subsampled, each \
            word's context reaches a drawn 1…--window words either side, and every prediction tells the word \
            from --negative noise words; the learning rate falls linearly to --min-learning-rate by the end. \
            With --threads above 1 the threads update the vectors without locks (Hogwild, as word2vec.c and \
            gensim do), so runs differ slightly; --threads 1 gives the same vectors every time. Afterwards it \
            prints each --neighbors word's nearest words, and OUT gets vectors.txt (word2vec's text format, which \
            gensim's KeyedVectors.load_word2vec_format reads), word-map.png (the --map words on their first two \
            principal components), the loss curve, report.html, results.json and word2vec.safetensors, saved \
            after every epoch (continue with --resume OUT). Then try `myelin neighbors OUT/word2vec.safetensors \
            WORD` and `myelin analogy OUT/word2vec.safetensors king man woman`.
            """)

    @Option(help: "Text file to learn from (default: the project's Data/text/shakespeare.txt).")
    var text: String?

    @Option(help: "skipgram (each context word predicts the word, the default) or cbow (their mean predicts it).")
    var architecture: Word2Vec.Architecture?

    @Option(help: "Length of each word vector (default 100).")
    var dimensions: Int?

    @Option(help: "The widest context, in words on either side (default 5).")
    var window: Int?

    @Option(help: "Noise words per prediction (default 5).")
    var negative: Int?

    @Option(help: "Words seen fewer times are left out (default 5).")
    var minCount: Int?

    @Option(help: "Subsampling threshold: words more frequent than this share are kept less often (default 0.001; 0: keep all).")
    var sample: Double?

    @Option(help: "Passes over the text (default 5; with --resume, the epoch to stop after).")
    var epochs: Int?

    @Option(help: "The learning rate at the start (default 0.025).")
    var learningRate: Float?

    @Option(help: "The learning rate at the end, reached linearly (default 0.0001).")
    var minLearningRate: Float?

    @Option(help: "Words per step, in whole sentences (default 10000).")
    var wordsPerBatch: Int?

    @Option(help: "Threads (default: one per core). More than 1 updates without locks, so runs differ slightly.")
    var threads: Int?

    @Option(help: "Words whose nearest neighbours are printed, comma-separated.")
    var neighbors = "king,love,death,night,sword,father"

    @Option(help: "Words drawn on the map of the first two principal components, comma-separated.")
    var map = "king,queen,lord,lady,man,woman,father,mother,son,daughter,brother,sister,husband,wife,he,she"

    @Option(
        help: ArgumentHelp(
            "Also write the text's sentences to this file as trained on: one a line, words separated by spaces.", valueName: "file"))
    var saveSentences: String?

    @OptionGroup var runOptions: RunOptions

    static let checkpointName = "word2vec.safetensors"

    func validate() throws {
        try requirePositive(
            ("--dimensions", dimensions), ("--window", window), ("--min-count", minCount), ("--epochs", epochs),
            ("--words-per-batch", wordsPerBatch), ("--threads", threads))
        try requirePositive(learningRate: learningRate)
        if let negative, !(0...Word2Vec.maximumNegative).contains(negative) {
            throw ValidationError("--negative must be 0…\(Word2Vec.maximumNegative), got \(negative)")
        }
        if let dimensions, dimensions > 4096 { throw ValidationError("--dimensions must be at most 4096, got \(dimensions)") }
        if let window, window > 1000 { throw ValidationError("--window must be at most 1000, got \(window)") }
        if let sample, !(sample >= 0 && sample.isFinite) { throw ValidationError("--sample must be a number ≥ 0, got \(sample)") }
        if let minLearningRate, !(minLearningRate >= 0 && minLearningRate.isFinite) {
            throw ValidationError("--min-learning-rate must be a number ≥ 0, got \(minLearningRate)")
        }
    }

    func run() throws {
        guard !(try runOptions.processGroup().isDistributed) else {
            throw CommandError(
                "myelin train word2vec trains with threads on one machine (--threads), not with mpirun: run it without mpirun")
        }
        let saved = try runOptions.savedRun(named: Self.checkpointName, format: Word2Vec.checkpointFormat, command: "word2vec")
        var (configuration, recipe) = try settings(resuming: saved)
        guard recipe.minimumLearningRate <= recipe.learningRate else {
            throw CommandError(
                "--min-learning-rate \(recipe.minimumLearningRate) is above --learning-rate \(recipe.learningRate), the rate it falls from: give a smaller --min-learning-rate"
            )
        }
        let folder = try runOptions.folder(defaultName: "word2vec")
        let textURL = try recipe.text.map { URL(fileURLWithPath: $0) } ?? TextCorpus.locateShakespeare()
        recipe.text = textURL.path
        let sentences = try SentenceCorpus.sentences(contentsOf: textURL)
        let corpus = try SentenceCorpus(sentences: sentences, minCount: recipe.minCount, path: textURL.path)
        print(
            "Text \(textURL.path): \(corpus.wordCount) words in \(corpus.sentenceCount) sentences; \(corpus.vocabulary.count - WordVocabulary.specialTokens.count) words seen at least \(recipe.minCount) times (\(corpus.ids.count) of the text's words) are learned."
        )
        if let saveSentences {
            try writeSentences(sentences, to: URL(fileURLWithPath: saveSentences))
            print("Wrote the sentences to \(saveSentences).")
        }
        if let saved {
            let json = saved.file.metadata[WordVectors.vocabularyKey] ?? ""
            guard configuration.words == corpus.vocabulary.count,
                try WordVocabulary(jsonData: Data(json.utf8), path: saved.url.path) == corpus.vocabulary
            else {
                throw CommandError(
                    "\(textURL.path) no longer gives the vocabulary the run in \(saved.url.path) learned; resume with the same text")
            }
        } else {
            configuration.words = corpus.vocabulary.count
        }

        let generator = RandomGenerator(seed: recipe.seed)  // the first vectors, then every step's draws
        let model = Word2Vec(configuration, generator: generator)
        let task = Word2VecTask(
            model, corpus: corpus, sample: recipe.sample, learningRate: recipe.learningRate,
            minimumLearningRate: recipe.minimumLearningRate, epochs: recipe.epochs, wordsPerBatch: recipe.wordsPerBatch,
            generator: generator, threads: threads ?? Threads.count)
        let c = configuration
        let summary =
            "\(c.architecture == .skipGram ? "skip-gram" : "CBOW"), \(c.dimensions) dimensions, window \(c.window), \(c.negative) noise words; \(corpus.vocabulary.count) × \(c.dimensions) input and output vectors"
        print(
            "Model word2vec: \(summary); learning rate \(recipe.learningRate) → \(recipe.minimumLearningRate), sample \(recipe.sample), \(recipe.epochs) epochs of \(task.batches.count) steps, \(task.threads) thread\(task.threads == 1 ? "" : "s")."
        )

        let neighborWords = list(neighbors), mapWords = list(map)
        var neighborLines: [String] = []
        let report = ReportWriter(to: folder) { trainer in
            let vectors = WordVectors(model, vocabulary: corpus.vocabulary, source: "the vectors")
            neighborLines = neighborTable(vectors, words: neighborWords)
            let wordsPerSecond = Double(trainer.progress.epoch * corpus.wordCount) / max(trainer.progress.seconds, 1e-9)
            var plots = trainer.history.standardPlots()
            if let map = wordMap(vectors, words: mapWords) { plots.append(map) }
            return RunOutputs(
                title: "myelin train word2vec",
                summary: "word2vec learns vectors for the words of \(textURL.lastPathComponent) (\(corpus.wordCount) words).",
                settings: [
                    ("model", summary), ("vocabulary", "words seen at least \(recipe.minCount) times"),
                    ("learning rate", "\(recipe.learningRate) falling linearly to \(recipe.minimumLearningRate)"),
                    ("subsampling", "\(recipe.sample)"), ("words per step", String(recipe.wordsPerBatch)),
                    ("epochs", String(recipe.epochs)), ("threads", String(task.threads)), ("seed", String(recipe.seed)),
                ],
                metrics: [
                    ("words per second", String(format: "%.0f", wordsPerSecond)),
                    ("seconds", String(format: "%.2f", trainer.progress.seconds)),
                    ("vocabulary", String(corpus.vocabulary.count - WordVocabulary.specialTokens.count)),
                    ("mean loss of the last epoch", String(format: "%.4f", trainer.history.last("mean loss") ?? .nan)),
                ],
                plots: plots,
                texts: [(caption: "Nearest neighbours (cosine similarity)", text: neighborLines.joined(separator: "\n"))])
        }
        let checkpointURL = folder.appendingPathComponent(Self.checkpointName)
        let (trainer, written) = try trainRun(
            task, length: .epochs(recipe.epochs), recipe: recipe, metadata: model.checkpointMetadata(vocabulary: corpus.vocabulary),
            checkpoint: checkpointURL, progress: ProgressLogger(speed: .samples("words")), report: report, resuming: saved,
            newLearningRate: learningRate != nil)
        let vectorsURL = folder.appendingPathComponent("vectors.txt")
        try WordVectors(model, vocabulary: corpus.vocabulary).writeWord2VecText(to: vectorsURL)
        print(
            String(
                format: "Trained %d epochs in %.2f s: %.0f words/s.", trainer.progress.epoch, trainer.progress.seconds,
                Double(trainer.progress.epoch * corpus.wordCount) / max(trainer.progress.seconds, 1e-9)))
        print("Nearest neighbours (cosine similarity):\n" + neighborLines.joined(separator: "\n"))
        let unmapped = mapWords.filter { !corpus.vocabulary.contains($0) }
        if mapWords.count - unmapped.count < 3 {
            print("No word map: fewer than 3 of the --map words have vectors.")
        } else if !unmapped.isEmpty {
            print("Left off the word map, having no vector: \(unmapped.joined(separator: ", ")).")
        }
        printWritten(written + ["\(vectorsURL.path) — the word vectors in word2vec's text format"])
        print("Ask the vectors with: myelin neighbors \(checkpointURL.path) WORD, or myelin analogy \(checkpointURL.path) king man woman")
    }

    private func list(_ words: String) -> [String] {
        words.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }

    /// The model's configuration and the recipe: a fresh run's from the options, a resumed run's from
    /// its checkpoint (whose settings an option may not contradict), with a new length and learning
    /// rate applied. The vocabulary's size is set once the text is read.
    private func settings(resuming saved: SavedRun?) throws -> (Word2Vec.Configuration, Word2VecRecipe) {
        guard let saved else {
            var recipe = Word2VecRecipe(seed: runOptions.seed)
            recipe.epochs = epochs ?? recipe.epochs
            recipe.learningRate = learningRate ?? recipe.learningRate
            recipe.minimumLearningRate = minLearningRate ?? recipe.minimumLearningRate
            recipe.sample = sample ?? recipe.sample
            recipe.minCount = minCount ?? recipe.minCount
            recipe.wordsPerBatch = wordsPerBatch ?? recipe.wordsPerBatch
            recipe.text = text.map { URL(fileURLWithPath: $0).path }
            let configuration = Word2Vec.Configuration(
                words: 1, dimensions: dimensions ?? 100, architecture: architecture ?? .skipGram, window: window ?? 5,
                negative: negative ?? 5)
            return (configuration, recipe)
        }
        let configuration = try Word2Vec.configuration(in: saved.file, path: saved.url.path)
        var recipe = try runOptions.resumedRecipe(
            Word2VecRecipe.self, of: saved,
            settings: { [self] other in
                [
                    ResumedSetting("--text", given: text.map { URL(fileURLWithPath: $0).path }, saved: other.text ?? ""),
                    ResumedSetting("--architecture", given: architecture?.rawValue, saved: configuration.architecture.rawValue),
                    ResumedSetting("--dimensions", given: dimensions, saved: configuration.dimensions),
                    ResumedSetting("--window", given: window, saved: configuration.window),
                    ResumedSetting("--negative", given: negative, saved: configuration.negative),
                    ResumedSetting("--min-count", given: minCount, saved: other.minCount),
                    ResumedSetting("--sample", given: sample, saved: other.sample),
                    ResumedSetting("--min-learning-rate", given: minLearningRate, saved: other.minimumLearningRate),
                    ResumedSetting("--words-per-batch", given: wordsPerBatch, saved: other.wordsPerBatch),
                ]
            }, learningRate: learningRate)
        recipe.epochs = epochs ?? recipe.epochs
        return (configuration, recipe)
    }
}

/// How `myelin train word2vec` trains, gensim's defaults but for the vector length. The checkpoint
/// keeps it (metadata `myelin.recipe`), so a resumed run goes on with the settings it started with.
struct Word2VecRecipe: RunRecipe, Equatable {
    /// The epoch to stop after (a resumed run may be given a later one).
    var epochs = 5
    var learningRate: Float = 0.025
    var minimumLearningRate: Float = 1e-4
    var sample = 1e-3
    var minCount = 5
    var wordsPerBatch = 10_000
    var seed: UInt64 = 0
    /// The text's path, so that --resume reads the same one.
    var text: String?

    init(seed: UInt64) { self.seed = seed }
}

extension Word2Vec.Architecture: ExpressibleByArgument {}

/// Writes `sentences` one a line, words separated by spaces.
private func writeSentences(_ sentences: [[String]], to url: URL) throws {
    let text = sentences.map { $0.joined(separator: " ") }.joined(separator: "\n") + "\n"
    do {
        try writeFileAtomically(Data(text.utf8), to: url)
    } catch {
        throw CommandError("cannot write the sentences to \(url.path): \(error)")
    }
}
