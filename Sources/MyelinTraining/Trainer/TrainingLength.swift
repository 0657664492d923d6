/// How long a run trains: passes over its batches, or training steps.
public enum TrainingLength: Equatable, Sendable, CustomStringConvertible {
    case epochs(Int)
    case steps(Int)

    public var description: String {
        switch self {
        case .epochs(let n): return n == 1 ? "1 epoch" : "\(n) epochs"
        case .steps(let n): return n == 1 ? "1 step" : "\(n) steps"
        }
    }
}

/// How often something happens in a run — an evaluation, a checkpoint, a log line: after every
/// N epochs or every N steps. Whatever is due at an interval is also due at the run's last step.
public enum TrainingInterval: Equatable, Sendable, CustomStringConvertible {
    case epochs(Int)
    case steps(Int)

    /// After every epoch.
    public static let epoch = TrainingInterval.epochs(1)

    public var description: String {
        switch self {
        case .epochs(let n): return n == 1 ? "every epoch" : "every \(n) epochs"
        case .steps(let n): return n == 1 ? "every step" : "every \(n) steps"
        }
    }

    var count: Int {
        switch self {
        case .epochs(let n), .steps(let n): return n
        }
    }
}
