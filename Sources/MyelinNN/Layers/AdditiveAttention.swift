/// Additive attention (Bahdanau, Cho and Bengio, 2015): score(q, kₛ) = vᵀ·tanh(W_q·q + W_k·kₛ + b),
/// a softmax over the keys (padding masked out), and the values weighed by it.
///
/// Shapes: query [B, querySize] (one query per example, as a decoder step asks) or
/// [B, T, querySize]; keys [B, S, keySize]; values [B, S, Hv] (often the keys themselves); mask
/// [B, S], 1 for a real key and 0 for padding (`PaddedBatch.mask`) → context [B, Hv] and weights
/// [B, S] (or [B, T, Hv] and [B, T, S]). Parameters: `query.weight` [A, querySize], `key.weight`
/// [A, keySize], `key.bias` [A], `score.weight` [1, A], A = attentionSize; PyTorch's `Linear`
/// initialisation.
///
/// The keys' projection does not depend on the query: a decoder computes it once per source with
/// `projectKeys` and passes it to every step's `callAsFunction(query:projectedKeys:values:mask:)`.
public final class AdditiveAttention: Module {
    public let query: Linear
    public let key: Linear
    public let score: Linear

    public init(querySize: Int, keySize: Int, attentionSize: Int, generator: RandomGenerator = .global) {
        query = Linear(querySize, attentionSize, bias: false, generator: generator)
        key = Linear(keySize, attentionSize, generator: generator)
        score = Linear(attentionSize, 1, bias: false, generator: generator)
    }

    public var querySize: Int { query.inFeatures }
    public var keySize: Int { key.inFeatures }
    public var attentionSize: Int { query.outFeatures }

    /// W_k·keys + b, [B, S, attentionSize]: the part of every score that the query does not change.
    public func projectKeys(_ keys: Tensor) -> Tensor {
        precondition(
            keys.rank == 3 && keys.shape[2] == keySize,
            "AdditiveAttention: keys shape \(keys.shape) is not [batch, keys, \(keySize)]")
        return key(keys)
    }

    public func callAsFunction(query q: Tensor, keys: Tensor, values: Tensor, mask: Tensor? = nil) -> AttentionOutput {
        callAsFunction(query: q, projectedKeys: projectKeys(keys), values: values, mask: mask)
    }

    /// Attention with keys already projected by `projectKeys`.
    public func callAsFunction(query q: Tensor, projectedKeys: Tensor, values: Tensor, mask: Tensor? = nil) -> AttentionOutput {
        precondition(
            (q.rank == 2 || q.rank == 3) && q.shape.last == querySize,
            "AdditiveAttention: query shape \(q.shape) is not [batch, \(querySize)] or [batch, queries, \(querySize)]")
        precondition(
            projectedKeys.rank == 3 && projectedKeys.shape[0] == q.shape[0] && projectedKeys.shape[2] == attentionSize,
            "AdditiveAttention: projected keys shape \(projectedKeys.shape) is not [\(q.shape[0]), keys, \(attentionSize)] for query shape \(q.shape)"
        )
        // [B, A] + [B, S, A], or [B, T, 1, A] + [B, 1, S, A]: every query against every key.
        let hidden =
            q.rank == 2
            ? (query(q).unsqueezed(axis: 1) + projectedKeys).tanh()
            : (query(q).unsqueezed(axis: 2) + projectedKeys.unsqueezed(axis: 1)).tanh()
        return attentionReadout(scores: score(hidden).squeezed(axis: -1), values: values, mask: mask)
    }
}
