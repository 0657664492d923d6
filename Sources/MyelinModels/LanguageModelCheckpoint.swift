import Foundation
import MyelinData
import MyelinNN
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// A trained character-level language model in one safetensors file: the weights under their
/// PyTorch names, and in the header's metadata what it takes to use them — the model's
/// configuration and its vocabulary. `myelin train` writes it (with the run's training state
/// beside: a Trainer checkpoint whose metadata includes `metadata()`); `myelin sample` reads it.
/// `CharRNNCheckpoint` and `CharGPTCheckpoint` are its two kinds.
public struct LanguageModelCheckpoint<Model: CharacterLanguageModel> {
    public var model: Model
    public var vocabulary: CharacterVocabulary

    /// The metadata key that marks a file as a checkpoint (TrainingCheckpoint's), and this model's value for it.
    public static var formatKey: String { TrainingCheckpoint.formatKey }
    public static var format: String { Model.checkpointFormat }

    public init(model: Model, vocabulary: CharacterVocabulary) {
        precondition(
            vocabulary.count == model.vocabularySize,
            "\(Model.self)Checkpoint: the vocabulary has \(vocabulary.count) characters, the model \(model.vocabularySize)")
        self.model = model
        self.vocabulary = vocabulary
    }

    /// What the header records beside the weights: the format, configuration and vocabulary.
    public func metadata() throws -> [String: String] {
        [
            Self.formatKey: Self.format,
            "myelin.configuration": try CheckpointMetadata.json(model.configuration),
            "myelin.vocabulary": String(decoding: vocabulary.jsonData(), as: UTF8.self),
        ]
    }

    /// The training state that goes with the model in one file: the model itself, `optimizer`,
    /// the run's random `generators` and carried `tensors` (see `TrainingCheckpoint`).
    public func trainingState(
        optimizer: Optimizer?, generators: [(name: String, generator: RandomGenerator)] = [],
        tensors: [(name: String, tensor: Tensor)] = []
    ) -> TrainingCheckpoint {
        TrainingCheckpoint(
            format: Self.format, modules: [("", model)],
            optimizers: optimizer.map { [("model", $0)] } ?? [], generators: generators, tensors: tensors)
    }

    /// `length` characters that continue `prime`, drawn by `sampler`; throws a `DataError` when the
    /// prime has a character outside the vocabulary.
    public func continuation(of prime: String, length: Int, sampler: TokenSampler, generator: RandomGenerator) throws -> String {
        let ids = model.generate(prime: try vocabulary.encode(prime).map(Int.init), length: length, sampler: sampler, generator: generator)
        return vocabulary.decode(ids)
    }

    /// Writes the model alone atomically (a crash leaves the previous file whole); `myelin train`
    /// saves it with its whole run instead, through the Trainer.
    public func save(to url: URL) throws {
        try trainingState(optimizer: nil).save(to: url, metadata: try metadata())
    }

    /// Reads a checkpoint, rebuilding the model from its configuration. Throws an error naming the
    /// file when it is not a readable checkpoint of this kind of model.
    public init(contentsOf url: URL) throws {
        try self.init(file: SafeTensors.read(contentsOf: url), path: url.path)
    }

    /// `init(contentsOf:)` for a file already read from `path`.
    public init(file: SafeTensorsFile, path: String) throws {
        func problem(_ message: String) -> CheckpointError { CheckpointError(path: path, message: message) }
        guard file.metadata[Self.formatKey] == Self.format else {
            throw problem(
                "not a \(Model.displayName) checkpoint (its metadata has no \(Self.formatKey) = \(Self.format)); make one with `myelin train \(Model.commandName)`"
            )
        }
        let configuration = try CheckpointMetadata.value(
            Model.Configuration.self, key: "myelin.configuration",
            in: file.metadata, path: path, what: "model configuration")
        guard Model.isValid(configuration) else {
            throw problem("its model configuration (metadata myelin.configuration) is invalid")
        }
        guard let vocabularyText = file.metadata["myelin.vocabulary"] else {
            throw problem("it has no vocabulary (metadata myelin.vocabulary)")
        }
        let vocabulary = try CharacterVocabulary(jsonData: Data(vocabularyText.utf8), path: path)
        // Its initial weights are overwritten at once; a generator of its own leaves the global one untouched.
        let model = Model(configuration, generator: RandomGenerator(seed: 0))
        guard vocabulary.count == model.vocabularySize else {
            throw problem("its vocabulary has \(vocabulary.count) characters but the model expects \(model.vocabularySize)")
        }
        do {
            // A training checkpoint also holds the optimizer's state, which the model does not need.
            try model.loadStateDict(TrainingCheckpoint.modelTensors(of: file))
        } catch {
            throw problem("its weights do not fit the model it describes: \(error)")
        }
        self.init(model: model, vocabulary: vocabulary)
    }
}
