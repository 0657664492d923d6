/// What an attack tries to make a classifier answer.
public enum AttackGoal: Equatable, Sendable {
    /// Any class but the true one.
    case untargeted
    /// This class, for every image ("make it an 8").
    case targeted(Int)

    /// Whether answering `prediction` for an image of class `label` is what the attack wanted.
    public func isMet(prediction: Int, label: Int) -> Bool {
        switch self {
        case .untargeted: return prediction != label
        case .targeted(let target): return prediction == target
        }
    }

    /// The labels whose loss the attack raises (untargeted: the true ones) or lowers (targeted:
    /// the target, for every image).
    func aim(for labels: Tensor) -> Tensor {
        switch self {
        case .untargeted: return labels
        case .targeted(let target):
            return Tensor(shape: labels.shape, integers: Array(repeating: target, count: labels.count), dtype: labels.dtype)
        }
    }
}
