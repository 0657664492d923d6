import Foundation

/// A text as sentences of word ids, as word2vec reads it: `WordTokenizer`'s tokens, cut into
/// sentences after ".", "!" and "?", other punctuation left out; the words seen at least `minCount`
/// times as a `WordVocabulary`; and each sentence as the ids of those of its words that have one,
/// rarer words left out (as word2vec.c and gensim leave them out), all in one flat array.
///
/// For Shakespeare with `minCount` 5: 190,973 words in 22,367 sentences, 3,118 of them in the vocabulary
/// (175,650 occurrences).
public struct SentenceCorpus: Sendable {
    /// The file the text came from, or `<text>`.
    public let path: String
    public let vocabulary: WordVocabulary
    /// The ids of every sentence's words that are in the vocabulary, sentence after sentence.
    public let ids: [Int32]
    /// Sentence s is `ids[sentenceStarts[s] ..< sentenceStarts[s + 1]]`.
    public let sentenceStarts: [Int64]
    /// Sentence s holds the text's words `textWordStarts[s] ..< textWordStarts[s + 1]`, rare ones
    /// included: what speeds and the learning-rate schedule count.
    public let textWordStarts: [Int]

    /// The text's sentences: words, lowercased by `tokenizer`, with the punctuation left out.
    public static func sentences(of text: String, tokenizer: WordTokenizer = WordTokenizer()) -> [[String]] {
        var sentences = [[String]](), sentence = [String]()
        for token in tokenizer.tokens(text) {
            if token == "." || token == "!" || token == "?" {
                if !sentence.isEmpty { sentences.append(sentence) }
                sentence = []
            } else if let first = token.unicodeScalars.first, first.properties.isAlphabetic || first.properties.numericType != nil {
                sentence.append(token)
            }
        }
        if !sentence.isEmpty { sentences.append(sentence) }
        return sentences
    }

    /// The sentences of a UTF-8 text file (gzip-compressed or not). Throws a `DataError` naming the
    /// file when it is missing, unreadable or looks binary.
    public static func sentences(contentsOf url: URL, tokenizer: WordTokenizer = WordTokenizer()) throws -> [[String]] {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: try TextCorpus.decodeText(GZip.readFile(at: url.path), path: url.path))
        return sentences(of: String(text), tokenizer: tokenizer)
    }

    /// Reads a UTF-8 text file (gzip-compressed or not). Throws a `DataError` naming the file when it
    /// is missing, unreadable, looks binary, has no words, or no word occurs `minCount` times.
    public init(contentsOf url: URL, minCount: Int) throws {
        try self.init(sentences: Self.sentences(contentsOf: url), minCount: minCount, path: url.path)
    }

    /// Sentences already made (by `sentences(of:)`, or of other words); `path` names them in errors.
    public init(sentences: [[String]], minCount: Int, path: String = "<text>") throws {
        precondition(minCount >= 1, "SentenceCorpus: minCount must be at least 1, got \(minCount)")
        let wordCount = sentences.reduce(0) { $0 + $1.count }
        guard wordCount > 0 else { throw DataError(.truncatedData, path: path, "has no words to learn from") }
        let vocabulary = WordVocabulary(counting: sentences.joined(), minCount: minCount)
        guard vocabulary.count > WordVocabulary.specialTokens.count else {
            throw DataError(
                .invalidValue, path: path,
                "none of its \(wordCount) words occurs \(minCount) times, so there is no vocabulary: lower the minimum count or give a longer text"
            )
        }
        var ids = [Int32](), starts: [Int64] = [0], textStarts = [0]
        ids.reserveCapacity(wordCount)
        for sentence in sentences {
            for word in sentence where vocabulary.contains(word) { ids.append(vocabulary.id(of: word)) }
            starts.append(Int64(ids.count))
            textStarts.append(textStarts.last! + sentence.count)
        }
        self.path = path
        self.vocabulary = vocabulary
        self.ids = ids
        sentenceStarts = starts
        textWordStarts = textStarts
    }

    /// Number of sentences.
    public var sentenceCount: Int { sentenceStarts.count - 1 }

    /// The text's words, rare ones included.
    public var wordCount: Int { textWordStarts.last! }

    /// The ids of sentence `s`.
    public func sentence(_ s: Int) -> ArraySlice<Int32> { ids[Int(sentenceStarts[s])..<Int(sentenceStarts[s + 1])] }
}
