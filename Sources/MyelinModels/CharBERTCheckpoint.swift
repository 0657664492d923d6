import MyelinData

/// A trained char-BERT in one safetensors file (see `LanguageModelCheckpoint`), for `myelin train
/// bert` and `myelin fill`.
public typealias CharBERTCheckpoint = LanguageModelCheckpoint<CharBERT>

extension CharBERT: CharacterModel {
    public static var checkpointFormat: String { "myelin.charbert" }
    public static var displayName: String { "char-BERT" }
    public static var commandName: String { "bert" }
    public static func isValid(_ c: Configuration) -> Bool { c.isValid }
    public var vocabularySize: Int { configuration.vocabularySize }
}

extension LanguageModelCheckpoint where Model == CharBERT {
    /// `text` with every `blank` character filled by the model (`CharBERT.fill`: one at a time, left
    /// to right). Throws a `DataError` when the text has no blank, or a character outside the vocabulary.
    public func fill(_ text: String, blank: Unicode.Scalar = "_") throws -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.contains(blank) else {
            throw DataError(
                .invalidValue, path: "<text>",
                "has no blank to fill: write \(blank) for each character the model should choose (or name another blank character)")
        }
        // The blanks stand in as a known character (not a line break, which would restart the count of
        // columns) while the rest is encoded, so an unknown one is named by its line and column.
        let known = vocabulary.characters.first { $0 != "\n" } ?? vocabulary.characters[0]
        let ids = try vocabulary.encode(String(String.UnicodeScalarView(scalars.map { $0 == blank ? known : $0 })))
        let filled = model.fill(zip(scalars, ids).map { $0 == blank ? nil : Int($1) })
        return vocabulary.decode(filled)
    }
}
