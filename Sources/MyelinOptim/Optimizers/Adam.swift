import CMyelinKernels
import Foundation

/// Adam and AdamW, as PyTorch defines them: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
/// p ← p − lr·m̂ / (√v̂ + ε) with bias-corrected m̂, v̂. Adam adds weight decay to the gradient
/// (L2); AdamW decays the weights directly (p ← p − lr·λp), decoupled from the moments.
public class Adam: Optimizer {
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    let decoupledWeightDecay: Bool
    private lazy var firstMoment = makeSlots()
    private lazy var secondMoment = makeSlots()
    /// Steps each parameter has taken: bias correction counts a parameter's own updates (PyTorch's
    /// per-parameter `step`), not the optimizer's, so a parameter first updated late starts fresh.
    private var parameterSteps: [Int]

    public convenience init(
        _ parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0
    ) {
        self.init(
            groups: [ParameterGroup(parameters)], learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
            weightDecay: weightDecay, decoupled: false)
    }

    /// Parameter groups with their own learning rate and weight decay.
    public convenience init(
        groups: [ParameterGroup], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0
    ) {
        self.init(
            groups: groups, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
            decoupled: false)
    }

    init(
        groups: [ParameterGroup], learningRate: Float, beta1: Float, beta2: Float, epsilon: Float,
        weightDecay: Float, decoupled: Bool
    ) {
        precondition((0..<1).contains(beta1) && (0..<1).contains(beta2), "\(Self.self): betas (\(beta1), \(beta2)) must be in [0, 1)")
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        decoupledWeightDecay = decoupled
        parameterSteps = Array(repeating: 0, count: groups.reduce(0) { $0 + $1.parameters.count })
        super.init(groups: groups, learningRate: learningRate)
    }

    public override func update(
        parameter index: Int, weights p: UnsafeMutableBufferPointer<Float>,
        gradient: UnsafeBufferPointer<Float>
    ) {
        let b1 = beta1, b2 = beta2, eps = epsilon
        let lr = learningRate(forParameter: index), wd = weightDecay(forParameter: index, standard: weightDecay)
        // Bias corrections in double: β^t underflows gracefully and keeps 1 − β^t accurate.
        parameterSteps[index] += 1
        guard p.count > 0 else { return }
        let t = Double(parameterSteps[index])
        let correction1 = Float(1 - Foundation.pow(Double(b1), t)), correction2 = Float(1 - Foundation.pow(Double(b2), t))
        let stepSize = lr / correction1, rootCorrection2 = correction2.squareRoot()
        var settings = myelin_adam_settings(
            beta1: b1, beta2: b2, epsilon: eps, step_size: stepSize, root_correction2: rootCorrection2,
            decay_factor: decoupledWeightDecay ? 1 - lr * wd : 1, l2: decoupledWeightDecay ? 0 : wd)
        // The loop runs in C (CMyelinKernels/optimizers.c), where its square roots and divisions are vectorised.
        firstMoment[index].withUnsafeMutableScalars { m in
            secondMoment[index].withUnsafeMutableScalars { v in
                myelin_adam_update(
                    Int64(p.count), p.baseAddress!, gradient.baseAddress!, m.baseAddress!, v.baseAddress!,
                    &settings)
            }
        }
    }

    public override var state: [(String, Tensor)] {
        firstMoment.enumerated().map { ("exp_avg.\($0.offset)", $0.element) }
            + secondMoment.enumerated().map { ("exp_avg_sq.\($0.offset)", $0.element) }
    }

    public override var counters: [(String, Int)] {
        super.counters + parameterSteps.enumerated().map { ("step.\($0.offset)", $0.element) }
    }

    public override func loadCounters(_ values: [String: Int]) throws {
        let steps = try perParameterCounters("step", in: values)
        try super.loadCounters(values)
        parameterSteps = steps
    }
}

/// Adam with decoupled weight decay (default 0.01, as PyTorch's AdamW).
public final class AdamW: Adam {
    public init(
        _ parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0.01
    ) {
        super.init(
            groups: [ParameterGroup(parameters)], learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
            weightDecay: weightDecay, decoupled: true)
    }

    /// Parameter groups with their own learning rate and weight decay.
    public init(
        groups: [ParameterGroup], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0.01
    ) {
        super.init(
            groups: groups, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
            decoupled: true)
    }
}
