import Foundation
import MyelinData
import MyelinNN
import MyelinTensor

/// A trained char-RNN in one safetensors file: the weights under their PyTorch names, and in the
/// header's metadata what it takes to use them — the model's configuration and its vocabulary —
/// plus how far training got. `myelin train charrnn` writes it; `myelin sample charrnn` reads it.
public struct CharRNNCheckpoint {
    public var model: CharRNN
    public var vocabulary: CharacterVocabulary
    /// Training steps taken when it was saved.
    public var step: Int
    /// Validation loss in nats per character at that step, if measured.
    public var validationLoss: Double?

    /// The metadata key that marks a file as a char-RNN checkpoint.
    public static let formatKey = "myelin.format"
    public static let format = "myelin.charrnn"

    public init(model: CharRNN, vocabulary: CharacterVocabulary, step: Int, validationLoss: Double? = nil) {
        precondition(vocabulary.count == model.configuration.vocabularySize,
                     "CharRNNCheckpoint: the vocabulary has \(vocabulary.count) characters, the model \(model.configuration.vocabularySize)")
        self.model = model
        self.vocabulary = vocabulary
        self.step = step
        self.validationLoss = validationLoss
    }

    /// Writes the checkpoint atomically: a crash leaves the previous file whole.
    public func save(to url: URL) throws {
        let configuration = try JSONEncoder().encode(model.configuration)
        var metadata = [
            Self.formatKey: Self.format,
            "myelin.configuration": String(decoding: configuration, as: UTF8.self),
            "myelin.vocabulary": String(decoding: vocabulary.jsonData(), as: UTF8.self),
            "myelin.step": String(step),
        ]
        if let validationLoss { metadata["myelin.validation_loss"] = String(validationLoss) }
        try SafeTensors.write(model.stateDict, metadata: metadata, to: url)
    }

    /// Reads a checkpoint, rebuilding the model from its configuration. Throws an error naming the
    /// file when it is not a readable char-RNN checkpoint.
    public init(contentsOf url: URL) throws {
        let file = try SafeTensors.read(contentsOf: url)
        func problem(_ message: String) -> CheckpointError { CheckpointError(path: url.path, message: message) }
        guard file.metadata[Self.formatKey] == Self.format else {
            throw problem("not a char-RNN checkpoint (its metadata has no \(Self.formatKey) = \(Self.format)); make one with `myelin train charrnn`")
        }
        guard let configurationText = file.metadata["myelin.configuration"],
              let configuration = try? JSONDecoder().decode(CharRNN.Configuration.self, from: Data(configurationText.utf8)),
              configuration.isValid else {
            throw problem("its model configuration (metadata myelin.configuration) is missing or invalid")
        }
        guard let vocabularyText = file.metadata["myelin.vocabulary"] else {
            throw problem("it has no vocabulary (metadata myelin.vocabulary)")
        }
        let vocabulary = try CharacterVocabulary(jsonData: Data(vocabularyText.utf8), path: url.path)
        guard vocabulary.count == configuration.vocabularySize else {
            throw problem("its vocabulary has \(vocabulary.count) characters but the model expects \(configuration.vocabularySize)")
        }
        let model = CharRNN(configuration)
        do {
            try model.loadStateDict(file.tensors)
        } catch {
            throw problem("its weights do not fit the model it describes: \(error)")
        }
        self.init(model: model, vocabulary: vocabulary, step: Int(file.metadata["myelin.step"] ?? "") ?? 0,
                  validationLoss: file.metadata["myelin.validation_loss"].flatMap(Double.init))
    }
}

extension CharRNN.Configuration {
    /// Whether a model can be built from it (a file may hold anything).
    var isValid: Bool {
        vocabularySize > 0 && embeddingSize > 0 && hiddenSize > 0 && layers > 0 && dropout >= 0 && dropout < 1
            && vocabularySize < 1 << 24 && embeddingSize < 1 << 16 && hiddenSize < 1 << 16 && layers < 64
    }
}
