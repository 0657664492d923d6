import MyelinNN

/// A trained char-RNN in one safetensors file (see `LanguageModelCheckpoint`): `myelin train
/// charrnn` writes it, `myelin sample charrnn` reads it.
public typealias CharRNNCheckpoint = LanguageModelCheckpoint<CharRNN>

extension CharRNN: CharacterLanguageModel {
    public static var checkpointFormat: String { "myelin.charrnn" }
    public static var displayName: String { "char-RNN" }
    public static var commandName: String { "charrnn" }

    public static func isValid(_ c: Configuration) -> Bool {
        c.vocabularySize > 0 && c.embeddingSize > 0 && c.hiddenSize > 0 && c.layers > 0 && c.dropout >= 0 && c.dropout < 1
            && c.vocabularySize < 1 << 24 && c.embeddingSize < 1 << 16 && c.hiddenSize < 1 << 16 && c.layers < 64
    }

    public var vocabularySize: Int { configuration.vocabularySize }
}
