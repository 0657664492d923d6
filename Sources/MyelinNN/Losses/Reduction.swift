/// How a loss combines its per-element values.
public enum Reduction: Sendable {
    /// The average (PyTorch's default).
    case mean
    /// The total.
    case sum
    /// No reduction: one loss per element.
    case none

    func apply(_ losses: Tensor) -> Tensor {
        switch self {
        case .mean: return losses.mean()
        case .sum: return losses.sum()
        case .none: return losses
        }
    }
}
