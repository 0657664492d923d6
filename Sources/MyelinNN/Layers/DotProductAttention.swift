/// Multiplicative attention (Luong, Pham and Manning, 2015): score(q, kₛ) = scale·qᵀ·kₛ ("dot"),
/// or scale·qᵀ·W·kₛ ("general", when the layer is made with a query and key size), a softmax over
/// the keys (padding masked out), and the values weighed by it.
///
/// Shapes: query [B, Hq] or [B, T, Hq]; keys [B, S, Hk]; values [B, S, Hv]; mask [B, S], 1 for a
/// real key and 0 for padding (`PaddedBatch.mask`) → context [B, Hv] and weights [B, S] (or
/// [B, T, Hv] and [B, T, S]). "dot" needs Hq = Hk and has no parameters; "general" has
/// `query.weight` [Hk, Hq] (Wᵀ, applied to the query: one product per query rather than per key).
public final class DotProductAttention: Module {
    /// The general form's Wᵀ; nil for the plain dot product.
    public let query: Linear?
    /// Multiplies every score: 1 in Luong's attention, 1/√Hk in a transformer's.
    public let scale: Float

    /// The plain dot product of query and key.
    public init(scale: Float = 1) {
        query = nil
        self.scale = scale
    }

    /// The general form, qᵀ·W·k, for queries and keys of any sizes.
    public init(querySize: Int, keySize: Int, scale: Float = 1, generator: RandomGenerator = .global) {
        query = Linear(querySize, keySize, bias: false, generator: generator)
        self.scale = scale
    }

    public override var namedChildren: [(String, Module)] { query.map { [("query", $0)] } ?? [] }

    public func callAsFunction(query q: Tensor, keys: Tensor, values: Tensor, mask: Tensor? = nil) -> AttentionOutput {
        let projected = query.map { $0(q) } ?? q
        precondition(
            (q.rank == 2 || q.rank == 3) && keys.rank == 3 && keys.shape[0] == q.shape[0] && projected.shape.last == keys.shape[2],
            "DotProductAttention: query shape \(q.shape) does not match keys shape \(keys.shape)"
                + (query.map { " (general form: query size \($0.inFeatures), key size \($0.outFeatures))" }
                    ?? " (dot: the sizes must agree)"))
        // [B, 1, Hk]·[B, Hk, S] for one query per example, [B, T, Hk]·[B, Hk, S] for T.
        let keysT = keys.transposed(1, 2)
        var scores = q.rank == 2 ? matmul(projected.unsqueezed(axis: 1), keysT).squeezed(axis: 1) : matmul(projected, keysT)
        if scale != 1 { scores = scores * scale }
        return attentionReadout(scores: scores, values: values, mask: mask)
    }
}
