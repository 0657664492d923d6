/// What an attention layer gives: the values weighed by the attention, and the weights themselves
/// (for pictures of what the model looked at).
///
/// Shapes: context [B, Hv] and weights [B, S] for one query per example; [B, T, Hv] and [B, T, S]
/// for T queries per example.
public struct AttentionOutput {
    /// Σₛ weights[s]·values[s], per query.
    public let context: Tensor
    /// A distribution over the S keys per query: ≥ 0, summing to 1, 0 where the mask says padding.
    public let weights: Tensor
}

/// The readout every attention layer shares: a softmax over the keys of `scores`, padding left
/// out, then the weighted sum of `values`.
///
/// Shapes: scores [B, S] or [B, T, S], values [B, S, Hv], mask [B, S] (1 for a real key, 0 for
/// padding, as `PaddedBatch.mask`; nil: every key is real) → context [B, Hv] or [B, T, Hv], weights
/// like scores. A padded key's score is lowered by 10⁹, so its weight is exactly 0 and so is its
/// gradient; a row with no real key at all gets uniform weights rather than NaN.
public func attentionReadout(scores: Tensor, values: Tensor, mask: Tensor?) -> AttentionOutput {
    precondition(
        (scores.rank == 2 || scores.rank == 3) && values.rank == 3 && values.shape[0] == scores.shape[0]
            && values.shape[1] == scores.shape[scores.rank - 1],
        "attentionReadout: scores shape \(scores.shape) is not [B, S] or [B, T, S] for values shape \(values.shape) ([B, S, Hv])")
    var logits = scores
    if let mask {
        precondition(
            mask.shape == [values.shape[0], values.shape[1]],
            "attentionReadout: mask shape \(mask.shape) is not [B, S] = \([values.shape[0], values.shape[1]]) (values shape \(values.shape))"
        )
        let penalty = (mask.detached() - 1) * 1e9
        logits = logits + (scores.rank == 3 ? penalty.unsqueezed(axis: 1) : penalty)
    }
    let weights = logits.softmax(axis: -1)
    let context =
        scores.rank == 2
        ? matmul(weights.unsqueezed(axis: 1), values).squeezed(axis: 1)
        : matmul(weights, values)
    return AttentionOutput(context: context, weights: weights)
}
