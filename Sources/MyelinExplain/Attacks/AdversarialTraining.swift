import Foundation

/// Adversarial training's recipe: the attack every training batch is replaced by before its step
/// (Goodfellow et al.; Madry et al.), Codable so that a run's checkpoint keeps it.
///
/// ```swift
/// let recipe = AdversarialTraining(.pgd, epsilon: 0.1)
/// let task = SupervisedTask(model, optimizer: optimizer, loss: crossEntropy, on: loader,
///                           adversary: recipe.adversary(for: model, generator: RandomGenerator(seed: 1)))
/// ```
public struct AdversarialTraining: Codable, Equatable, Sendable, CustomStringConvertible {
    public enum Method: String, Codable, CaseIterable, Sendable {
        /// FGSM from a random start with a step of 1.25 ε: the fast training of Wong, Rice and Kolter (2020).
        case fgsm
        /// PGD with `steps` steps of 2.5 ε / steps from a random start, after Madry et al. (2018).
        case pgd
    }

    public var method: Method
    public var epsilon: Float
    /// PGD's steps per batch (FGSM takes one).
    public var steps: Int

    public init(_ method: Method, epsilon: Float = 0.1, steps: Int = 10) {
        precondition(epsilon > 0 && epsilon <= 1, "AdversarialTraining: epsilon must be in (0, 1], got \(epsilon)")
        precondition(steps >= 1, "AdversarialTraining: needs at least one step, got \(steps)")
        (self.method, self.epsilon, self.steps) = (method, epsilon, method == .fgsm ? 1 : steps)
    }

    /// The attack a batch is replaced by.
    public var attack: GradientSignAttack {
        switch method {
        case .fgsm: return .fgsmWithRandomStart(epsilon: epsilon)
        case .pgd: return .pgd(epsilon: epsilon, stepSize: 2.5 * epsilon / Float(steps), steps: steps)
        }
    }

    /// What `SupervisedTask(adversary:)` takes: each batch attacked on `model`, the random starts
    /// drawn from `generator` (save it with the run for an exact resume).
    public func adversary(for model: Module, generator: RandomGenerator) -> (_ inputs: Tensor, _ labels: Tensor) -> Tensor {
        let attack = attack
        return { inputs, labels in attack.perturb(inputs, labels: labels, of: { model($0) }, generator: generator) }
    }

    public var description: String {
        let step = String(format: "%.4g", attack.stepSize)
        return method == .fgsm
            ? "FGSM at ε \(epsilon) from a random start, a step of \(step)"
            : "PGD at ε \(epsilon), \(steps) steps of \(step) from a random start"
    }
}
