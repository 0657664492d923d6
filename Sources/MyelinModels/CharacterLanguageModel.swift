import MyelinData
import MyelinNN
import MyelinTensor
import MyelinTraining

/// A model of the characters of a text that a checkpoint (`LanguageModelCheckpoint`) can rebuild from
/// its configuration alone.
public protocol CharacterModel: Module {
    associatedtype Configuration: Codable & Equatable
    /// The `myelin.format` metadata value that marks a file as this model's checkpoint.
    static var checkpointFormat: String { get }
    /// How messages name the model ("char-RNN") and the `myelin train` model that makes one ("charrnn").
    static var displayName: String { get }
    static var commandName: String { get }
    /// Whether a model can be built from `configuration` (a file may hold anything).
    static func isValid(_ configuration: Configuration) -> Bool

    var configuration: Configuration { get }
    /// The number of characters of the vocabulary the model scores.
    var vocabularySize: Int { get }
    init(_ configuration: Configuration, generator: RandomGenerator)
}

/// A character-level language model — ids [N, T] → logits [N, T, V] for the next character at every
/// position — that continues texts.
public protocol CharacterLanguageModel: CharacterModel {
    /// Continues `prime` (character ids, at least one) by `length` characters drawn by `sampler`;
    /// returns only the new ids.
    func generate(prime: [Int], length: Int, sampler: TokenSampler, generator: RandomGenerator) -> [Int]
}

extension CharacterLanguageModel {
    /// The mean cross-entropy per predicted character, in nats, over `ids` cut into non-overlapping
    /// windows that each start afresh (the char-LSTM benchmark's validation loss), in evaluation mode. Divide by ln 2 for
    /// bits per character.
    public func meanLoss(on ids: [Int32], window: Int, batchSize: Int = 256) -> (nats: Double, windows: Int) {
        evaluating {
            var total = 0.0, count = 0, windows = 0
            for (inputs, targets) in validationWindows(ids, window: window, batchSize: batchSize) {
                total += Double(crossEntropy(self(inputs), targets, reduction: .sum).item)
                count += targets.count
                windows += inputs.shape[0]
            }
            return (total / Double(max(count, 1)), windows)
        }
    }
}

extension CharacterLanguageModel {
    /// The validation figures of a language model's run: "validation loss" in nats per character
    /// (`meanLoss`) and the same in bits.
    public func validationEvaluation(on ids: [Int32], window: Int) -> Evaluation {
        let nats = meanLoss(on: ids, window: window).nats
        return ["validation loss": nats, "validation bits per character": nats / 0.6931471805599453]
    }
}
