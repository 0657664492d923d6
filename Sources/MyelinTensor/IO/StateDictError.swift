/// Saved state that does not fit what it is loaded into: a module's state dict
/// (`Module.loadStateDict`) or an optimizer's state (`Optimizer.loadState`), which PyTorch calls a
/// state dict too. The message names the tensor (or counter) and the receiver.
public struct StateDictError: Error, Equatable, CustomStringConvertible {
    public enum Problem: Equatable, Sendable {
        /// The receiver needs a tensor that the state lacks.
        case missing
        /// The state holds a tensor that the receiver does not have.
        case unexpected
        /// The state's tensor has another shape than the receiver's.
        case shapeMismatch(expected: [Int], found: [Int])
        /// The receiver needs a counter (an optimizer's step count) that the state lacks.
        case missingCounter
        /// The state's counter has a value the receiver cannot take (a history longer than it keeps).
        case counterOutOfRange(value: Int, allowed: ClosedRange<Int>)
    }

    /// What the state was loaded into, as its type's name: `LeNet`, `Sequential`, `Adam`.
    public let receiver: String
    /// The tensor's or counter's name in the state: `layers.0.weight`, `exp_avg.0`, `step`.
    public let name: String
    public let problem: Problem

    public init(receiver: String, name: String, problem: Problem) {
        self.receiver = receiver
        self.name = name
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .missing: return "\(receiver) needs tensor '\(name)', which the state dict does not have"
        case .unexpected: return "the state dict has a tensor '\(name)' that \(receiver) does not have"
        case .shapeMismatch(let expected, let found):
            return "tensor '\(name)' has shape \(found) in the state dict, but \(receiver) needs \(expected)"
        case .missingCounter: return "\(receiver) needs counter '\(name)', which the state dict does not have"
        case .counterOutOfRange(let value, let allowed):
            return "counter '\(name)' is \(value) in the state dict, but \(receiver) takes \(allowed.lowerBound)…\(allowed.upperBound)"
        }
    }

    /// Throws unless `values` holds every name of `targets` with its shape, and no other name (the
    /// first extra one in sorted order is reported).
    package static func check(_ values: [String: Tensor], fit targets: [(String, Tensor)], receiver: String) throws {
        for (name, tensor) in targets {
            guard let value = values[name] else { throw StateDictError(receiver: receiver, name: name, problem: .missing) }
            guard value.shape == tensor.shape else {
                throw StateDictError(
                    receiver: receiver, name: name,
                    problem: .shapeMismatch(expected: tensor.shape, found: value.shape))
            }
        }
        let known = Set(targets.map(\.0))
        if let extra = values.keys.sorted().first(where: { !known.contains($0) }) {
            throw StateDictError(receiver: receiver, name: extra, problem: .unexpected)
        }
    }
}
