/// A table of learned vectors, one per token: output[..., :] = weight[index, :].
///
/// Shapes: indices [...] (int32 or int64) → output [..., dimension]; weight [count, dimension].
/// Initialised as PyTorch's: W ~ N(0, 1), with the `paddingIndex` row zero; that row gets no gradient.
public final class Embedding: Module {
    @Parameter public var weight: Tensor
    /// The row that stays fixed (PyTorch's `padding_idx`), in 0..<count; nil for none.
    public let paddingIndex: Int?

    public init(_ count: Int, _ dimension: Int, paddingIndex: Int? = nil, generator: RandomGenerator = .global) {
        precondition(count > 0 && dimension > 0, "Embedding: sizes must be positive, got \(count) × \(dimension)")
        let padding = normalizedPaddingIndex(paddingIndex, rowCount: count, for: "Embedding")
        let table = Tensor.randn([count, dimension], generator: generator)
        if let padding {
            table.withUnsafeMutableScalars { w in
                for j in 0..<dimension { w[padding * dimension + j] = 0 }
            }
        }
        weight = table
        self.paddingIndex = padding
    }

    /// Number of rows (the vocabulary size).
    public var count: Int { weight.shape[0] }
    /// Length of each vector.
    public var dimension: Int { weight.shape[1] }

    public override func forward(_ indices: Tensor) -> Tensor {
        embedding(indices, weight: weight, paddingIndex: paddingIndex)
    }
}
