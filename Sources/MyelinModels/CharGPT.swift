import MyelinData
import MyelinNN
import MyelinTensor

/// A character-level GPT: token embedding plus position embedding, pre-LN transformer blocks with
/// causal self-attention, a final layer norm and a linear head that scores every character of the
/// vocabulary as the next one. The defaults are the char-transformer benchmark's network (821,068 parameters for 76 characters).
///
/// Shapes: character ids [N, T] (int32/int64, T ≤ context) → logits [N, T, V]. State-dict names
/// follow the benchmark's PyTorch module: `tok.weight`, `pos.weight`, `blocks.0.ln1.weight`, `blocks.0.qkv.weight`,
/// …, `lnf.weight`, `head.weight`, `head.bias` (the head is not tied to the embedding).
public final class CharGPT: Module {
    /// What a checkpoint must record to rebuild the model.
    public struct Configuration: Codable, Equatable, Sendable {
        /// How positions are told apart.
        public enum Positions: String, Codable, CaseIterable, Sendable {
            /// A learned table, `pos` (GPT-2, the char-transformer benchmark).
            case learned
            /// Fixed sinusoids (nothing learned, nothing saved).
            case sinusoidal
        }

        public var vocabularySize: Int
        /// The most characters the model sees at once.
        public var context: Int
        public var embedDim: Int
        public var heads: Int
        public var layers: Int
        /// The width of each block's hidden feed-forward layer.
        public var feedForward: Int
        public var positions: Positions

        public init(
            vocabularySize: Int, context: Int = 64, embedDim: Int = 128, heads: Int = 4, layers: Int = 4,
            feedForward: Int = 512, positions: Positions = .learned
        ) {
            self.vocabularySize = vocabularySize
            self.context = context
            self.embedDim = embedDim
            self.heads = heads
            self.layers = layers
            self.feedForward = feedForward
            self.positions = positions
        }
    }

    public let configuration: Configuration
    public let tok: Embedding
    /// An `Embedding` of positions, or a `SinusoidalPositionalEncoding`.
    public let pos: Module
    public let blocks: [TransformerBlock]
    public let lnf: LayerNorm
    public let head: Linear

    /// Initialised as PyTorch's defaults: embeddings N(0, 1), linear layers U(±1/√fanIn), layer norms 1 and 0.
    public init(_ configuration: Configuration, generator: RandomGenerator = .global) {
        let c = configuration
        precondition(
            c.vocabularySize > 0 && c.context > 0 && c.layers >= 0 && c.feedForward > 0,
            "CharGPT: sizes must be positive, got \(c)")
        self.configuration = c
        tok = Embedding(c.vocabularySize, c.embedDim, generator: generator)
        pos =
            c.positions == .learned
            ? Embedding(c.context, c.embedDim, generator: generator)
            : SinusoidalPositionalEncoding(c.context, c.embedDim)
        blocks = (0..<c.layers).map { _ in
            TransformerBlock(embedDim: c.embedDim, heads: c.heads, feedForward: c.feedForward, generator: generator)
        }
        lnf = LayerNorm(c.embedDim)
        head = Linear(c.embedDim, c.vocabularySize, generator: generator)
    }

    /// Logits for the next character at every position; position i sees characters 0…i only.
    public override func forward(_ ids: Tensor) -> Tensor {
        precondition(
            ids.rank == 2 && ids.shape[1] <= configuration.context,
            "CharGPT: ids must be [batch, steps] with at most \(configuration.context) steps (the context), got shape \(ids.shape)")
        var x = tok(ids) + pos(Tensor(integers: Array(0..<ids.shape[1])))
        for block in blocks { x = block.forward(x, causal: true) }
        return head(lnf(x))
    }

    /// Continues `prime` (character ids, at least one) by `length` characters, each drawn by
    /// `sampler` from the model's prediction given the last `context` characters. Returns only the new ids.
    public func generate(
        prime: [Int], length: Int, sampler: TokenSampler,
        generator: RandomGenerator = .global
    ) -> [Int] {
        precondition(!prime.isEmpty, "CharGPT.generate: the prime must hold at least one character")
        precondition(length >= 0, "CharGPT.generate: length \(length) is negative")
        return evaluating {
            var text = prime, generated: [Int] = []
            generated.reserveCapacity(length)
            for _ in 0..<length {
                // No cache of keys and values: each step reads its whole window again.
                let window = Array(text.suffix(configuration.context))
                let logits = forward(Tensor(shape: [1, window.count], integers: window))
                let last = logits.narrowed(axis: 1, start: window.count - 1, length: 1).reshaped([-1])
                let next = sampler.sample(logits: last, generator: generator)
                generated.append(next)
                text.append(next)
            }
            return generated
        }
    }
}
