import MyelinData
import MyelinNN
import MyelinTensor

/// A character-level language model (char-RNN): embedding → recurrent layers → a linear head that
/// scores every character of the vocabulary as the next one. The defaults are the char-LSTM benchmark's network:
/// Embedding(V, 64) – LSTM(64, 256) – Linear(256, V).
///
/// Shapes: character ids [N, T] (int32/int64) → logits [N, T, V]. State-dict names follow the benchmark's
/// PyTorch module (`emb.weight`, `lstm.weight_ih_l0`, …, `head.weight`); the recurrent layer is
/// named after its cell (`lstm`, `gru` or `rnn`).
public final class CharRNN: Module {
    /// What a checkpoint must record to rebuild the model.
    public struct Configuration: Codable, Equatable, Sendable {
        public enum Cell: String, Codable, CaseIterable, Sendable {
            case lstm, gru, rnn

            var recurrentCell: RecurrentCell { self == .lstm ? .lstm : self == .gru ? .gru : .rnnTanh }
        }

        public var vocabularySize: Int
        public var embeddingSize: Int
        public var hiddenSize: Int
        public var layers: Int
        public var cell: Cell
        /// Between recurrent layers (only with layers > 1).
        public var dropout: Float

        public init(
            vocabularySize: Int, embeddingSize: Int = 64, hiddenSize: Int = 256, layers: Int = 1,
            cell: Cell = .lstm, dropout: Float = 0
        ) {
            self.vocabularySize = vocabularySize
            self.embeddingSize = embeddingSize
            self.hiddenSize = hiddenSize
            self.layers = layers
            self.cell = cell
            self.dropout = dropout
        }
    }

    public let configuration: Configuration
    public let emb: Embedding
    public let recurrent: RecurrentLayer
    public let head: Linear

    public init(_ configuration: Configuration, generator: RandomGenerator = .global) {
        let c = configuration
        self.configuration = c
        emb = Embedding(c.vocabularySize, c.embeddingSize, generator: generator)
        recurrent = RecurrentLayer(
            cell: c.cell.recurrentCell, inputSize: c.embeddingSize, hiddenSize: c.hiddenSize,
            layers: c.layers, batchFirst: true, dropout: c.dropout, generator: generator)
        head = Linear(c.hiddenSize, c.vocabularySize, generator: generator)
    }

    public override var namedChildren: [(String, Module)] {
        [("emb", emb), (configuration.cell.rawValue, recurrent), ("head", head)]
    }

    /// Logits for the next character at every position, from a zero state.
    public override func forward(_ ids: Tensor) -> Tensor { forward(ids, state: nil).logits }

    /// Logits for the next character at every position, and the state after the last one.
    public func forward(_ ids: Tensor, state: RecurrentState?) -> (logits: Tensor, state: RecurrentState) {
        precondition(ids.rank == 2, "CharRNN: ids must be [batch, steps], got shape \(ids.shape)")
        // The embedding's rows go into the first layer's input products once each, not once per token.
        let (hidden, next) = recurrent.forward(tokens: ids, embedding: emb.weight, state: state)
        // The head reads the states in time order, as the recurrence leaves them (one contiguous
        // block), and only its smaller logits are viewed in batch order.
        return (head(hidden.transposed(0, 1)).transposed(0, 1), next)
    }

    /// Continues `prime` (character ids, at least one) by `length` characters, each drawn by
    /// `sampler` from the model's prediction and fed back in. Returns only the new ids.
    public func generate(
        prime: [Int], length: Int, sampler: TokenSampler,
        generator: RandomGenerator = .global
    ) -> [Int] {
        precondition(!prime.isEmpty, "CharRNN.generate: the prime must hold at least one character")
        precondition(length >= 0, "CharRNN.generate: length \(length) is negative")
        return evaluating {
            // The prime in one pass; then one step per generated character, carrying the state.
            var (logits, state) = forward(Tensor(shape: [1, prime.count], integers: prime), state: nil)
            var generated: [Int] = []
            generated.reserveCapacity(length)
            for _ in 0..<length {
                let last = logits.narrowed(axis: 1, start: logits.shape[1] - 1, length: 1).reshaped([-1])
                let next = sampler.sample(logits: last, generator: generator)
                generated.append(next)
                (logits, state) = forward(Tensor(shape: [1, 1], integers: [next]), state: state)
            }
            return generated
        }
    }
}
