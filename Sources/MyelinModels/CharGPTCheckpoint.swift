import MyelinNN

/// A trained char-GPT in one safetensors file (see `LanguageModelCheckpoint`), for `myelin train
/// gpt` and `myelin sample gpt`.
public typealias CharGPTCheckpoint = LanguageModelCheckpoint<CharGPT>

extension CharGPT: CharacterLanguageModel {
    public static var checkpointFormat: String { "myelin.chargpt" }
    public static var displayName: String { "char-GPT" }
    public static var commandName: String { "gpt" }

    public static func isValid(_ c: Configuration) -> Bool {
        c.vocabularySize > 0 && c.context > 0 && c.embedDim > 0 && c.heads > 0 && c.embedDim % c.heads == 0
            && c.layers >= 0 && c.feedForward > 0 && c.vocabularySize < 1 << 24 && c.context < 1 << 16
            && c.embedDim < 1 << 16 && c.feedForward < 1 << 18 && c.layers < 256
    }

    public var vocabularySize: Int { configuration.vocabularySize }
}
