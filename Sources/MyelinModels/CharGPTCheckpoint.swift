import MyelinNN

/// A trained char-GPT in one safetensors file (see `LanguageModelCheckpoint`), for `myelin train
/// gpt` and `myelin sample gpt`.
public typealias CharGPTCheckpoint = LanguageModelCheckpoint<CharGPT>

extension CharGPT: CharacterLanguageModel {
    public static var checkpointFormat: String { "myelin.chargpt" }
    public static var displayName: String { "char-GPT" }
    public static var commandName: String { "gpt" }

    public static func isValid(_ c: Configuration) -> Bool { c.isValid }

    public var vocabularySize: Int { configuration.vocabularySize }
}
