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

/// The L2 weight penalty λ·Σ‖p‖² over `parameters`, to add to a loss (weight decay in the loss).
public func l2Penalty(_ parameters: [Tensor], coefficient: Float) -> Tensor {
    precondition(!parameters.isEmpty, "l2Penalty: needs at least one parameter")
    return parameters.map { ($0 * $0).sum() }.reduce(Tensor(scalar: 0), +) * coefficient
}
