import Foundation
import MyelinData
import MyelinNN
import MyelinTensor
import MyelinTraining

/// How a seq2seq run is saved (see `ConfiguredModelCheckpoint`): tensors under `model.`, the
/// configuration, and (`Translator.metadata`) the task and both vocabularies, so that
/// `Translator(checkpoint:)` rebuilds everything `myelin translate` needs.
extension Seq2Seq: ConfiguredModelCheckpoint {
    /// The `myelin.format` of a seq2seq run's checkpoint.
    public static let checkpointFormat = "myelin.seq2seq"

    public convenience init(rebuilding configuration: Configuration) {
        // Its initial weights are overwritten at once; a generator of its own leaves the global one untouched.
        self.init(configuration, generator: RandomGenerator(seed: 0))
    }
}

extension Seq2Seq.Configuration: ValidatedConfiguration {
    public var isValid: Bool {
        [sourceVocabularySize, targetVocabularySize].allSatisfy { $0 > WordVocabulary.specialTokens.count && $0 < 1 << 24 }
            && [embeddingSize, hiddenSize, attentionSize].allSatisfy { $0 > 0 && $0 < 1 << 14 }
    }
}

/// A trained seq2seq network with what it takes to use it on text: the token levels and
/// vocabularies of its task, and how long an output may grow.
public struct Translator {
    public let model: Seq2Seq
    public let task: TranslationPairs.Task
    public let sourceLevel: TokenLevel
    public let targetLevel: TokenLevel
    public let sourceVocabulary: WordVocabulary
    public let targetVocabulary: WordVocabulary
    /// The most tokens a translation may have before the search cuts it off.
    public let maxLength: Int

    /// The model trained on `pairs`.
    public init(model: Seq2Seq, pairs: TranslationPairs) {
        precondition(
            model.configuration.sourceVocabularySize == pairs.sourceVocabulary.count
                && model.configuration.targetVocabularySize == pairs.targetVocabulary.count,
            "Translator: the model's vocabularies (\(model.configuration.sourceVocabularySize), \(model.configuration.targetVocabularySize)) are not the task's (\(pairs.sourceVocabulary.count), \(pairs.targetVocabulary.count))"
        )
        self.init(
            model: model, task: pairs.task, levels: (pairs.sourceLevel, pairs.targetLevel),
            vocabularies: (pairs.sourceVocabulary, pairs.targetVocabulary), maxLength: pairs.maxTargetLength + 5)
    }

    private init(
        model: Seq2Seq, task: TranslationPairs.Task, levels: (TokenLevel, TokenLevel), vocabularies: (WordVocabulary, WordVocabulary),
        maxLength: Int
    ) {
        self.model = model
        self.task = task
        (sourceLevel, targetLevel) = levels
        (sourceVocabulary, targetVocabulary) = vocabularies
        self.maxLength = maxLength
    }

    /// What the checkpoint's metadata holds beside the weights: the configuration, the task, the
    /// token levels, the longest output and both vocabularies.
    public var metadata: [String: String] {
        // Encoding strings and integers cannot fail.
        model.checkpointMetadata.merging([
            Self.settingsKey: try! CheckpointMetadata.json(
                Settings(task: task, sourceLevel: sourceLevel, targetLevel: targetLevel, maxLength: maxLength)),
            Self.sourceVocabularyKey: String(decoding: sourceVocabulary.jsonData(), as: UTF8.self),
            Self.targetVocabularyKey: String(decoding: targetVocabulary.jsonData(), as: UTF8.self),
        ]) { $1 }
    }

    static let settingsKey = "myelin.translation"
    static let sourceVocabularyKey = "myelin.source-vocabulary"
    static let targetVocabularyKey = "myelin.target-vocabulary"

    struct Settings: Codable {
        var task: TranslationPairs.Task
        var sourceLevel: TokenLevel
        var targetLevel: TokenLevel
        var maxLength: Int
    }

    /// The translator saved in a `myelin train seq2seq` checkpoint. Throws an error naming the file
    /// when it is not one, or its parts do not fit together.
    public init(checkpoint url: URL) throws {
        let file = try TrainingCheckpoint.read(url, format: Seq2Seq.checkpointFormat)
        let model = try Seq2Seq(checkpoint: url)
        let settings = try CheckpointMetadata.value(
            Settings.self, key: Self.settingsKey, in: file.metadata, path: url.path, what: "translation settings")
        func vocabulary(_ key: String, size: Int) throws -> WordVocabulary {
            guard let text = file.metadata[key] else {
                throw CheckpointError(path: url.path, message: "it has no vocabulary (metadata \(key))")
            }
            let vocabulary = try WordVocabulary(jsonData: Data(text.utf8), path: "\(url.path) (metadata \(key))")
            guard vocabulary.count == size else {
                throw CheckpointError(path: url.path, message: "its vocabulary \(key) has \(vocabulary.count) tokens but the model \(size)")
            }
            return vocabulary
        }
        guard settings.maxLength > 0 else {
            throw CheckpointError(path: url.path, message: "its longest output (\(settings.maxLength)) is not positive")
        }
        self.init(
            model: model, task: settings.task, levels: (settings.sourceLevel, settings.targetLevel),
            vocabularies: (
                try vocabulary(Self.sourceVocabularyKey, size: model.configuration.sourceVocabularySize),
                try vocabulary(Self.targetVocabularyKey, size: model.configuration.targetVocabularySize)
            ), maxLength: settings.maxLength)
    }

    /// One translation: its tokens and text, and how likely the model finds it.
    public struct Translation {
        public let tokens: [String]
        public let text: String
        public let logProbability: Float
        /// False when the search stopped it at `maxLength` before it ended.
        public let isComplete: Bool
    }

    /// The best translation of each of `texts` by beam search of `beamWidth` (1: greedy), in
    /// batches of up to `batchSize`. Throws an `UnreadableTextError` for a text that is empty or
    /// has a token the model never saw.
    public func translate(_ texts: [String], beamWidth: Int = 1, batchSize: Int = 500) throws -> [Translation] {
        let sources = try texts.map { try sourceLevel.encode($0, with: sourceVocabulary) }
        return translate(ids: sources, beamWidth: beamWidth, batchSize: batchSize).map { best in
            let tokens = targetVocabulary.decode(best.tokens)
            return Translation(
                tokens: tokens, text: targetLevel.text(tokens), logProbability: best.logProbability, isComplete: best.isComplete)
        }
    }

    /// The best hypothesis for each source of ids.
    public func translate(ids sources: [[Int32]], beamWidth: Int = 1, batchSize: Int = 500) -> [BeamSearch.Hypothesis] {
        let search = BeamSearch(width: beamWidth, maxLength: maxLength)
        return stride(from: 0, to: sources.count, by: batchSize).flatMap { start in
            model.translate(PaddedBatch(Array(sources[start..<min(start + batchSize, sources.count)])), search: search).map { $0[0] }
        }
    }

    /// Whether the translation of each of `pairs` is its target, token for token.
    public func exactMatches(_ pairs: [TranslationPairs.Pair], beamWidth: Int = 1) -> [Bool] {
        let sources = pairs.map { sourceVocabulary.encode(sourceLevel.tokens($0.source)) }
        return zip(translate(ids: sources, beamWidth: beamWidth), pairs).map { best, pair in
            best.isComplete && best.tokens == targetVocabulary.encode(targetLevel.tokens(pair.target))
        }
    }
}
