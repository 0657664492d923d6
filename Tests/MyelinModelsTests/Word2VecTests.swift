import Foundation
import Myelin
import MyelinModels
import Testing

/// word2vec: the sampling tables against their formulas, the learning-rate schedule, training that
/// puts words of a topic together (on one thread the same bits every run), and the vectors in use:
/// neighbours, analogies, word2vec's text format and checkpoints.
@Suite struct Word2VecTests {
    /// Sentences of 8 words from one of two topics of ten words ("a0"…"a9", "b0"…"b9"), with "the"
    /// (frequent, so subsampled) before every second word.
    static func topicCorpus(sentences: Int = 300, seed: UInt64 = 1) throws -> SentenceCorpus {
        let g = RandomGenerator(seed: seed)
        let text = (0..<sentences).map { s in
            let topic = s % 2 == 0 ? "a" : "b"
            return (0..<8).map { k in (k % 2 == 0 ? "the " : "") + "\(topic)\(g.integer(below: 10))" }.joined(separator: " ")
        }
        return try SentenceCorpus(sentences: text.map { $0.split(separator: " ").map(String.init) }, minCount: 1)
    }

    static func task(_ corpus: SentenceCorpus, _ architecture: Word2Vec.Architecture, epochs: Int, threads: Int, seed: UInt64 = 2)
        -> Word2VecTask
    {
        let generator = RandomGenerator(seed: seed)
        let model = Word2Vec(
            .init(words: corpus.vocabulary.count, dimensions: 16, architecture: architecture, window: 3, negative: 4),
            generator: generator)
        return Word2VecTask(model, corpus: corpus, sample: 0.01, epochs: epochs, wordsPerBatch: 500, generator: generator, threads: threads)
    }

    /// The mean cosine similarity of two words of one topic, less that of two words of different topics.
    static func topicSeparation(_ vectors: WordVectors) throws -> Float {
        var within: [Float] = [], across: [Float] = []
        for i in 0..<10 {
            for (word, similarity) in try vectors.nearest(to: "a\(i)", count: vectors.count) where word != "the" {
                if word.hasPrefix("a") { within.append(similarity) } else { across.append(similarity) }
            }
        }
        return within.reduce(0, +) / Float(within.count) - across.reduce(0, +) / Float(across.count)
    }

    // MARK: Sampling and the schedule

    @Test func anOccurrenceIsKeptAtGensimsRate() {
        // t = sample·total = 1000: (√(count/t) + 1)·t/count, at most 1.
        func keep(_ count: Int) -> Double { Word2VecSampling.keepProbability(count: count, total: 1_000_000, sample: 1e-3) }
        #expect(abs(keep(10_000) - 0.416227766016838) < 1e-14 && abs(keep(5_000) - 0.647213595499958) < 1e-14)
        #expect(keep(2_000) == 1 && keep(1) == 1)
        // As 32-bit thresholds, p·(2³² − 1) rounded down, which a draw must not exceed.
        let sampling = Word2VecSampling(counts: [0, 0, 10_000, 5_000, 985_000], sample: 1e-3)
        let thresholds = try! #require(sampling.keep)
        #expect(thresholds[2] == UInt32((keep(10_000) * 4_294_967_295).rounded(.down)) && thresholds[2] == 1_787_684_642)
        #expect(thresholds[0] == .max && thresholds[3] == 2_779_761_225)
        #expect(Word2VecSampling(counts: [0, 3], sample: 0).keep == nil)
    }

    @Test func noiseWordsFollowTheCountsToTheThreeQuartersPower() {
        let counts = [0, 0, 0, 0, 50, 20, 7, 1, 1, 300]
        let probabilities = Word2VecSampling(counts: counts, sample: 0).noiseProbabilities
        let weights = counts.map { pow(Double($0), 0.75) }, total = weights.reduce(0, +)
        for (p, w) in zip(probabilities, weights) { #expect(abs(p - w / total) < 1e-9, "\(p) vs \(w / total)") }
        #expect(probabilities.prefix(4).allSatisfy { $0 == 0 })  // special tokens are never noise
    }

    @Test func theLearningRateFallsLinearlyWithTheWordsLearnedFrom() throws {
        let corpus = try Self.topicCorpus()
        let task = Self.task(corpus, .skipGram, epochs: 4, threads: 1)
        let total = 4 * corpus.wordCount
        #expect(task.learningRate(afterWords: 0) == 0.025)
        #expect(abs(task.learningRate(afterWords: total / 4) - (0.025 - 0.0249 / 4)) < 1e-8)
        #expect(task.learningRate(afterWords: total) == 1e-4 && task.learningRate(afterWords: 2 * total) == 1e-4)
        // Each step runs at the rate of the words before its batch, epochs included.
        let trainer = Trainer(.steps(task.batches.count + 2), state: task.state)
        try trainer.run(task)
        let secondOfEpochTwo = task.batches.count + 2
        #expect(
            trainer.history.value("learning rate", atStep: secondOfEpochTwo)
                == Double(task.learningRate(afterWords: corpus.wordCount + task.batches.batch(at: 1).wordsBefore)))
    }

    // MARK: Training

    @Test(arguments: Word2Vec.Architecture.allCases)
    func wordsOfATopicEndUpNearEachOther(_ architecture: Word2Vec.Architecture) throws {
        let corpus = try Self.topicCorpus()
        let task = Self.task(corpus, architecture, epochs: 5, threads: 1)
        let before = try Self.topicSeparation(WordVectors(task.model, vocabulary: corpus.vocabulary))
        let history = try Trainer(.epochs(5), state: task.state).run(task)
        let after = try Self.topicSeparation(WordVectors(task.model, vocabulary: corpus.vocabulary))
        #expect(abs(before) < 0.2 && after > 0.5, "separation of the topics: \(before) before, \(after) after")
        let means = history.values("mean loss")
        #expect(means.last! < means.first!, "mean loss per epoch: \(means)")
    }

    @Test func oneThreadGivesTheSameVectorsEveryRunAndSeveralLearnToo() throws {
        let corpus = try Self.topicCorpus()
        func trained(threads: Int, seed: UInt64 = 2) throws -> Word2VecTask {
            let task = Self.task(corpus, .skipGram, epochs: 3, threads: threads, seed: seed)
            try Trainer(.epochs(3), state: task.state).run(task)
            return task
        }
        let (first, second) = (try trained(threads: 1), try trained(threads: 1))
        #expect(first.model.inputVectors.scalars == second.model.inputVectors.scalars)
        #expect(first.model.outputVectors.scalars == second.model.outputVectors.scalars)
        #expect(try trained(threads: 1, seed: 3).model.inputVectors.scalars != first.model.inputVectors.scalars)
        // Several threads update without locks: not the same bits, but the same learning.
        let hogwild = try trained(threads: 3)
        let separation = try Self.topicSeparation(WordVectors(hogwild.model, vocabulary: corpus.vocabulary))
        #expect(separation > 0.5, "separation with 3 threads: \(separation)")
    }

    // MARK: Vectors in use

    /// Royalty along x, gender along y, fruit along z.
    static let handMade = WordVectors(
        words: ["king", "queen", "man", "woman", "apple"],
        vectors: Tensor([[2, 1, 0], [2, -1, 0], [0.5, 1, 0], [0.5, -1, 0], [0, 0, 3]]))

    @Test func nearestWordsAreTheMostSimilarInDirection() throws {
        let nearest = try Self.handMade.nearest(to: "king", count: 4)
        // cos(king, man) = 2/(√5·√1.25) = 0.8, cos(king, queen) = 3/5; woman and apple are orthogonal (tie: in order).
        #expect(nearest.map(\.word) == ["man", "queen", "woman", "apple"])
        #expect(abs(nearest[0].similarity - 0.8) < 1e-6 && abs(nearest[1].similarity - 0.6) < 1e-6 && abs(nearest[2].similarity) < 1e-6)
        #expect(try Self.handMade.nearest(to: "apple", count: 1).map(\.word) == ["king"])
    }

    @Test func anAnalogyIsTheWordNearestToAMinusBPlusC() throws {
        let answers = try Self.handMade.analogy("king", "man", "woman", count: 2)
        // unit(king) − unit(man) + unit(woman) = (2, −3, 0)/√5, and cos with queen (2, −1, 0)/√5 is 7/√65.
        #expect(answers.map(\.word) == ["queen", "apple"])
        #expect(abs(answers[0].similarity - Float(7 / 65.0.squareRoot())) < 1e-6)
        do {
            _ = try Self.handMade.analogy("prince", "man", "woman")
            Issue.record("a word without a vector gave an analogy")
        } catch let error as UnknownWordError {
            #expect(error.word == "prince" && error.description.hasPrefix("<vectors>: \"prince\" is not among its 5 words"), "\(error)")
        }
    }

    @Test func theTextFormatReadsBackExactly() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("word2vec-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let awkward: [Float] = [1.0 / 3, -1e-8, 3.4028235e38, 0, -2.5, 1.17549435e-38]
        let vectors = WordVectors(words: ["o'er", "forty-two"], vectors: Tensor(shape: [2, 3], scalars: awkward))
        let text = vectors.word2vecText()
        #expect(text.hasPrefix("2 3\no'er 0.33333334 -1e-08 3.4028235e+38\nforty-two "))
        let url = directory.appendingPathComponent("vectors.txt")
        try vectors.writeWord2VecText(to: url)
        for read in [try WordVectors(word2vecText: url), try WordVectors(contentsOf: url)] {
            #expect(read.words == vectors.words && read.vectors.scalars == awkward && read.source == url.path)
        }
    }

    @Test(
        arguments: [
            ("3\nx 1 2 3\n", DataError.Kind.badHeader, 1),
            ("2 3\nx 1 2 3\n", .truncatedData, nil),
            ("1 3\nx 1 2 3\ny 4 5 6\n", .trailingData, nil),
            ("2 3\nx 1 2 3\ny 1 2\n", .raggedRow, 3),
            ("1 2\nx 1 nan\n", .invalidValue, 2),
            ("2 1\nx 1\nx 2\n", .invalidValue, 3),
        ] as [(String, DataError.Kind, Int?)])
    func damagedTextFilesAreRefusedWithTheirLine(text: String, kind: DataError.Kind, line: Int?) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("damaged-\(UUID()).txt")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try WordVectors(word2vecText: url)
            Issue.record("\(text.debugDescription) was read")
        } catch let error as DataError {
            #expect(error.kind == kind && error.line == line && error.path == url.path, "\(error)")
        }
    }

    @Test func aCheckpointGivesBackTheModelsVectorsWithoutTheSpecialTokens() throws {
        let corpus = try Self.topicCorpus(sentences: 40)
        let task = Self.task(corpus, .cbow, epochs: 1, threads: 1)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("word2vec-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let trainer = Trainer(
            .epochs(1), state: task.state, metadata: task.model.checkpointMetadata(vocabulary: corpus.vocabulary),
            callbacks: [ModelCheckpoint(url)])
        try trainer.run(task)
        let read = try WordVectors(contentsOf: url)
        let direct = WordVectors(task.model, vocabulary: corpus.vocabulary)
        #expect(read.words == Array(corpus.vocabulary.words.dropFirst(4)) && read.words.count == 21)
        #expect(read.vectors.scalars == direct.vectors.scalars && read.vectors.shape == [21, 16])
        #expect(try Word2Vec(file: SafeTensors.read(contentsOf: url), path: url.path).configuration == task.model.configuration)
        // Another kind of checkpoint is refused by name.
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("other-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: other) }
        try TrainingCheckpoint(format: "myelin.other", modules: []).save(to: other)
        #expect(throws: CheckpointError.self) { try WordVectors(checkpoint: other) }
    }
}
