/// The gradient-sign attacks: FGSM (Goodfellow et al., 2015) and PGD (Madry et al., 2018).
///
/// Each step moves every pixel by `stepSize` in the direction that raises the classifier's loss on
/// the true label (aimed at a target class: that lowers its loss on the target), then projects the
/// image back into the L∞ ball of radius `epsilon` around the original (no pixel moves further) and
/// into `pixelRange`. FGSM is one step of ε from the image itself; PGD takes `steps` smaller steps,
/// from a random point of the ball.
///
/// ```swift
/// let pgd = GradientSignAttack.pgd(epsilon: 0.1, stepSize: 0.01, steps: 20)
/// let adversarial = model.evaluating { pgd.perturb(images, labels: labels, of: { model($0) }) }
/// ```
public struct GradientSignAttack: Equatable, Sendable {
    /// How far a pixel may move, in the model's input scale.
    public var epsilon: Float
    public var stepSize: Float
    public var steps: Int
    /// Whether the first step starts from a uniformly random point of the ε-ball.
    public var randomStart: Bool
    public var goal: AttackGoal
    /// The valid pixel values (the model's input scale; MNIST's is [0, 1]).
    public var pixelRange: ClosedRange<Float>

    public init(
        epsilon: Float, stepSize: Float, steps: Int, randomStart: Bool, goal: AttackGoal = .untargeted,
        pixelRange: ClosedRange<Float> = 0...1
    ) {
        precondition(epsilon >= 0 && epsilon.isFinite, "GradientSignAttack: epsilon must be finite and at least 0, got \(epsilon)")
        precondition(stepSize >= 0 && stepSize.isFinite, "GradientSignAttack: the step size must be finite and at least 0, got \(stepSize)")
        precondition(steps >= 1, "GradientSignAttack: needs at least one step, got \(steps)")
        (self.epsilon, self.stepSize, self.steps, self.randomStart) = (epsilon, stepSize, steps, randomStart)
        (self.goal, self.pixelRange) = (goal, pixelRange)
    }

    /// FGSM: one step of `epsilon` along the sign of the gradient.
    public static func fgsm(epsilon: Float, goal: AttackGoal = .untargeted, pixelRange: ClosedRange<Float> = 0...1) -> Self {
        Self(epsilon: epsilon, stepSize: epsilon, steps: 1, randomStart: false, goal: goal, pixelRange: pixelRange)
    }

    /// PGD: `steps` steps of `stepSize`, from a random start unless told otherwise.
    public static func pgd(
        epsilon: Float, stepSize: Float, steps: Int, randomStart: Bool = true, goal: AttackGoal = .untargeted,
        pixelRange: ClosedRange<Float> = 0...1
    ) -> Self {
        Self(epsilon: epsilon, stepSize: stepSize, steps: steps, randomStart: randomStart, goal: goal, pixelRange: pixelRange)
    }

    /// FGSM from a random start with a step of 1.25 ε: the fast adversarial training of Wong, Rice
    /// and Kolter (2020), which plain FGSM training would let overfit to its own attack.
    public static func fgsmWithRandomStart(epsilon: Float, pixelRange: ClosedRange<Float> = 0...1) -> Self {
        Self(epsilon: epsilon, stepSize: 1.25 * epsilon, steps: 1, randomStart: true, pixelRange: pixelRange)
    }

    /// Adversarial versions of `images` ([N, …], in `pixelRange`) whose classes are `labels` ([N]):
    /// each pixel within `epsilon` of the original and inside `pixelRange`. `classifier` maps a batch
    /// to logits (or log-probabilities); run it in evaluation mode. Nothing is recorded and the
    /// model's parameters and their gradients are left as they were; `generator` draws the random start.
    public func perturb(
        _ images: Tensor, labels: Tensor, of classifier: (Tensor) -> Tensor, generator: RandomGenerator = .global
    ) -> Tensor {
        precondition(
            images.shape.first == labels.count && labels.rank == 1,
            "GradientSignAttack.perturb: images \(images.shape) and labels \(labels.shape) do not pair up")
        let aim = goal.aim(for: labels)
        // Up the loss on the true label, or down the loss on the target.
        let direction: Float = goal == .untargeted ? 1 : -1
        return withoutGrad {
            let clean = images.detached()
            let low = (clean - epsilon).clamped(min: pixelRange.lowerBound, max: pixelRange.upperBound)
            let high = (clean + epsilon).clamped(min: pixelRange.lowerBound, max: pixelRange.upperBound)
            func project(_ x: Tensor) -> Tensor { minimum(maximum(x, low), high) }
            var x = clean
            if randomStart && epsilon > 0 {
                x = project(clean + Tensor.uniform(clean.shape, low: -epsilon, high: epsilon, generator: generator))
            }
            for _ in 0..<steps {
                // Summed, not averaged: an image's step does not depend on the batch it is in.
                let slope = gradient(at: x) { crossEntropy(classifier($0), aim, reduction: .sum) }
                x = project(x + (direction * stepSize) * slope.sign())
            }
            return x
        }
    }
}
