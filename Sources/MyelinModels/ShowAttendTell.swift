import MyelinNN
import MyelinTensor

/// An image captioner with soft attention (Xu et al. 2015, "Show, Attend and Tell"): a small
/// ConvNet turns the image into a grid of feature vectors, and an LSTM writes the caption a word at
/// a time, each step looking at the grid through additive attention — a distribution over the grid's
/// cells, whose weighted features (the context) go into the step with the previous word.
///
/// ```
/// encoder   1×64×64 → [3×3 conv, batch norm, ReLU, 2×2 max pool] × 3 → 3×3 conv, BN, ReLU → 128×8×8
///           + a learned vector per cell (so the context says where it looked) → features [B, 64, 128]
/// start     h₀, c₀ = tanh(Linear(mean of the features))
/// step t    αₜ, zₜ = attention(hₜ₋₁, features)        (zₜ = Σᵢ αₜᵢ·featuresᵢ)
///           hₜ, cₜ = LSTMCell([embedding(wordₜ₋₁), zₜ], (hₜ₋₁, cₜ₋₁))
///           logitsₜ = Linear([hₜ, zₜ])
/// ```
///
/// Shapes: images [B, 1, side, side] and input tokens [B, T] (int) → logits [B, T, vocabulary] and
/// attention weights [B, T, cells], cells = (side / 2^pools)². State-dict names: `encoder.0.weight`
/// (first convolution), `encoder.1.weight` (its batch norm), …, `positions.weight`,
/// `initialHidden.weight`, `initialCell.weight`, `attention.query.weight`, `attention.key.weight`,
/// `attention.score.weight`, `embedding.weight`, `lstm.weight_ih`, …, `head.weight`.
public final class ShowAttendTell: Module {
    /// What it takes to rebuild the model (a checkpoint stores it as JSON).
    public struct Configuration: Codable, Equatable, Sendable {
        /// The images' height and width (a multiple of 2^(encoderWidths.count − 1)).
        public var side: Int
        /// Each convolution's output channels; every one but the last is followed by 2×2 max pooling.
        public var encoderWidths: [Int]
        /// Words the decoder can write, the special tokens included.
        public var vocabularySize: Int
        public var embeddingSize: Int
        public var hiddenSize: Int
        public var attentionSize: Int

        // Three poolings of 64×64 give an 8×8 grid whose cells see 38 pixels across, enough for
        // the largest digit; 128 channels there and an LSTM of 256 train on 2 cores in under an hour.
        public init(
            side: Int = 64, encoderWidths: [Int] = [16, 32, 64, 128], vocabularySize: Int, embeddingSize: Int = 32,
            hiddenSize: Int = 256, attentionSize: Int = 64
        ) {
            self.side = side
            self.encoderWidths = encoderWidths
            self.vocabularySize = vocabularySize
            self.embeddingSize = embeddingSize
            self.hiddenSize = hiddenSize
            self.attentionSize = attentionSize
        }

        /// The side of the feature grid.
        public var gridSide: Int { side >> max(encoderWidths.count - 1, 0) }
        /// The cells the decoder attends over.
        public var cells: Int { gridSide * gridSide }
        /// Channels of each cell's features.
        public var featureSize: Int { encoderWidths.last ?? 0 }

        /// Whether a model can be built from it (a file may hold anything).
        public var isValid: Bool {
            (1...8).contains(encoderWidths.count) && encoderWidths.allSatisfy { (1...1024).contains($0) } && (1...4096).contains(side)
                && side % (1 << (encoderWidths.count - 1)) == 0 && (5...100_000).contains(vocabularySize)
                && [embeddingSize, hiddenSize, attentionSize].allSatisfy { (1...4096).contains($0) }
        }
    }

    /// What the decoder carries from step to step, one row per caption being written: the LSTM's
    /// state and the image's features (with their projection for the attention, made once).
    public struct State {
        public var hidden: Tensor
        public var cell: Tensor
        /// [rows, cells, featureSize]
        public var features: Tensor
        /// [rows, cells, attentionSize]
        public var projectedFeatures: Tensor
    }

    public let configuration: Configuration
    public let encoder: Sequential
    public let positions: Embedding
    public let initialHidden: Linear
    public let initialCell: Linear
    public let attention: AdditiveAttention
    public let embedding: Embedding
    public let lstm: LSTMCell
    public let head: Linear

    public init(_ configuration: Configuration, generator: RandomGenerator = .global) {
        precondition(configuration.isValid, "ShowAttendTell: configuration \(configuration) cannot be built")
        let c = configuration
        self.configuration = c
        let widths = [1] + c.encoderWidths
        encoder = Sequential {
            for k in 1..<widths.count {
                Conv2d(widths[k - 1], widths[k], kernelSize: 3, padding: 1, bias: false, generator: generator)
                BatchNorm2d(widths[k])
                ReLU()
                if k < widths.count - 1 { MaxPool2d(2) }
            }
        }
        positions = Embedding(c.cells, c.featureSize, generator: generator)
        initialHidden = Linear(c.featureSize, c.hiddenSize, generator: generator)
        initialCell = Linear(c.featureSize, c.hiddenSize, generator: generator)
        attention = AdditiveAttention(
            querySize: c.hiddenSize, keySize: c.featureSize, attentionSize: c.attentionSize, generator: generator)
        embedding = Embedding(c.vocabularySize, c.embeddingSize, generator: generator)
        lstm = LSTMCell(inputSize: c.embeddingSize + c.featureSize, hiddenSize: c.hiddenSize, generator: generator)
        head = Linear(c.hiddenSize + c.featureSize, c.vocabularySize, generator: generator)
    }

    /// The decoder's state before the first word: the images' features and the LSTM's start.
    public func encode(_ images: Tensor) -> State {
        let side = configuration.side
        precondition(
            images.rank == 4 && Array(images.shape.dropFirst()) == [1, side, side],
            "ShowAttendTell: images must be [batch, 1, \(side), \(side)], got shape \(images.shape)")
        let grid = encoder(images)
        // [B, C, h, w] → [B, cells, C], each cell's vector plus its place's.
        let features =
            grid.reshaped([grid.shape[0], configuration.featureSize, configuration.cells]).permuted([0, 2, 1])
            + positions.weight
        let mean = features.mean(axis: 1)
        return State(
            hidden: initialHidden(mean).tanh(), cell: initialCell(mean).tanh(), features: features,
            projectedFeatures: attention.projectKeys(features))
    }

    /// One decoder step: the logits of the next word [rows, vocabulary] after `tokens` [rows] (int),
    /// the attention weights it looked with [rows, cells], and the state after it.
    public func step(_ tokens: Tensor, state: State) -> (logits: Tensor, weights: Tensor, state: State) {
        let looked = attention(query: state.hidden, projectedKeys: state.projectedFeatures, values: state.features)
        let next = lstm.step(
            concatenate([embedding(tokens), looked.context], axis: 1),
            state: RecurrentState(hidden: state.hidden, cell: state.cell))
        let logits = head(concatenate([next.hidden, looked.context], axis: 1))
        var after = state
        after.hidden = next.hidden
        after.cell = next.cell!
        return (logits, looked.weights, after)
    }

    /// Teacher forcing: the logits after each of `tokens` [B, T] (the caption so far, from the start
    /// token) [B, T, vocabulary], and the attention weights of every step [B, T, cells].
    public func forward(_ images: Tensor, tokens: Tensor) -> (logits: Tensor, weights: Tensor) {
        precondition(
            tokens.rank == 2 && tokens.shape[0] == images.shape[0],
            "ShowAttendTell: tokens shape \(tokens.shape) is not [batch, steps] for images shape \(images.shape)")
        var state = encode(images)
        var logits = [Tensor](), weights = [Tensor]()
        for t in 0..<tokens.shape[1] {
            let out = step(tokens.narrowed(axis: 1, start: t, length: 1).reshaped([-1]), state: state)
            logits.append(out.logits)
            weights.append(out.weights)
            state = out.state
        }
        return (stack(logits, axis: 1), stack(weights, axis: 1))
    }

    /// The best captions of `images` by `search` (width 1: greedy), as token ids without the start
    /// and end tokens, in evaluation mode.
    public func captions(of images: Tensor, search: BeamSearch, start: Int32, end: Int32) -> [[BeamSearch.Hypothesis]] {
        evaluating { search.decode(self, state: encode(images), examples: images.shape[0], start: start, end: end) }
    }
}

extension ShowAttendTell: StepwiseDecoder {
    public func logProbabilities(after tokens: [Int32], state: State) -> (logProbabilities: Tensor, state: State) {
        let out = step(Tensor(shape: [tokens.count], integers: tokens.map(Int.init)), state: state)
        return (out.logits.logSoftmax(axis: -1), out.state)
    }

    public func selectingRows(_ rows: [Int], of state: State) -> State {
        let indices = Tensor(shape: [rows.count], integers: rows)
        return State(
            hidden: state.hidden.indexSelect(axis: 0, indices: indices), cell: state.cell.indexSelect(axis: 0, indices: indices),
            features: state.features.indexSelect(axis: 0, indices: indices),
            projectedFeatures: state.projectedFeatures.indexSelect(axis: 0, indices: indices))
    }
}
