/// Parameters that train with their own learning rate and weight decay (PyTorch's
/// `param_groups`): a pretrained body slower than a new head, say, or no decay on biases.
///
/// ```swift
/// let optimizer = SGD(groups: [ParameterGroup(model.features.parameters, learningRate: 1e-4),
///                              ParameterGroup(model.classifier.parameters)], learningRate: 1e-2, momentum: 0.9)
/// ```
public struct ParameterGroup {
    public var parameters: [Tensor]
    /// The group's learning rate; nil for the optimizer's.
    public var learningRate: Float?
    /// The group's weight decay; nil for the optimizer's.
    public var weightDecay: Float?

    public init(_ parameters: [Tensor], learningRate: Float? = nil, weightDecay: Float? = nil) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }
}

/// The base of every optimizer: holds the parameters, clears their gradients, and updates them
/// in place from their gradients in `step()`.
open class Optimizer {
    public let parameters: [Tensor]
    /// The step size; learning-rate schedules change it between epochs. Each parameter group's
    /// rate keeps its ratio to it, so a schedule that halves it halves every group's.
    public var learningRate: Float
    /// Number of `step()` calls so far.
    public internal(set) var stepCount = 0
    /// Each parameter group's own settings: its learning rate (nil: the optimizer's), given when
    /// the optimizer's was `reference`, and its weight decay (nil: the optimizer's).
    public private(set) var groups: [GroupSettings]
    /// The group of each parameter, by index.
    public let groupOfParameter: [Int]

    /// A parameter group's own settings (see `groups`).
    public struct GroupSettings: Equatable, Codable {
        public var learningRate: Float?
        public var reference: Float
        public var weightDecay: Float?

        public init(learningRate: Float?, reference: Float, weightDecay: Float?) {
            (self.learningRate, self.reference, self.weightDecay) = (learningRate, reference, weightDecay)
        }
    }

    public convenience init(_ parameters: [Tensor], learningRate: Float) {
        self.init(groups: [ParameterGroup(parameters)], learningRate: learningRate)
    }

    public init(groups: [ParameterGroup], learningRate: Float) {
        let parameters = groups.flatMap(\.parameters)
        precondition(!parameters.isEmpty, "\(Self.self): got an empty parameter list")
        precondition(learningRate >= 0, "\(Self.self): learning rate \(learningRate) is negative")
        for p in parameters {
            precondition(
                p.requiresGrad && p.isContiguous,
                "\(Self.self): parameters must be contiguous tensors that require gradients (shape \(p.shape))")
        }
        precondition(
            Set(parameters.map(ObjectIdentifier.init)).count == parameters.count,
            "\(Self.self): a parameter is in two groups (or twice in one)")
        for group in groups {
            precondition(
                (group.learningRate ?? 0) >= 0 && (group.weightDecay ?? 0) >= 0,
                "\(Self.self): a group's learning rate \(group.learningRate ?? 0) and weight decay \(group.weightDecay ?? 0) must be ≥ 0"
            )
        }
        self.parameters = parameters
        self.learningRate = learningRate
        self.groups = groups.map { GroupSettings(learningRate: $0.learningRate, reference: learningRate, weightDecay: $0.weightDecay) }
        groupOfParameter = groups.enumerated().flatMap { index, group in Array(repeating: index, count: group.parameters.count) }
    }

    /// The learning rate parameter `index` steps with: its group's, scaled as `learningRate` has
    /// been since the group's was given (exactly the group's while it has not changed).
    public func learningRate(forParameter index: Int) -> Float {
        let group = groups[groupOfParameter[index]]
        guard let rate = group.learningRate else { return learningRate }
        guard learningRate != group.reference else { return rate }
        return group.reference > 0 ? Float(Double(rate) * Double(learningRate) / Double(group.reference)) : rate
    }

    /// Sets group `group`'s learning rate (later changes of `learningRate` scale it alike).
    public func setLearningRate(_ rate: Float, ofGroup group: Int) {
        precondition(rate >= 0 && rate.isFinite, "\(Self.self): group \(group)'s learning rate must be a number ≥ 0, got \(rate)")
        groups[group].learningRate = rate
        groups[group].reference = learningRate
    }

    /// Parameter `index`'s weight decay: its group's, or `standard` (the optimizer's).
    public func weightDecay(forParameter index: Int, standard: Float) -> Float { groups[groupOfParameter[index]].weightDecay ?? standard }

    /// Sets the groups' settings read from a checkpoint; the count must match.
    public func loadGroups(_ saved: [GroupSettings]) {
        precondition(saved.count == groups.count, "\(Self.self): \(saved.count) saved groups for \(groups.count)")
        groups = saved
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
