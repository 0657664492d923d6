// Activation layers: each wraps the tensor op of the same name (MyelinTensor/Ops/Activations.swift).
// Shapes: any → same.

/// max(x, 0).
public final class ReLU: Module {
    public override init() {}
    public override func forward(_ input: Tensor) -> Tensor { input.relu() }
}

/// x for x > 0, else slope·x.
public final class LeakyReLU: Module {
    public let slope: Float
    public init(slope: Float = 0.01) { self.slope = slope }
    public override func forward(_ input: Tensor) -> Tensor { input.leakyRelu(slope: slope) }
}

/// x for x > 0, else α(eˣ − 1).
public final class ELU: Module {
    public let alpha: Float
    public init(alpha: Float = 1) { self.alpha = alpha }
    public override func forward(_ input: Tensor) -> Tensor { input.elu(alpha: alpha) }
}

/// x·Φ(x), with the exact (erf) Gaussian CDF.
public final class GELU: Module {
    public override init() {}
    public override func forward(_ input: Tensor) -> Tensor { input.gelu() }
}

/// 1 / (1 + e⁻ˣ).
public final class Sigmoid: Module {
    public override init() {}
    public override func forward(_ input: Tensor) -> Tensor { input.sigmoid() }
}

/// Hyperbolic tangent.
public final class Tanh: Module {
    public override init() {}
    public override func forward(_ input: Tensor) -> Tensor { input.tanh() }
}

/// x / (1 + |x|).
public final class Softsign: Module {
    public override init() {}
    public override func forward(_ input: Tensor) -> Tensor { input.softsign() }
}

/// The Heaviside step (1 for x ≥ 0, else 0): the perceptron's activation; passes no gradient.
public final class Step: Module {
    public override init() {}
    public override func forward(_ input: Tensor) -> Tensor { input.heaviside() }
}

/// Softmax along `axis` (default: the last).
public final class Softmax: Module {
    public let axis: Int
    public init(axis: Int = -1) { self.axis = axis }
    public override func forward(_ input: Tensor) -> Tensor { input.softmax(axis: axis) }
}

/// Log-softmax along `axis` (default: the last).
public final class LogSoftmax: Module {
    public let axis: Int
    public init(axis: Int = -1) { self.axis = axis }
    public override func forward(_ input: Tensor) -> Tensor { input.logSoftmax(axis: axis) }
}

/// Returns its input unchanged.
public final class Identity: Module {
    public override init() {}
    public override func forward(_ input: Tensor) -> Tensor { input }
}
