/// Mean squared error. Shapes: prediction and target of the same shape → scalar.
public func mseLoss(_ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    precondition(
        prediction.shape == target.shape,
        "mseLoss: prediction \(prediction.shape) and target \(target.shape) differ in shape")
    let difference = prediction - target
    return reduction.apply(difference * difference)
}

/// Mean absolute error. Shapes: prediction and target of the same shape → scalar.
public func l1Loss(_ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    precondition(
        prediction.shape == target.shape,
        "l1Loss: prediction \(prediction.shape) and target \(target.shape) differ in shape")
    return reduction.apply((prediction - target).abs())
}

/// The Huber loss (PyTorch's `huber_loss`): ½d² where |d| = |prediction − target| ≤ δ, and
/// δ(|d| − ½δ) beyond, so large errors count linearly, as in L1, and a DQN's rare large TD errors do
/// not swamp its updates. Its gradient with respect to the prediction is d clamped to [−δ, δ].
///
/// Shapes: prediction and target of the same shape → scalar (or that shape with `.none`).
public func huberLoss(_ prediction: Tensor, _ target: Tensor, delta: Float = 1, reduction: Reduction = .mean) -> Tensor {
    precondition(
        prediction.shape == target.shape,
        "huberLoss: prediction \(prediction.shape) and target \(target.shape) differ in shape")
    precondition(delta > 0 && delta.isFinite, "huberLoss: delta must be a positive number, got \(delta)")
    let difference = withoutGrad { prediction.detached() - target.detached() }
    // With q = min(|d|, δ): q(|d| − ½q) is ½d² inside and δ(|d| − ½δ) outside.
    let losses = withoutGrad {
        let size = difference.abs(), inside = size.clamped(max: delta)
        return inside * (size - 0.5 * inside)
    }
    let perElement = differentiable("huberLoss", [prediction, target], result: losses) { g in
        let slope = g * difference.clamped(min: -delta, max: delta)
        return [slope, -slope]
    }
    return reduction.apply(perElement)
}

/// The L2 weight penalty λ·Σ‖p‖² over `parameters`, to add to a loss (weight decay in the loss).
public func l2Penalty(_ parameters: [Tensor], coefficient: Float) -> Tensor {
    precondition(!parameters.isEmpty, "l2Penalty: needs at least one parameter")
    return parameters.map { ($0 * $0).sum() }.reduce(Tensor(scalar: 0), +) * coefficient
}
