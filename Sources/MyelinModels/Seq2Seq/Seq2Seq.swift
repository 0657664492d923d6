import MyelinData
import MyelinNN
import MyelinTensor

/// A sequence-to-sequence network (Sutskever et al. 2014; with attention, Bahdanau et al. 2015 or
/// Luong et al. 2015): an LSTM encoder reads the source, an LSTM decoder writes the target a token
/// at a time, starting from the encoder's summary vector.
///
/// - Without attention the summary vector (`Seq2SeqEncoder`) is all the decoder learns of the
///   source: its initial state is tanh(`bridge`·summary), split into h and c.
/// - `.additive` (Bahdanau): before each step the decoder's state s_{t−1} attends over the
///   encoder's outputs; the context c_t joins the token's embedding as the LSTM's input, and the
///   logits read [s_t; c_t].
/// - `.dot` (Luong, global "dot" attention without input feeding): the decoder's output s_t attends
///   over the encoder's outputs; h̃_t = tanh(`combine`·[s_t; c_t]) gives the logits. Teacher-forced,
///   every step's attention is one batched product.
///
/// Shapes: sources [B, S] and decoder inputs [B, T] of token ids (0 = padding) → logits [B, T, V].
/// Parameters: `encoder.*`, `bridge.*`, `embedding.weight`, `decoder.*_l0`, `attention.*`,
/// `combine.*` (dot), `output.*`.
public final class Seq2Seq: Module {
    public enum Attention: String, Codable, CaseIterable, Sendable {
        case none
        /// Bahdanau's additive score, vᵀ·tanh(W·s + U·h).
        case additive
        /// Luong's dot score, sᵀ·h.
        case dot
    }

    public struct Configuration: Codable, Equatable, Sendable {
        public var sourceVocabularySize: Int
        public var targetVocabularySize: Int
        public var embeddingSize = 32
        /// Per direction of the encoder; the decoder is as wide as both together.
        public var hiddenSize = 64
        public var bidirectional = true
        public var attention = Attention.none
        /// The width of the additive score's hidden layer.
        public var attentionSize = 64

        public init(
            sourceVocabularySize: Int, targetVocabularySize: Int, embeddingSize: Int = 32, hiddenSize: Int = 64,
            bidirectional: Bool = true, attention: Attention = .none, attentionSize: Int = 64
        ) {
            self.sourceVocabularySize = sourceVocabularySize
            self.targetVocabularySize = targetVocabularySize
            self.embeddingSize = embeddingSize
            self.hiddenSize = hiddenSize
            self.bidirectional = bidirectional
            self.attention = attention
            self.attentionSize = attentionSize
        }

        /// The width of the encoder's outputs, of its summary and of the decoder's state.
        public var decoderSize: Int { hiddenSize * (bidirectional ? 2 : 1) }
    }

    public let configuration: Configuration
    public let encoder: Seq2SeqEncoder
    public let bridge: Linear
    public let embedding: Embedding
    public let decoder: LSTM
    public let additiveAttention: AdditiveAttention?
    public let dotAttention: DotProductAttention?
    public let combine: Linear?
    public let output: Linear

    public init(_ configuration: Configuration, generator: RandomGenerator = .global) {
        let c = configuration, width = c.decoderSize
        self.configuration = c
        encoder = Seq2SeqEncoder(
            vocabularySize: c.sourceVocabularySize, embeddingSize: c.embeddingSize, hiddenSize: c.hiddenSize,
            bidirectional: c.bidirectional, generator: generator)
        bridge = Linear(width, 2 * width, generator: generator)
        embedding = Embedding(c.targetVocabularySize, c.embeddingSize, paddingIndex: Int(WordVocabulary.paddingID), generator: generator)
        decoder = LSTM(
            inputSize: c.embeddingSize + (c.attention == .additive ? width : 0), hiddenSize: width, batchFirst: true, generator: generator)
        additiveAttention =
            c.attention == .additive
            ? AdditiveAttention(querySize: width, keySize: width, attentionSize: c.attentionSize, generator: generator) : nil
        dotAttention = c.attention == .dot ? DotProductAttention() : nil
        combine = c.attention == .dot ? Linear(2 * width, width, generator: generator) : nil
        output = Linear(c.attention == .additive ? 2 * width : width, c.targetVocabularySize, generator: generator)
    }

    public override var namedChildren: [(String, Module)] {
        var children: [(String, Module)] = [("encoder", encoder), ("bridge", bridge), ("embedding", embedding), ("decoder", decoder)]
        if let additiveAttention { children.append(("attention", additiveAttention)) }
        if let combine { children.append(("combine", combine)) }
        return children + [("output", output)]
    }

    /// The decoder's state before its first step, for every source of `source`.
    public func start(_ source: PaddedBatch) -> Seq2SeqState {
        let encoded = encoder.encode(source)
        let initial = bridge(encoded.summary).tanh().split(size: configuration.decoderSize, axis: 1)
        return Seq2SeqState(
            recurrent: RecurrentState(hidden: initial[0].unsqueezed(axis: 0), cell: initial[1].unsqueezed(axis: 0)),
            memory: encoded.outputs, projectedKeys: additiveAttention?.projectKeys(encoded.outputs), mask: encoded.mask,
            examples: Array(0..<source.count))
    }

    /// The logits [B, T, V] of the next token after each of `tokens` [B, T], from `state`; the state
    /// after them; and, with attention, what each step attended to, [B, T, S].
    public func decode(_ tokens: Tensor, from state: Seq2SeqState) -> (logits: Tensor, state: Seq2SeqState, weights: Tensor?) {
        precondition(
            tokens.rank == 2 && tokens.shape[0] == state.rows,
            "Seq2Seq.decode: tokens shape \(tokens.shape) is not [\(state.rows), steps] for a state of \(state.rows) rows")
        let x = embedding(tokens)
        switch configuration.attention {
        case .none:
            let (s, next) = decoder(x, state: state.recurrent)
            return (output(s), state.with(next), nil)
        case .dot:
            let (s, next) = decoder(x, state: state.recurrent)
            let read = dotAttention!(query: s, keys: state.memory, values: state.memory, mask: state.mask)
            return (output(combine!(concatenate([s, read.context], axis: 2)).tanh()), state.with(next), read.weights)
        case .additive:
            let attention = additiveAttention!
            var recurrent = state.recurrent
            var logits = [Tensor](), weights = [Tensor]()
            for t in 0..<tokens.shape[1] {
                let read = attention(
                    query: recurrent.hidden.squeezed(axis: 0), projectedKeys: state.projectedKeys!, values: state.memory,
                    mask: state.mask)
                let input = concatenate([x.narrowed(axis: 1, start: t, length: 1), read.context.unsqueezed(axis: 1)], axis: 2)
                let (s, next) = decoder(input, state: recurrent)
                recurrent = next
                logits.append(output(concatenate([s.squeezed(axis: 1), read.context], axis: 1)))
                weights.append(read.weights)
            }
            return (stack(logits, axis: 1), state.with(recurrent), stack(weights, axis: 1))
        }
    }

    /// Teacher-forced logits [B, T, V] of `batch`'s targets.
    public func logits(_ batch: TranslationBatch) -> Tensor {
        decode(batch.decoderInput.tokens, from: start(batch.source)).logits
    }

    /// The mean cross-entropy per target token (the end token included, padding left out).
    public func loss(_ batch: TranslationBatch) -> Tensor {
        crossEntropy(logits(batch), batch.target.tokens, ignoreIndex: Int(WordVocabulary.paddingID))
    }

    /// The best outputs of `search` for every source of `source`, best first (recording nothing, in
    /// evaluation mode).
    public func translate(_ source: PaddedBatch, search: BeamSearch) -> [[BeamSearch.Hypothesis]] {
        evaluating {
            search.decode(
                Seq2SeqSteps(model: self), state: start(source), examples: source.count, start: WordVocabulary.startID,
                end: WordVocabulary.endID)
        }
    }

    /// What the decoder attended to while writing `outputs` (one per source, without start and end
    /// tokens) for `source`: [B, T + 1, S], a row per output token and one for the end token;
    /// nil without attention.
    public func attentionWeights(source: PaddedBatch, outputs: [[Int32]]) -> Tensor? {
        guard configuration.attention != .none else { return nil }
        let input = PaddedBatch.teacherForcing(outputs).input
        return evaluating { decode(input.tokens, from: start(source)).weights }
    }
}

/// The decoder's state for a batch of rows (hypotheses): the LSTM's h and c, [1, rows, H] each,
/// and what every row attends to.
public struct Seq2SeqState {
    public var recurrent: RecurrentState
    /// The encoder's outputs of each row's source, [rows, S, H].
    public let memory: Tensor
    /// Additive attention's projection of `memory`, computed once per source.
    public let projectedKeys: Tensor?
    /// [rows, S]: 1 for a real source token.
    public let mask: Tensor
    /// The source each row reads (an index into the batch of sources).
    public let examples: [Int]

    public var rows: Int { examples.count }

    func with(_ recurrent: RecurrentState) -> Seq2SeqState {
        Seq2SeqState(recurrent: recurrent, memory: memory, projectedKeys: projectedKeys, mask: mask, examples: examples)
    }

    /// Rows `rows`, in that order. The sources' encodings are gathered only when a row changes
    /// source: beam search expands each source to its beams once, then reorders beams of one source.
    func selecting(_ rows: [Int]) -> Seq2SeqState {
        let select = { (t: Tensor) in pickRows(rows, of: t.squeezed(axis: 0)).unsqueezed(axis: 0) }
        let recurrent = RecurrentState(hidden: select(self.recurrent.hidden), cell: self.recurrent.cell.map(select))
        let examples = rows.map { self.examples[$0] }
        guard examples != self.examples else {
            return Seq2SeqState(recurrent: recurrent, memory: memory, projectedKeys: projectedKeys, mask: mask, examples: examples)
        }
        let gather = { (t: Tensor) in pickRows(rows, of: t.reshaped([self.rows, -1])).reshaped([rows.count] + Array(t.shape.dropFirst())) }
        return Seq2SeqState(
            recurrent: recurrent, memory: gather(memory), projectedKeys: projectedKeys.map(gather), mask: gather(mask),
            examples: examples)
    }
}

/// The network as beam search drives it: one token per row and step.
struct Seq2SeqSteps: StepwiseDecoder {
    let model: Seq2Seq

    func logProbabilities(after tokens: [Int32], state: Seq2SeqState) -> (logProbabilities: Tensor, state: Seq2SeqState) {
        let (logits, next, _) = model.decode(Tensor(shape: [tokens.count, 1], integers: tokens.map(Int.init)), from: state)
        return (logits.squeezed(axis: 1).logSoftmax(axis: -1), next)
    }

    func selectingRows(_ rows: [Int], of state: Seq2SeqState) -> Seq2SeqState { state.selecting(rows) }
}
