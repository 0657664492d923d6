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
            precondition(
                p.requiresGrad && p.isContiguous,
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

    /// The optimizer's counters by name — `step`, and per-parameter step counts or flags where the
    /// rule keeps them — for checkpoints: with `state` they are all an exact resume needs.
    open var counters: [(String, Int)] { [("step", stepCount)] }

    /// Sets the counters from a checkpoint; every name of `counters` must be present.
    open func loadCounters(_ values: [String: Int]) throws {
        stepCount = try Self.counter("step", in: values)
    }

    /// Restores state tensors and counters saved from an optimizer of the same kind over parameters
    /// of the same shapes. Nothing changes unless everything fits.
    public func loadState(tensors: [String: Tensor], counters: [String: Int]) throws {
        try checkState(tensors: tensors, counters: counters)
        try loadCounters(counters)
        for (name, tensor) in state { tensor.assign(tensors[name]!) }
    }

    /// Throws what `loadState` would: a `StateDictError` for a missing, misshapen or unexpected
    /// tensor, or a missing counter.
    public func checkState(tensors: [String: Tensor], counters: [String: Int]) throws {
        try StateDictError.check(tensors, fit: state, receiver: "\(type(of: self))")
        for (name, _) in self.counters where counters[name] == nil {
            throw StateDictError(receiver: "\(type(of: self))", name: name, problem: .missingCounter)
        }
    }

    /// `values[name]`, or an error naming the missing counter.
    static func counter(_ name: String, in values: [String: Int]) throws -> Int {
        guard let value = values[name] else { throw StateDictError(receiver: "\(self)", name: name, problem: .missingCounter) }
        return value
    }

    /// Per-parameter counters `prefix.0`, `prefix.1`, … from `values`.
    func perParameterCounters(_ prefix: String, in values: [String: Int]) throws -> [Int] {
        try parameters.indices.map { try Self.counter("\(prefix).\($0)", in: values) }
    }

    /// A zero-filled state slot per parameter, shaped like the parameters.
    func makeSlots() -> [Tensor] { parameters.map { Tensor.zeros($0.shape) } }
}
