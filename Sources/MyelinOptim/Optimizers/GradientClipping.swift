/// Scales all gradients together so their global L2 norm is at most `maxNorm` (PyTorch's
/// `clip_grad_norm_`: factor maxNorm / (norm + 1e-6) when norm exceeds maxNorm).
/// Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    precondition(maxNorm > 0, "clipGradientNorm: maxNorm must be positive, got \(maxNorm)")
    let grads = parameters.compactMap(\.grad)
    var total: Double = 0
    for g in grads {
        let c = g.isContiguous ? g : g.contiguousCopy()
        c.withUnsafeScalars { values in
            var sum: Float = 0
            for v in values { sum += v * v }
            total += Double(sum)
        }
    }
    let norm = Float(total.squareRoot())
    if norm > maxNorm {
        let scale = maxNorm / (norm + 1e-6)
        for g in grads { g.assign(g * scale) }
    }
    return norm
}

/// Clamps every gradient element to [−clipValue, clipValue] (PyTorch's `clip_grad_value_`).
public func clipGradientValue(_ parameters: [Tensor], clipValue: Float) {
    precondition(clipValue > 0, "clipGradientValue: clipValue must be positive, got \(clipValue)")
    for g in parameters.compactMap(\.grad) { g.assign(g.clamped(min: -clipValue, max: clipValue)) }
}
