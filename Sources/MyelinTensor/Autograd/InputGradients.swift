/// The value of `f` at `point` and its gradient there: the functional form of autograd (PyTorch's
/// `torch.autograd.grad`, MLX's `value_and_grad`), for gradients with respect to inputs — an
/// image to explain or attack, an activation to weigh.
///
/// `f` must return a one-element tensor (a loss, a logit: sum a larger output first). Inside `f`
/// only `point` and what is computed from it require gradients, so a model's parameters are
/// constants there: nothing is recorded for them, no gradient is computed for them and their
/// `grad` is left as it was. `point` itself is not changed (`f` sees a fresh leaf on its storage),
/// and a gradient is returned even when `f` does not depend on it (zeros).
///
/// ```swift
/// let (loss, slope) = valueAndGradient(at: images) { x in crossEntropy(model(x), labels) }
/// let adversarial = (images + 0.1 * slope.sign()).clamped(0, 1)
/// ```
public func valueAndGradient(at point: Tensor, of f: (Tensor) throws -> Tensor) rethrows -> (value: Tensor, gradient: Tensor) {
    let (value, gradients) = try valueAndGradients(at: [point]) { try f($0[0]) }
    return (value, gradients[0])
}

/// The gradient of `f` at `point` (see `valueAndGradient(at:of:)`).
public func gradient(at point: Tensor, of f: (Tensor) throws -> Tensor) rethrows -> Tensor {
    try valueAndGradient(at: point, of: f).gradient
}

/// The value of `f` at `points` and its gradient with respect to each of them, in order (see
/// `valueAndGradient(at:of:)`).
public func valueAndGradients(at points: [Tensor], of f: ([Tensor]) throws -> Tensor) rethrows -> (value: Tensor, gradients: [Tensor]) {
    let leaves = points.map { point in
        precondition(point.dtype.isFloatingPoint, "gradient(at:): the point must be float32, not \(point.dtype)")
        let leaf = point.detached()
        leaf.requiresGrad = true
        return leaf
    }
    return try GradMode.differentiating(only: leaves) {
        let value = try f(leaves)
        precondition(value.count == 1, "gradient(at:): the function must return one value (a loss), not shape \(value.shape)")
        if value.requiresGrad { value.backward() }
        return (value.detached(), leaves.map { $0.grad ?? Tensor.zeros($0.shape) })
    }
}
