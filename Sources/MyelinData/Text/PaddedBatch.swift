import MyelinTensor

/// Token sequences of different lengths in one batch: each row holds one sequence, padded at its
/// end to the length of the longest, and a mask says which positions are real.
///
/// Shapes: tokens [batch, length] int64, mask [batch, length] float32 (1 for a token, 0 for padding).
public struct PaddedBatch {
    /// The tokens, padding after each sequence's end.
    public let tokens: Tensor
    /// 1 where `tokens` holds a token of a sequence, 0 where it holds padding.
    public let mask: Tensor
    /// The length of each sequence, without padding.
    public let lengths: [Int]

    /// `sequences` padded with `padding` to `length` (the longest sequence's length when nil).
    public init(_ sequences: [[Int32]], padding: Int32 = WordVocabulary.paddingID, length: Int? = nil) {
        let lengths = sequences.map(\.count)
        let width = length ?? lengths.max() ?? 0
        if let longest = lengths.max() {
            precondition(
                longest <= width, "PaddedBatch: a sequence of \(longest) tokens does not fit in a padded length of \(width)")
        }
        var ids = [Int](repeating: Int(padding), count: sequences.count * width)
        var real = [Float](repeating: 0, count: sequences.count * width)
        for (row, sequence) in sequences.enumerated() {
            for (t, id) in sequence.enumerated() {
                ids[row * width + t] = Int(id)
                real[row * width + t] = 1
            }
        }
        tokens = Tensor(shape: [sequences.count, width], integers: ids)
        mask = Tensor(shape: [sequences.count, width], scalars: real)
        self.lengths = lengths
    }

    /// The number of sequences.
    public var count: Int { lengths.count }

    /// The padded length.
    public var length: Int { tokens.shape[1] }

    /// A decoder's input and target under teacher forcing: the input is `start` followed by each
    /// sequence, the target each sequence followed by `end`, so the decoder learns to predict token
    /// t + 1 from tokens ≤ t and to say when it is done. Both are padded to the same length;
    /// a loss skips the padding with `crossEntropy(…, ignoreIndex: Int(padding))`.
    public static func teacherForcing(
        _ sequences: [[Int32]], start: Int32 = WordVocabulary.startID, end: Int32 = WordVocabulary.endID,
        padding: Int32 = WordVocabulary.paddingID
    ) -> (input: PaddedBatch, target: PaddedBatch) {
        (
            PaddedBatch(sequences.map { [start] + $0 }, padding: padding),
            PaddedBatch(sequences.map { $0 + [end] }, padding: padding)
        )
    }
}
