/// Cross-entropy between logits and integer class labels: `nllLoss(logSoftmax(logits), labels)`.
///
/// The classes are the last axis, so a language model's [B, T, V] logits take its [B, T] targets
/// as they are (PyTorch's `F.cross_entropy` wants the classes second, [N, C, d…]).
///
/// Shapes: logits [..., C], labels [...] (int32 or int64, values in 0..<C) → scalar (or [...]
/// with `.none`); [N, C] with [N] labels is the common case.
public func crossEntropy(_ logits: Tensor, _ labels: Tensor, reduction: Reduction = .mean) -> Tensor {
    precondition(logits.rank >= 1, "crossEntropy: logits must be [..., C], got a scalar")
    return nllLoss(logits.logSoftmax(axis: -1), labels, reduction: reduction)
}

/// Cross-entropy where labels equal to `ignoreIndex` (padding, or positions a masked language
/// model does not predict) add nothing and the mean is over the other labels, as PyTorch's
/// `ignore_index`.
public func crossEntropy(_ logits: Tensor, _ labels: Tensor, reduction: Reduction = .mean, ignoreIndex: Int) -> Tensor {
    precondition(logits.rank >= 1, "crossEntropy: logits must be [..., C], got a scalar")
    return nllLoss(logits.logSoftmax(axis: -1), labels, reduction: reduction, ignoreIndex: ignoreIndex)
}

/// Negative log-likelihood of the labelled class, given log-probabilities over the last axis (the
/// classes; see `crossEntropy`).
///
/// Shapes: logProbabilities [..., C], labels [...] (integers in 0..<C) → scalar (or [...] with `.none`).
public func nllLoss(_ logProbabilities: Tensor, _ labels: Tensor, reduction: Reduction = .mean) -> Tensor {
    checkLabels(labels, for: logProbabilities)
    let picked = logProbabilities.gather(axis: -1, indices: labels.reshaped(labels.shape + [1])).reshaped(labels.shape)
    return reduction.apply(-picked)
}

/// Negative log-likelihood where labels equal to `ignoreIndex` add nothing: their loss is 0 and
/// the mean is over the others (NaN when every label is ignored, as in PyTorch).
public func nllLoss(_ logProbabilities: Tensor, _ labels: Tensor, reduction: Reduction = .mean, ignoreIndex: Int) -> Tensor {
    checkLabels(labels, for: logProbabilities)
    // Ignored positions gather class 0 and are then multiplied by 0.
    let values = labels.integers
    let kept = Tensor(shape: labels.shape, scalars: values.map { $0 == ignoreIndex ? 0 : 1 })
    let safeLabels = Tensor(shape: labels.shape + [1], integers: values.map { $0 == ignoreIndex ? 0 : $0 })
    let losses = -logProbabilities.gather(axis: -1, indices: safeLabels).reshaped(labels.shape) * kept
    switch reduction {
    case .mean: return losses.sum() / Float(kept.scalars.reduce(0, +))
    case .sum: return losses.sum()
    case .none: return losses
    }
}

private func checkLabels(_ labels: Tensor, for logProbabilities: Tensor) {
    let shape = logProbabilities.shape
    precondition(shape.count >= 1, "nllLoss: log-probabilities must be [..., C], got a scalar")
    precondition(
        labels.shape == Array(shape.dropLast()) && !labels.dtype.isFloatingPoint,
        "nllLoss: labels must be integers of shape \(Array(shape.dropLast())) for log-probabilities \(shape) (classes last), got \(labels.dtype) of shape \(labels.shape)"
    )
}

/// Binary cross-entropy between probabilities in [0, 1] and targets in [0, 1]. Log terms are
/// clamped at −100 as in PyTorch, so a probability of exactly 0 or 1 gives a finite loss, and
/// its gradient (p − t) / max(p(1 − p), 1e-12) stays finite there too.
///
/// Shapes: probabilities and targets of the same shape → scalar (or that shape with `.none`).
public func binaryCrossEntropy(_ probabilities: Tensor, _ targets: Tensor, reduction: Reduction = .mean) -> Tensor {
    precondition(
        probabilities.shape == targets.shape,
        "binaryCrossEntropy: probabilities \(probabilities.shape) and targets \(targets.shape) differ in shape")
    let p = probabilities.detached(), t = targets.detached()
    let losses = withoutGrad { -(t * p.log().clamped(min: -100) + (1 - t) * (1 - p).log().clamped(min: -100)) }
    // Differentiating through the clamped logs would give 0 · (1/0) = NaN at p = 0 or 1.
    let perElement = differentiable("binaryCrossEntropy", [probabilities], result: losses) { g in
        [g * (p - t) / maximum(p * (1 - p), Tensor(scalar: 1e-12))]
    }
    return reduction.apply(perElement)
}

/// Binary cross-entropy on logits, fused with the sigmoid for stability:
/// max(x, 0) − x·t + log(1 + e^−|x|), whose gradient is sigmoid(x) − t.
///
/// Shapes: logits and targets of the same shape → scalar (or that shape with `.none`).
public func binaryCrossEntropyWithLogits(_ logits: Tensor, _ targets: Tensor, reduction: Reduction = .mean) -> Tensor {
    precondition(
        logits.shape == targets.shape,
        "binaryCrossEntropyWithLogits: logits \(logits.shape) and targets \(targets.shape) differ in shape")
    let x = logits.detached(), t = targets.detached()
    let losses = withoutGrad { x.relu() - x * t + (-x.abs()).exp().log1p() }
    let perElement = differentiable("binaryCrossEntropyWithLogits", [logits], result: losses) { g in
        [g * (x.sigmoid() - t)]
    }
    return reduction.apply(perElement)
}
