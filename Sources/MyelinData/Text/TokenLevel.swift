/// What a sequence model reads or writes as one token: a character, or a word (`WordTokenizer`).
/// Both fold case, so "March" and "march" are one input.
///
/// Characters suit text whose pieces are letters and digits (a date as people write it, the digits
/// of a number): a small vocabulary that covers every spelling. Words suit text whose pieces are
/// words ("three hundred and forty-two"): shorter sequences of tokens that each carry a meaning.
public enum TokenLevel: String, Codable, Sendable, CaseIterable {
    case characters
    case words

    /// The tokens of `text`: its lowercased Unicode scalars, or its words and punctuation marks.
    public func tokens(_ text: String) -> [String] {
        switch self {
        case .characters: text.lowercased().unicodeScalars.map { String($0) }
        case .words: WordTokenizer().tokens(text)
        }
    }

    /// `tokens` as text: characters joined, words separated by spaces (`WordTokenizer.text`).
    public func text(_ tokens: [String]) -> String {
        switch self {
        case .characters: tokens.joined()
        case .words: WordTokenizer().text(tokens)
        }
    }

    /// "character" or "word", for messages and tables.
    public var unitName: String { self == .characters ? "character" : "word" }

    /// The ids of `text`'s tokens in `vocabulary`. Throws an `UnreadableTextError` for text with no
    /// tokens, or naming every token the vocabulary lacks: a model cannot read what it never saw.
    public func encode(_ text: String, with vocabulary: WordVocabulary) throws -> [Int32] {
        let tokens = tokens(text)
        var unknown = [String]()
        for token in tokens where !vocabulary.contains(token) {
            if !unknown.contains(token) { unknown.append(token) }
        }
        guard unknown.isEmpty, !tokens.isEmpty else {
            throw UnreadableTextError(text: text, level: self, unknown: unknown, known: vocabulary)
        }
        return vocabulary.encode(tokens)
    }
}

/// Text a model cannot read: it has no tokens, or tokens outside the model's vocabulary.
public struct UnreadableTextError: Error, CustomStringConvertible {
    public let text: String
    public let level: TokenLevel
    /// The unknown tokens, each once, in the order they occur (none when the text has no tokens).
    public let unknown: [String]
    /// The vocabulary's tokens other than the special ones.
    public let known: [String]

    init(text: String, level: TokenLevel, unknown: [String], known vocabulary: WordVocabulary) {
        self.text = text
        self.level = level
        self.unknown = unknown
        known = Array(vocabulary.words.dropFirst(WordVocabulary.specialTokens.count))
    }

    public var description: String {
        guard !unknown.isEmpty else { return "\(text.debugDescription) has no \(level.unitName)s to read: give the text to translate" }
        let names = unknown.map(\.debugDescription).joined(separator: ", ")
        let plural = unknown.count == 1 ? "" : "s"
        let listed = level == .characters ? known.sorted().joined() : known.sorted().joined(separator: " ")
        return "\(text.debugDescription) has \(unknown.count) \(level.unitName)\(plural) the model never saw: \(names). "
            + "It knows these \(known.count) \(level.unitName)s: \(listed.debugDescription)"
    }
}
