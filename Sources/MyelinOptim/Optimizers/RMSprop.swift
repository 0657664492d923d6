/// RMSprop as PyTorch defines it: v ← αv + (1 − α)g², then p ← p − lr·g / (√v + ε), or with
/// momentum b ← μb + g / (√v + ε), p ← p − lr·b.
public final class RMSprop: Optimizer {
    public let alpha: Float, epsilon: Float, momentum: Float, weightDecay: Float
    private lazy var squareAverage = makeSlots()
    private lazy var buffer = makeSlots()

    public convenience init(
        _ parameters: [Tensor], learningRate: Float = 0.01, alpha: Float = 0.99, epsilon: Float = 1e-8,
        momentum: Float = 0, weightDecay: Float = 0
    ) {
        self.init(
            groups: [ParameterGroup(parameters)], learningRate: learningRate, alpha: alpha, epsilon: epsilon, momentum: momentum,
            weightDecay: weightDecay)
    }

    /// Parameter groups with their own learning rate and weight decay.
    public init(
        groups: [ParameterGroup], learningRate: Float = 0.01, alpha: Float = 0.99, epsilon: Float = 1e-8,
        momentum: Float = 0, weightDecay: Float = 0
    ) {
        precondition(alpha >= 0 && alpha < 1, "RMSprop: alpha \(alpha) must be in [0, 1)")
        self.alpha = alpha
        self.epsilon = epsilon
        self.momentum = momentum
        self.weightDecay = weightDecay
        super.init(groups: groups, learningRate: learningRate)
    }

    public override func update(
        parameter index: Int, weights p: UnsafeMutableBufferPointer<Float>,
        gradient: UnsafeBufferPointer<Float>
    ) {
        let a = alpha, eps = epsilon, mu = momentum
        let lr = learningRate(forParameter: index), wd = weightDecay(forParameter: index, standard: weightDecay)
        squareAverage[index].withUnsafeMutableScalars { v in
            if mu == 0 {
                for i in p.indices {
                    let g = gradient[i] + wd * p[i]
                    v[i] = a * v[i] + (1 - a) * g * g
                    p[i] -= lr * g / (v[i].squareRoot() + eps)
                }
            } else {
                buffer[index].withUnsafeMutableScalars { b in
                    for i in p.indices {
                        let g = gradient[i] + wd * p[i]
                        v[i] = a * v[i] + (1 - a) * g * g
                        b[i] = mu * b[i] + g / (v[i].squareRoot() + eps)
                        p[i] -= lr * b[i]
                    }
                }
            }
        }
    }

    public override var state: [(String, Tensor)] {
        squareAverage.enumerated().map { ("square_avg.\($0.offset)", $0.element) }
            + (momentum == 0 ? [] : buffer.enumerated().map { ("momentum_buffer.\($0.offset)", $0.element) })
    }
}
