import Foundation

/// The words of a corpus, each with an id, and four special tokens that every word-level model
/// needs: padding (id 0, so a zero-filled batch is all padding), unknown words (1), and the start
/// (2) and end (3) of a sequence. The words follow, most frequent first (ties in code-point order of
/// the word), each with its count in the corpus it was made from.
///
/// Saved as JSON: `{"format":"myelin.word-vocabulary","version":1,"words":[…],"counts":[…]}`, the
/// special tokens included, so ids never shift between saving and loading.
public struct WordVocabulary: Equatable, Sendable {
    /// The `format` field of the JSON file.
    public static let format = "myelin.word-vocabulary"
    /// The `version` field of the JSON file this Myelin writes and reads.
    public static let version = 1

    /// The id of the padding token "<pad>".
    public static let paddingID: Int32 = 0
    /// The id of "<unk>", which stands for every word not in the vocabulary.
    public static let unknownID: Int32 = 1
    /// The id of "<s>", the first input of a decoder.
    public static let startID: Int32 = 2
    /// The id of "</s>", the token a decoder emits when its sequence is complete.
    public static let endID: Int32 = 3
    /// The special tokens in id order.
    public static let specialTokens = ["<pad>", "<unk>", "<s>", "</s>"]

    /// The tokens in id order: the four special tokens, then the words.
    public let words: [String]
    /// How often each token occurred in the corpus the vocabulary was made from (0 for the specials).
    public let counts: [Int]
    private let ids: [String: Int32]

    /// The words of `tokens` that occur at least `minCount` times, at most the `maxWords` most
    /// frequent of them when given.
    public init<S: Sequence>(counting tokens: S, minCount: Int = 1, maxWords: Int? = nil) where S.Element == String {
        precondition(minCount >= 1, "WordVocabulary: minCount must be at least 1, got \(minCount)")
        if let maxWords { precondition(maxWords >= 0, "WordVocabulary: maxWords must not be negative, got \(maxWords)") }
        var tally: [String: Int] = [:]
        for token in tokens { tally[token, default: 0] += 1 }
        for special in Self.specialTokens { tally[special] = nil }
        var kept = tally.filter { $0.value >= minCount }.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
        if let maxWords, kept.count > maxWords { kept.removeSubrange(maxWords...) }
        self.init(
            uncheckedWords: Self.specialTokens + kept.map(\.key),
            counts: [Int](repeating: 0, count: Self.specialTokens.count) + kept.map(\.value))
    }

    private init(uncheckedWords words: [String], counts: [Int]) {
        self.words = words
        self.counts = counts
        ids = Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, Int32($0)) })
    }

    /// Number of tokens, the special ones included (the V of an embedding or output layer).
    public var count: Int { words.count }

    /// Whether `word` has an id of its own.
    public func contains(_ word: String) -> Bool { ids[word] != nil }

    /// The id of `word`, or `unknownID` when it is not in the vocabulary.
    public func id(of word: String) -> Int32 { ids[word] ?? Self.unknownID }

    /// The ids of `tokens`, unknown words as `unknownID`.
    public func encode(_ tokens: [String]) -> [Int32] { tokens.map(id(of:)) }

    /// The tokens of `ids` (each in 0..<count).
    public func decode<S: Sequence>(_ ids: S) -> [String] where S.Element: BinaryInteger {
        ids.map { id in
            precondition(id >= 0 && id < count, "WordVocabulary.decode: id \(id) is out of range for a vocabulary of \(count) tokens")
            return words[Int(id)]
        }
    }

    /// The tokens of `ids` up to the first end token, without padding and start tokens: what a
    /// decoder said.
    public func sentence<S: Sequence>(_ ids: S) -> [String] where S.Element: BinaryInteger {
        var tokens = [String]()
        for id in ids {
            if Int32(id) == Self.endID { break }
            if Int32(id) != Self.paddingID && Int32(id) != Self.startID { tokens.append(decode([id])[0]) }
        }
        return tokens
    }

    public static func == (a: WordVocabulary, b: WordVocabulary) -> Bool {
        a.words == b.words && a.counts == b.counts
    }
}

// MARK: - Saving and loading

extension WordVocabulary {
    /// The vocabulary as one line of JSON.
    public func jsonData() -> Data {
        let fields: [String: Any] = ["format": Self.format, "version": Self.version, "words": words, "counts": counts]
        // Serialising strings and integers cannot fail.
        return try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) + Data("\n".utf8)
    }

    /// Reads a vocabulary saved by `jsonData()`; `path` names the file in errors. Throws a
    /// `DataError` if it is not JSON, not this format or version, its special tokens are not the
    /// four expected ones in order, a word repeats, or the counts do not match the words.
    public init(jsonData data: Data, path: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: data), let fields = object as? [String: Any] else {
            throw DataError(.badHeader, path: path, "is not a JSON object, so not a word vocabulary")
        }
        guard let format = fields["format"] as? String, format == Self.format else {
            throw DataError(
                .badHeader, path: path, "format is \(fields["format"].map { "\($0)" } ?? "missing"), expected \"\(Self.format)\"")
        }
        guard let version = fields["version"] as? Int, version == Self.version else {
            throw DataError(
                .badHeader, path: path,
                "version \(fields["version"].map { "\($0)" } ?? "missing") is not one this Myelin reads (\(Self.version))")
        }
        guard let words = fields["words"] as? [String], let counts = fields["counts"] as? [Int] else {
            throw DataError(.badHeader, path: path, "\"words\" (strings) or \"counts\" (integers) is missing or of the wrong type")
        }
        guard words.count == counts.count else {
            throw DataError(.mismatch, path: path, "has \(words.count) words but \(counts.count) counts")
        }
        guard Array(words.prefix(Self.specialTokens.count)) == Self.specialTokens else {
            throw DataError(
                .invalidValue, path: path,
                "does not start with the special tokens \(Self.specialTokens.joined(separator: " ")) (it starts \(words.prefix(4)))")
        }
        var seen = Set<String>()
        for (i, word) in words.enumerated() where !seen.insert(word).inserted {
            throw DataError(.invalidValue, path: path, "word \(i), \(word.debugDescription), repeats an earlier one")
        }
        if let i = counts.firstIndex(where: { $0 < 0 }) {
            throw DataError(.invalidValue, path: path, "the count of word \(i), \(words[i].debugDescription), is negative")
        }
        self.init(uncheckedWords: words, counts: counts)
    }

    /// Reads a vocabulary file saved by `save(to:)`.
    public init(contentsOf url: URL) throws {
        try self.init(jsonData: Data(GZip.readRawFile(at: url.path)), path: url.path)
    }

    /// Writes the vocabulary as JSON, atomically and durably.
    public func save(to url: URL) throws {
        do {
            try writeFileAtomically(jsonData(), to: url)
        } catch let error as FileWriteError {
            throw DataError(.unwritable, path: url.path, "cannot write the vocabulary (\(error.step.rawValue): \(error.reason))")
        }
    }
}
