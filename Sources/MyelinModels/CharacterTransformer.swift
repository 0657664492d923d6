import MyelinNN
import MyelinTensor

/// A transformer over the characters of a text: token plus position embeddings, pre-LN transformer
/// blocks, a final layer norm and a linear head that scores every character of the vocabulary at
/// every position. `CharGPT` attends causally (position i sees characters 0…i: it predicts the next
/// one); `CharBERT` attends both ways (every position sees the whole window: it fills in masked ones).
///
/// Shapes: ids [N, T] (int32/int64, T ≤ context, each below `tokenCount`) → logits [N, T, V]. State-dict
/// names follow the char-transformer benchmark's PyTorch module: `tok.weight`, `pos.weight`, `blocks.0.ln1.weight`,
/// `blocks.0.qkv.weight`, …, `lnf.weight`, `head.weight`, `head.bias` (the head is not tied to the embedding).
public class CharacterTransformer: Module {
    /// What a checkpoint must record to rebuild the model.
    public struct Configuration: Codable, Equatable, Sendable {
        /// How positions are told apart.
        public enum Positions: String, Codable, CaseIterable, Sendable {
            /// A learned table, `pos` (GPT-2, the char-transformer benchmark).
            case learned
            /// Fixed sinusoids (nothing learned, nothing saved).
            case sinusoidal
        }

        /// The characters the head scores (V).
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

        /// Whether a model can be built from it (a checkpoint may hold anything).
        public var isValid: Bool {
            vocabularySize > 0 && context > 0 && embedDim > 0 && heads > 0 && embedDim % heads == 0
                && layers >= 0 && feedForward > 0 && vocabularySize < 1 << 24 && context < 1 << 16
                && embedDim < 1 << 16 && feedForward < 1 << 18 && layers < 256
        }
    }

    public let configuration: Configuration
    /// Whether position i attends to positions 0…i only.
    public let isCausal: Bool
    public let tok: Embedding
    /// An `Embedding` of positions, or a `SinusoidalPositionalEncoding`.
    public let pos: Module
    public let blocks: [TransformerBlock]
    public let lnf: LayerNorm
    public let head: Linear

    /// `tokenCount` ids in, `configuration.vocabularySize` characters scored. Initialised as PyTorch's
    /// defaults: embeddings N(0, 1), linear layers U(±1/√fanIn), layer norms 1 and 0.
    init(_ configuration: Configuration, tokenCount: Int, causal: Bool, generator: RandomGenerator) {
        let c = configuration
        precondition(
            c.vocabularySize > 0 && c.context > 0 && c.layers >= 0 && c.feedForward > 0 && tokenCount >= c.vocabularySize,
            "\(Self.self): sizes must be positive, got \(c)")
        self.configuration = c
        isCausal = causal
        tok = Embedding(tokenCount, c.embedDim, generator: generator)
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

    /// Logits for every character at every position.
    public override func forward(_ ids: Tensor) -> Tensor { head(lnf(features(ids))) }

    /// What the blocks make of every position, before the final layer norm: [N, T, embedDim].
    public func features(_ ids: Tensor) -> Tensor {
        precondition(
            ids.rank == 2 && ids.shape[1] <= configuration.context,
            "\(Self.self): ids must be [batch, steps] with at most \(configuration.context) steps (the context), got shape \(ids.shape)")
        var x = tok(ids) + pos(Tensor(integers: Array(0..<ids.shape[1])))
        for block in blocks { x = block.forward(x, causal: isCausal) }
        return x
    }
}
