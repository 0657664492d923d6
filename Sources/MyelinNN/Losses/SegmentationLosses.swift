/// The soft Dice loss: 1 − the mean over classes of (2·Σ p·t + ε) / (Σ p + Σ t + ε), with p the
/// softmax of `logits` over the classes and t the labels one-hot, each sum over every position of
/// the batch. It scores the overlap of the predicted shapes with the true ones, class by class,
/// so a class of few pixels counts as much as the background that fills most of an image (which
/// per-pixel cross-entropy lets dominate). ε keeps a class absent from both at a score of 1
/// rather than 0/0, and smooths the gradient of rare classes.
///
/// The classes are the last axis, as for `crossEntropy`: segmentation logits [N, H, W, C] take
/// labels [N, H, W] as they are (a network's [N, C, H, W] output is `.permuted(0, 2, 3, 1)`).
///
/// Shapes: logits [..., C], labels [...] (int32 or int64, values in 0..<C) → scalar.
public func diceLoss(_ logits: Tensor, _ labels: Tensor, epsilon: Float = 1) -> Tensor {
    let shape = logits.shape
    precondition(shape.count >= 2, "diceLoss: logits must be [..., C] with at least one position axis, got shape \(shape)")
    precondition(
        labels.shape == Array(shape.dropLast()) && !labels.dtype.isFloatingPoint,
        "diceLoss: labels must be integers of shape \(Array(shape.dropLast())) for logits \(shape) (classes last), got \(labels.dtype) of shape \(labels.shape)"
    )
    precondition(epsilon >= 0, "diceLoss: epsilon must be ≥ 0, got \(epsilon)")
    let classes = shape.last!
    let probabilities = logits.softmax(axis: -1).reshaped([-1, classes])
    let targets = oneHot(labels.integers, classes: classes, what: "diceLoss")
    let overlap = (probabilities * targets).sum(axis: 0)
    let sizes = probabilities.sum(axis: 0) + targets.sum(axis: 0)
    return 1 - ((2 * overlap + epsilon) / (sizes + epsilon)).mean()
}

/// Cross-entropy over the pixels plus the soft Dice loss: the first gives every pixel a gradient
/// from the start, the second keeps small classes from being drowned by the background.
///
/// Shapes: logits [..., C], labels [...] (integers in 0..<C) → scalar.
public func crossEntropyDiceLoss(_ logits: Tensor, _ labels: Tensor, epsilon: Float = 1) -> Tensor {
    crossEntropy(logits, labels) + diceLoss(logits, labels, epsilon: epsilon)
}

/// `labels` as rows of `classes` zeros with a one at the label: [labels.count, classes] float32.
private func oneHot(_ labels: [Int], classes: Int, what: String) -> Tensor {
    var values = [Float](repeating: 0, count: labels.count * classes)
    for (row, label) in labels.enumerated() {
        precondition(label >= 0 && label < classes, "\(what): label \(label) is outside the \(classes) classes")
        values[row * classes + label] = 1
    }
    return Tensor(shape: [labels.count, classes], scalars: values)
}
