import MyelinData
import MyelinNN
import MyelinTensor

/// What the encoder makes of a batch of sources.
public struct EncodedSource {
    /// Every source token's encoding, [B, S, directions·H]: what attention reads. Positions past a
    /// source's length hold nothing meaningful; `mask` marks them.
    public let outputs: Tensor
    /// The summary vector, [B, directions·H]: the forward direction's hidden state at each source's
    /// last real token, beside the backward direction's at its first (after reading the whole source).
    public let summary: Tensor
    /// [B, S]: 1 for a real token, 0 for padding.
    public let mask: Tensor
}

/// An LSTM encoder over padded batches of token sequences, optionally bidirectional, exact for
/// every length: the result for a sequence in a padded batch is the result for it alone.
///
/// The forward direction runs over the padded batch as it is (padding after a sequence cannot
/// change what came before it) and its summary is read at each sequence's last real token. The
/// backward direction must start at each sequence's real end, not in its padding: it runs over the
/// batch with every sequence reversed within its own length, and its outputs are put back in order
/// by the same reversal (a permutation that is its own inverse, so its gradient is itself too).
///
/// Shapes: tokens [B, S] → outputs [B, S, directions·hiddenSize], summary [B, directions·hiddenSize].
/// Parameters: `embedding.weight`, `forward.*_l0` and, bidirectional, `backward.*_l0` (PyTorch's LSTM names).
public final class Seq2SeqEncoder: Module {
    public let embedding: Embedding
    public let forwardLSTM: LSTM
    public let backwardLSTM: LSTM?

    public init(vocabularySize: Int, embeddingSize: Int, hiddenSize: Int, bidirectional: Bool, generator: RandomGenerator) {
        embedding = Embedding(vocabularySize, embeddingSize, paddingIndex: Int(WordVocabulary.paddingID), generator: generator)
        forwardLSTM = LSTM(inputSize: embeddingSize, hiddenSize: hiddenSize, batchFirst: true, generator: generator)
        backwardLSTM =
            bidirectional ? LSTM(inputSize: embeddingSize, hiddenSize: hiddenSize, batchFirst: true, generator: generator) : nil
    }

    public override var namedChildren: [(String, Module)] {
        [("embedding", embedding), ("forward", forwardLSTM)] + (backwardLSTM.map { [("backward", $0)] } ?? [])
    }

    /// directions·hiddenSize: the width of the outputs and of the summary.
    public var outputSize: Int { forwardLSTM.hiddenSize * (backwardLSTM == nil ? 1 : 2) }

    public func encode(_ source: PaddedBatch) -> EncodedSource {
        let (batch, length) = (source.count, source.length)
        precondition(
            source.lengths.allSatisfy { $0 >= 1 }, "Seq2SeqEncoder: every source needs at least one token, got lengths \(source.lengths)")
        let x = embedding(source.tokens)
        let forwardOutputs = forwardLSTM(x)
        // Row b·S + (length_b − 1) of the [B·S, H] outputs: each sequence's last real step.
        let last = source.lengths.enumerated().map { b, n in b * length + n - 1 }
        let forwardSummary = pickRows(last, of: forwardOutputs)
        guard let backwardLSTM else {
            return EncodedSource(outputs: forwardOutputs, summary: forwardSummary, mask: source.mask)
        }
        // Position t < n of sequence b reads position n − 1 − t; padding stays where it is.
        let reversal = source.lengths.enumerated().flatMap { b, n in
            (0..<length).map { t in b * length + (t < n ? n - 1 - t : t) }
        }
        let reversedOutputs = backwardLSTM(pickRows(reversal, of: x).reshaped([batch, length, -1]))
        let backwardOutputs = pickRows(reversal, of: reversedOutputs).reshaped([batch, length, -1])
        return EncodedSource(
            outputs: concatenate([forwardOutputs, backwardOutputs], axis: 2),
            summary: concatenate([forwardSummary, pickRows(last, of: reversedOutputs)], axis: 1), mask: source.mask)
    }
}

/// Rows `rows` of `x` seen as a matrix [x.count / lastDimension, lastDimension], as [rows.count,
/// lastDimension]: a gather whose gradient adds each row's back where it came from (an embedding
/// lookup in `x`).
func pickRows(_ rows: [Int], of x: Tensor) -> Tensor {
    embedding(Tensor(integers: rows), weight: x.reshaped([-1, x.shape[x.rank - 1]]))
}
