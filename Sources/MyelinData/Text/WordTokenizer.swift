/// Splits text into words and punctuation marks, the tokens of word-level models (seq2seq,
/// captions, word2vec).
///
/// A word is a run of letters and digits, joined across an apostrophe or hyphen that stands between
/// two of them ("o'er", "forty-two", "3rd"); every other character that is not white space is a
/// token of its own. So `"Tuesday, March 3, 2015"` gives `["tuesday", ",", "march", "3", ",", "2015"]`.
public struct WordTokenizer: Sendable, Equatable {
    /// Whether words are lowercased.
    public let lowercased: Bool

    public init(lowercased: Bool = true) {
        self.lowercased = lowercased
    }

    /// The tokens of `text`, in order.
    public func tokens(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var tokens = [String]()
        var word = String.UnicodeScalarView()
        func endWord() {
            if !word.isEmpty {
                tokens.append(lowercased ? String(word).lowercased() : String(word))
                word = String.UnicodeScalarView()
            }
        }
        for (i, s) in scalars.enumerated() {
            if Self.isWordCharacter(s) {
                word.append(s)
            } else if Self.isJoiner(s), !word.isEmpty, i + 1 < scalars.count, Self.isWordCharacter(scalars[i + 1]) {
                word.append(s)
            } else {
                endWord()
                if !s.properties.isWhitespace { tokens.append(String(s)) }
            }
        }
        endWord()
        return tokens
    }

    /// `tokens` as text: separated by single spaces, except before closing punctuation and after
    /// opening brackets, so `["march", "3", ",", "2015"]` reads "march 3, 2015".
    public func text(_ tokens: [String]) -> String {
        var text = ""
        var previous: String?
        for token in tokens {
            if let previous, !Self.closesUp(token), !Self.opensUp(previous) { text += " " }
            text += token
            previous = token
        }
        return text
    }

    private static func isWordCharacter(_ s: Unicode.Scalar) -> Bool {
        s.properties.isAlphabetic || s.properties.numericType != nil
    }

    private static func isJoiner(_ s: Unicode.Scalar) -> Bool {
        s == "'" || s == "-" || s == "\u{2019}"
    }

    private static func closesUp(_ token: String) -> Bool {
        [".", ",", ";", ":", "!", "?", ")", "]", "}"].contains(token)
    }

    private static func opensUp(_ token: String) -> Bool {
        ["(", "[", "{"].contains(token)
    }
}
