/// The base of every optimizer: holds the parameters, clears their gradients, and updates them
/// in place from their gradients in `step()`.
open class Optimizer {
    public let parameters: [Tensor]
    /// The step size; learning-rate schedules change it between epochs.
    public var learningRate: Float
    /// Number of `step()` calls so far.
    public internal(set) var stepCount = 0

    public init(_ parameters: [Tensor], learningRate: Float) {
        precondition(!parameters.isEmpty, "\(Self.self): got an empty parameter list")
        precondition(learningRate >= 0, "\(Self.self): learning rate \(learningRate) is negative")
        for p in parameters {
            precondition(p.requiresGrad && p.isContiguous,
                         "\(Self.self): parameters must be contiguous tensors that require gradients (shape \(p.shape))")
        }
        self.parameters = parameters
        self.learningRate = learningRate
    }

    /// Forgets every parameter's gradient (call before each `backward()`).
    public func zeroGrad() {
        for p in parameters { p.zeroGrad() }
    }

    /// Applies one update to every parameter that has a gradient.
    public func step() {
        stepCount += 1
        for (index, p) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            let g = grad.isContiguous ? grad : grad.contiguousCopy()
            p.withUnsafeMutableScalars { weights in
                g.withUnsafeScalars { gradient in update(parameter: index, weights: weights, gradient: gradient) }
            }
        }
    }

    /// Updates one parameter in place. Subclasses implement their rule here.
    open func update(parameter index: Int, weights: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>) {
        preconditionFailure("\(type(of: self)) does not override update(parameter:weights:gradient:)")
    }

    /// Per-parameter state tensors (momentum, moments) by name, for checkpoints.
    open var state: [(String, Tensor)] { [] }

    /// A zero-filled state slot per parameter, shaped like the parameters.
    func makeSlots() -> [Tensor] { parameters.map { Tensor.zeros($0.shape) } }
}
