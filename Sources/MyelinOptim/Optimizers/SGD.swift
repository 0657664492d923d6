import CMyelinKernels

/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay,
/// as PyTorch defines it: g ← ∇ + λp; v ← μv + (1 − dampening)·g (v₀ = g); p ← p − lr·(g + μv if
/// Nesterov, else v).
public final class SGD: Optimizer {
    public let momentum: Float, dampening: Float, weightDecay: Float, nesterov: Bool
    private lazy var velocity = makeSlots()
    private var velocityStarted: [Bool]

    public convenience init(
        _ parameters: [Tensor], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
        weightDecay: Float = 0, nesterov: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(parameters)], learningRate: learningRate, momentum: momentum, dampening: dampening,
            weightDecay: weightDecay, nesterov: nesterov)
    }

    /// Parameter groups with their own learning rate and weight decay.
    public init(
        groups: [ParameterGroup], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
        weightDecay: Float = 0, nesterov: Bool = false
    ) {
        precondition(momentum >= 0 && weightDecay >= 0, "SGD: momentum \(momentum) and weight decay \(weightDecay) must be ≥ 0")
        precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov needs momentum > 0 and no dampening")
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        velocityStarted = Array(repeating: false, count: groups.reduce(0) { $0 + $1.parameters.count })
        super.init(groups: groups, learningRate: learningRate)
    }

    public override func update(
        parameter index: Int, weights p: UnsafeMutableBufferPointer<Float>,
        gradient: UnsafeBufferPointer<Float>
    ) {
        let lr = learningRate(forParameter: index), wd = weightDecay(forParameter: index, standard: weightDecay)
        // v ← μv + (1 − dampening)·g, except on a parameter's first step, where v ← g.
        let first = momentum != 0 && !velocityStarted[index]
        if momentum != 0 { velocityStarted[index] = true }
        guard p.count > 0 else { return }
        var settings = myelin_sgd_settings(
            learning_rate: lr, weight_decay: wd, momentum: momentum, keep: first ? 0 : momentum,
            scale: first ? 1 : 1 - dampening, nesterov: nesterov ? 1 : 0)
        // The loop runs in C (CMyelinKernels/optimizers.c), on the path's widest vectors.
        guard momentum != 0 else {
            myelin_sgd_update(Int64(p.count), p.baseAddress!, gradient.baseAddress!, nil, &settings)
            return
        }
        velocity[index].withUnsafeMutableScalars { v in
            myelin_sgd_update(Int64(p.count), p.baseAddress!, gradient.baseAddress!, v.baseAddress!, &settings)
        }
    }

    public override var state: [(String, Tensor)] {
        momentum == 0 ? [] : velocity.enumerated().map { ("momentum_buffer.\($0.offset)", $0.element) }
    }

    public override var counters: [(String, Int)] {
        super.counters + velocityStarted.enumerated().map { ("momentum_started.\($0.offset)", $0.element ? 1 : 0) }
    }

    public override func loadCounters(_ values: [String: Int]) throws {
        let started = try perParameterCounters("momentum_started", in: values)
        try super.loadCounters(values)
        velocityStarted = started.map { $0 != 0 }
    }
}
