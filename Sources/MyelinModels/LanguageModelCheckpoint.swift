import Foundation
import MyelinData
import MyelinNN
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// A trained character-level language model in one safetensors file: the weights under their
/// PyTorch names, and in the header's metadata what it takes to use them — the model's
/// configuration, its vocabulary and the text samples start from. `myelin train` writes it (with the
/// run's training state beside: a Trainer checkpoint whose metadata includes `metadata()`);
/// `myelin sample` and `myelin fill` read it. `CharRNNCheckpoint`, `CharGPTCheckpoint` and
/// `CharBERTCheckpoint` are its kinds.
public struct LanguageModelCheckpoint<Model: CharacterModel> {
    public var model: Model
    public var vocabulary: CharacterVocabulary
    /// The text samples start from unless told otherwise: a line of the text the model learned
    /// (`TextCorpus.samplePrime`). Nil in checkpoints written before Myelin kept one, and for models that do not continue texts.
    public var prime: String?

    /// The metadata key that marks a file as a checkpoint (TrainingCheckpoint's), and this model's value for it.
    public static var formatKey: String { TrainingCheckpoint.formatKey }
    public static var format: String { Model.checkpointFormat }
    /// The metadata key of `prime`.
    public static var primeKey: String { "myelin.prime" }

    public init(model: Model, vocabulary: CharacterVocabulary, prime: String? = nil) {
        precondition(
            vocabulary.count == model.vocabularySize,
            "\(Model.self)Checkpoint: the vocabulary has \(vocabulary.count) characters, the model \(model.vocabularySize)")
        precondition(
            prime.map { !$0.isEmpty && $0.unicodeScalars.allSatisfy { vocabulary.id(of: $0) != nil } } ?? true,
            "\(Model.self)Checkpoint: the prime \(prime.debugDescription) is empty or has characters outside the vocabulary")
        self.model = model
        self.vocabulary = vocabulary
        self.prime = prime
    }

    /// The prime samples start from: the stored one, or for an older checkpoint a line break
    /// (the vocabulary's first character when it has none).
    public var defaultPrime: String { prime ?? vocabulary.prime(preferring: "\n") }

    /// What the header records beside the weights: the format, configuration, vocabulary and prime.
    public func metadata() throws -> [String: String] {
        var metadata = [
            Self.formatKey: Self.format,
            "myelin.configuration": try CheckpointMetadata.json(model.configuration),
            "myelin.vocabulary": String(decoding: vocabulary.jsonData(), as: UTF8.self),
        ]
        metadata[Self.primeKey] = prime
        return metadata
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
        let prime = file.metadata[Self.primeKey]
        if let prime, prime.isEmpty || !prime.unicodeScalars.allSatisfy({ vocabulary.id(of: $0) != nil }) {
            throw problem(
                "its prime (metadata \(Self.primeKey), \(prime.debugDescription)) is empty or has characters outside its vocabulary")
        }
        do {
            // A training checkpoint also holds the optimizer's state, which the model does not need.
            try model.loadStateDict(TrainingCheckpoint.modelTensors(of: file))
        } catch {
            throw problem("its weights do not fit the model it describes: \(error)")
        }
        self.init(model: model, vocabulary: vocabulary, prime: prime)
    }
}

extension LanguageModelCheckpoint where Model: CharacterLanguageModel {
    /// `length` characters that continue `prime`, drawn by `sampler`; throws a `DataError` when the
    /// prime has a character outside the vocabulary.
    public func continuation(of prime: String, length: Int, sampler: TokenSampler, generator: RandomGenerator) throws -> String {
        let ids = model.generate(prime: try vocabulary.encode(prime).map(Int.init), length: length, sampler: sampler, generator: generator)
        return vocabulary.decode(ids)
    }
}
