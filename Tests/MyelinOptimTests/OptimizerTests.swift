import Foundation
import MyelinNN
import MyelinOptim
import Testing

// Each optimizer is run for a few steps on a small parameter and compared with the update rule
// PyTorch documents (torch.optim.SGD/Adam/AdamW/RMSprop, "Algorithm" sections), written here in
// Double independently of the implementation. The loss is
//     L(p) = Σ aᵢpᵢ² + bᵢpᵢ,  so  ∇L = 2aᵢpᵢ + bᵢ,
// whose gradient is not proportional to p (Adam is invariant to a constant scale of g, so a pure
// quadratic would hide a misplaced weight decay).
//
// Tolerance: the implementation runs in float32; every step's arithmetic has a relative error of
// a few 6e-8, so after ≤ 6 steps on parameters of size ≤ 3 the trajectories agree to ~1e-6.
// We allow 1e-5 absolute; a wrong rule (a missing bias correction, dampening on the first step,
// decay in the wrong place) moves the parameters by 1e-3 or more within these steps.

let curvature: [Double] = [0.5, 2, 1, 0.25]
let slope: [Double] = [0.3, -1, 0.5, 2]
let start: [Float] = [1, -0.5, 2, -3]
let trajectoryTolerance: Double = 1e-5

func makeParameter(_ values: [Float] = start) -> Tensor {
    let p = Tensor(values)
    p.requiresGrad = true
    return p
}

func loss(_ p: Tensor) -> Tensor {
    let a = Tensor(curvature.map(Float.init)), b = Tensor(slope.map(Float.init))
    return (a * p * p + b * p).sum()
}

func gradient(_ p: [Double]) -> [Double] { p.indices.map { 2 * curvature[$0] * p[$0] + slope[$0] } }

/// Runs `steps` optimizer steps on the test loss; returns the parameter after each step.
func run(_ optimizer: Optimizer, _ p: Tensor, steps: Int) -> [[Float]] {
    (0..<steps).map { _ in
        optimizer.zeroGrad()
        loss(p).backward()
        optimizer.step()
        return p.scalars
    }
}

/// Runs a reference rule: `update(p, g, t)` changes p in place given the gradient at p and the step t (from 1).
func reference(steps: Int, _ update: (inout [Double], [Double], Int) -> Void) -> [[Double]] {
    var p = start.map(Double.init)
    return (1...steps).map { t in
        update(&p, gradient(p), t)
        return p
    }
}

func expectTrajectory(_ actual: [[Float]], _ expected: [[Double]], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    for (step, (a, e)) in zip(actual, expected).enumerated() {
        for (x, y) in zip(a, e) {
            #expect(
                Swift.abs(Double(x) - y) <= trajectoryTolerance, "step \(step + 1): \(a) vs \(e)",
                sourceLocation: sourceLocation)
        }
    }
}

// MARK: - Reference rules (PyTorch's documented algorithms, in Double)

func sgdReference(
    steps: Int, lr: Double, momentum: Double = 0, dampening: Double = 0,
    weightDecay: Double = 0, nesterov: Bool = false
) -> [[Double]] {
    var buffer: [Double]? = nil
    return reference(steps: steps) { p, g, _ in
        var d = p.indices.map { g[$0] + weightDecay * p[$0] }
        if momentum != 0 {
            if let b = buffer {
                buffer = p.indices.map { momentum * b[$0] + (1 - dampening) * d[$0] }
            } else {
                buffer = d  // the first buffer is the gradient itself, undamped
            }
            d = nesterov ? p.indices.map { d[$0] + momentum * buffer![$0] } : buffer!
        }
        for i in p.indices { p[i] -= lr * d[i] }
    }
}

func adamReference(
    steps: Int, lr: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
    weightDecay: Double = 0, decoupled: Bool = false
) -> [[Double]] {
    var m = [Double](repeating: 0, count: start.count), v = m
    return reference(steps: steps) { p, g0, t in
        var g = g0
        if decoupled {
            for i in p.indices { p[i] *= 1 - lr * weightDecay }
        } else {
            for i in p.indices { g[i] += weightDecay * p[i] }
        }
        for i in p.indices {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            let mHat = m[i] / (1 - Foundation.pow(beta1, Double(t)))
            let vHat = v[i] / (1 - Foundation.pow(beta2, Double(t)))
            p[i] -= lr * mHat / (vHat.squareRoot() + epsilon)
        }
    }
}

func rmspropReference(
    steps: Int, lr: Double, alpha: Double = 0.99, epsilon: Double = 1e-8,
    momentum: Double = 0, weightDecay: Double = 0
) -> [[Double]] {
    var v = [Double](repeating: 0, count: start.count), b = v
    return reference(steps: steps) { p, g0, _ in
        for i in p.indices {
            let g = g0[i] + weightDecay * p[i]
            v[i] = alpha * v[i] + (1 - alpha) * g * g
            if momentum > 0 {
                b[i] = momentum * b[i] + g / (v[i].squareRoot() + epsilon)
                p[i] -= lr * b[i]
            } else {
                p[i] -= lr * g / (v[i].squareRoot() + epsilon)
            }
        }
    }
}

/// One scalar parameter at 1 with loss p² (gradient 2p), for trajectories worked out by hand.
func scalarParameter() -> Tensor { makeParameter([1]) }

func runSquare(_ optimizer: Optimizer, _ p: Tensor, steps: Int) -> [Float] {
    (0..<steps).map { _ in
        optimizer.zeroGrad()
        (p * p).sum().backward()
        optimizer.step()
        return p.item
    }
}

// MARK: - SGD

@Suite struct SGDTests {
    @Test func plain() {
        let p = makeParameter()
        expectTrajectory(run(SGD([p], learningRate: 0.1), p, steps: 5), sgdReference(steps: 5, lr: 0.1))
        // By hand, L = p², p₀ = 1, lr 0.1: p ← p − 0.2p = 0.8p.
        let q = scalarParameter()
        #expect(close(runSquare(SGD([q], learningRate: 0.1), q, steps: 3), [0.8, 0.64, 0.512]))
    }

    @Test func momentum() {
        let p = makeParameter()
        expectTrajectory(
            run(SGD([p], learningRate: 0.05, momentum: 0.9), p, steps: 6),
            sgdReference(steps: 6, lr: 0.05, momentum: 0.9))
        // By hand: v₁ = g₁ = 2, p₁ = 0.8; g₂ = 1.6, v₂ = 0.9·2 + 1.6 = 3.4, p₂ = 0.46;
        // g₃ = 0.92, v₃ = 3.06 + 0.92 = 3.98, p₃ = 0.062.
        let q = scalarParameter()
        #expect(close(runSquare(SGD([q], learningRate: 0.1, momentum: 0.9), q, steps: 3), [0.8, 0.46, 0.062]))
    }

    @Test func dampening() {
        let p = makeParameter()
        expectTrajectory(
            run(SGD([p], learningRate: 0.05, momentum: 0.9, dampening: 0.5), p, steps: 6),
            sgdReference(steps: 6, lr: 0.05, momentum: 0.9, dampening: 0.5))
        // By hand: the first buffer is g₁ = 2 undamped, p₁ = 0.8; v₂ = 0.9·2 + 0.5·1.6 = 2.6, p₂ = 0.54.
        let q = scalarParameter()
        #expect(close(runSquare(SGD([q], learningRate: 0.1, momentum: 0.9, dampening: 0.5), q, steps: 2), [0.8, 0.54]))
    }

    @Test func nesterov() {
        let p = makeParameter()
        expectTrajectory(
            run(SGD([p], learningRate: 0.05, momentum: 0.9, nesterov: true), p, steps: 6),
            sgdReference(steps: 6, lr: 0.05, momentum: 0.9, nesterov: true))
        // By hand: v₁ = 2, step g + 0.9v = 3.8, p₁ = 0.62; g₂ = 1.24, v₂ = 1.8 + 1.24 = 3.04,
        // step 1.24 + 2.736 = 3.976, p₂ = 0.2224.
        let q = scalarParameter()
        #expect(close(runSquare(SGD([q], learningRate: 0.1, momentum: 0.9, nesterov: true), q, steps: 2), [0.62, 0.2224]))
    }

    @Test func weightDecay() {
        let p = makeParameter()
        expectTrajectory(
            run(SGD([p], learningRate: 0.1, weightDecay: 0.2), p, steps: 5),
            sgdReference(steps: 5, lr: 0.1, weightDecay: 0.2))
        let r = makeParameter()
        expectTrajectory(
            run(SGD([r], learningRate: 0.05, momentum: 0.8, dampening: 0.1, weightDecay: 0.1), r, steps: 6),
            sgdReference(steps: 6, lr: 0.05, momentum: 0.8, dampening: 0.1, weightDecay: 0.1))
        let n = makeParameter()
        expectTrajectory(
            run(SGD([n], learningRate: 0.05, momentum: 0.9, weightDecay: 0.1, nesterov: true), n, steps: 6),
            sgdReference(steps: 6, lr: 0.05, momentum: 0.9, weightDecay: 0.1, nesterov: true))
        // By hand: g = 2p + 0.1p, p₁ = 1 − 0.1·2.1 = 0.79.
        let q = scalarParameter()
        #expect(close(runSquare(SGD([q], learningRate: 0.1, weightDecay: 0.1), q, steps: 1), [0.79]))
    }

    @Test func momentumBufferStartsAtEachParametersFirstGradient() {
        // b gets its first gradient at step 3: its buffer starts there as that gradient (PyTorch
        // creates the buffer on a parameter's first update), not from a decayed zero.
        let a = makeParameter([1]), b = makeParameter([1])
        let optimizer = SGD([a, b], learningRate: 0.1, momentum: 0.9, dampening: 0.5)
        for step in 1...3 {
            optimizer.zeroGrad()
            (step < 3 ? a * a : a * a + b * b).sum().backward()
            optimizer.step()
        }
        #expect(b.grad != nil)
        #expect(Swift.abs(b.item - 0.8) < 1e-6)
        #expect(Swift.abs(optimizer.state.first { $0.0 == "momentum_buffer.1" }!.1.item - 2) < 1e-6)
    }
}

// MARK: - Adam, AdamW

@Suite struct AdamTests {
    @Test func adam() {
        let p = makeParameter()
        expectTrajectory(run(Adam([p], learningRate: 0.1), p, steps: 6), adamReference(steps: 6, lr: 0.1))
        let q = makeParameter()
        expectTrajectory(
            run(Adam([q], learningRate: 0.05, beta1: 0.5, beta2: 0.9, epsilon: 1e-3), q, steps: 6),
            adamReference(steps: 6, lr: 0.05, beta1: 0.5, beta2: 0.9, epsilon: 1e-3))
        // By hand: bias correction makes the first step lr·sign(g): p₁ = 1 − 0.1 = 0.9; then
        // m₂ = 0.9·0.2 + 0.1·1.8 = 0.36, v₂ = 0.999·0.004 + 0.001·3.24 = 0.007236,
        // p₂ = 0.9 − 0.1·(0.36/0.19) / √(0.007236/0.001999) = 0.80041223.
        let s = scalarParameter()
        #expect(close(runSquare(Adam([s], learningRate: 0.1), s, steps: 2), [0.9, 0.80041223], 1e-6))
    }

    @Test func adamWithWeightDecayAddsItToTheGradient() {
        let p = makeParameter()
        expectTrajectory(
            run(Adam([p], learningRate: 0.1, weightDecay: 0.5), p, steps: 6),
            adamReference(steps: 6, lr: 0.1, weightDecay: 0.5))
        // By hand, L = p (g = 1), λ = 1: g₁ = 1 + 1 = 2, p₁ = 0.9; g₂ = 1.9, m₂ = 0.18 + 0.19 = 0.37,
        // v₂ = 0.003996 + 0.00361 = 0.007606, p₂ = 0.9 − 0.1·(0.37/0.19)/√(0.007606/0.001999) = 0.80016649
        // (without the decay p₂ would be 0.8).
        let s = scalarParameter()
        let optimizer = Adam([s], learningRate: 0.1, weightDecay: 1)
        var values: [Float] = []
        for _ in 0..<2 {
            optimizer.zeroGrad()
            s.sum().backward()
            optimizer.step()
            values.append(s.item)
        }
        #expect(close(values, [0.9, 0.80016649], 1e-6))
    }

    @Test func adamWDecaysTheWeightsDirectly() {
        let p = makeParameter()
        expectTrajectory(
            run(AdamW([p], learningRate: 0.1, weightDecay: 0.1), p, steps: 6),
            adamReference(steps: 6, lr: 0.1, weightDecay: 0.1, decoupled: true))
        let q = makeParameter()
        expectTrajectory(
            run(AdamW([q], learningRate: 0.02), q, steps: 6),
            adamReference(steps: 6, lr: 0.02, weightDecay: 0.01, decoupled: true))
        // By hand, L = p (g = 1 every step, so Adam's step is exactly lr): p ← p·(1 − 0.1·0.1) − 0.1:
        // p₁ = 0.89, p₂ = 0.89·0.99 − 0.1 = 0.7811.
        let s = scalarParameter()
        let optimizer = AdamW([s], learningRate: 0.1, weightDecay: 0.1)
        var values: [Float] = []
        for _ in 0..<2 {
            optimizer.zeroGrad()
            s.sum().backward()
            optimizer.step()
            values.append(s.item)
        }
        #expect(close(values, [0.89, 0.7811], 1e-6))
    }

    @Test func biasCorrectionCountsEachParametersOwnSteps() {
        // PyTorch keeps `step` per parameter, counting only the steps where it had a gradient.
        // b first gets a gradient at step 4, so its first update is lr·sign(g) = 0.1, as any
        // parameter's first Adam step is.
        for optimizer in [{ Adam($0, learningRate: 0.1) }, { AdamW($0, learningRate: 0.1, weightDecay: 0) }]
            as [([Tensor]) -> Optimizer]
        {
            let a = makeParameter([1]), b = makeParameter([1])
            let adam = optimizer([a, b])
            for step in 1...4 {
                adam.zeroGrad()
                (step < 4 ? a * a : a * a + b * b).sum().backward()
                adam.step()
            }
            #expect(Swift.abs(b.item - 0.9) < 1e-6)
            #expect(adam.stepCount == 4)
        }
    }

    @Test func defaultsArePyTorchs() {
        let p = makeParameter()
        let adam = Adam([p])
        #expect(adam.learningRate == 1e-3 && adam.beta1 == 0.9 && adam.beta2 == 0.999)
        #expect(adam.epsilon == 1e-8 && adam.weightDecay == 0)
        let adamW = AdamW([p])
        #expect(adamW.learningRate == 1e-3 && adamW.weightDecay == 0.01)
        let rmsprop = RMSprop([p])
        #expect(rmsprop.learningRate == 0.01 && rmsprop.alpha == 0.99 && rmsprop.epsilon == 1e-8)
        #expect(rmsprop.momentum == 0 && rmsprop.weightDecay == 0)
        let sgd = SGD([p], learningRate: 0.1)
        #expect(sgd.momentum == 0 && sgd.dampening == 0 && sgd.weightDecay == 0 && !sgd.nesterov)
    }
}

// MARK: - RMSprop

@Suite struct RMSpropTests {
    @Test func withoutMomentum() {
        let p = makeParameter()
        expectTrajectory(run(RMSprop([p], learningRate: 0.01), p, steps: 6), rmspropReference(steps: 6, lr: 0.01))
        let q = makeParameter()
        expectTrajectory(
            run(RMSprop([q], learningRate: 0.02, alpha: 0.9, epsilon: 1e-4, weightDecay: 0.1), q, steps: 6),
            rmspropReference(steps: 6, lr: 0.02, alpha: 0.9, epsilon: 1e-4, weightDecay: 0.1))
        // By hand: v₁ = 0.01·4, p₁ = 1 − 0.01·2/0.2 = 0.9.
        let s = scalarParameter()
        #expect(close(runSquare(RMSprop([s], learningRate: 0.01), s, steps: 1), [0.9], 1e-6))
    }

    @Test func withMomentum() {
        let p = makeParameter()
        expectTrajectory(
            run(RMSprop([p], learningRate: 0.01, momentum: 0.9), p, steps: 6),
            rmspropReference(steps: 6, lr: 0.01, momentum: 0.9))
        let q = makeParameter()
        expectTrajectory(
            run(RMSprop([q], learningRate: 0.01, alpha: 0.95, momentum: 0.5, weightDecay: 0.2), q, steps: 6),
            rmspropReference(steps: 6, lr: 0.01, alpha: 0.95, momentum: 0.5, weightDecay: 0.2))
        // By hand: b₁ = 2/0.2 = 10, p₁ = 0.9; g₂ = 1.8, v₂ = 0.0396 + 0.0324 = 0.072,
        // b₂ = 9 + 1.8/√0.072 = 15.708204, p₂ = 0.9 − 0.15708204 = 0.74291796.
        let s = scalarParameter()
        #expect(close(runSquare(RMSprop([s], learningRate: 0.01, momentum: 0.9), s, steps: 2), [0.9, 0.74291796], 1e-6))
    }
}

// MARK: - Behaviour common to every optimizer

@Suite struct OptimizerBehaviourTests {
    static let makers: [(String, ([Tensor]) -> Optimizer)] = [
        ("SGD", { SGD($0, learningRate: 0.1, weightDecay: 0.1) }),
        ("SGD momentum", { SGD($0, learningRate: 0.1, momentum: 0.9, weightDecay: 0.1) }),
        ("Adam", { Adam($0, learningRate: 0.1, weightDecay: 0.1) }),
        ("AdamW", { AdamW($0, learningRate: 0.1) }),
        ("RMSprop", { RMSprop($0, learningRate: 0.1, momentum: 0.5, weightDecay: 0.1) }),
    ]

    @Test func parametersWithoutAGradientAreSkipped() {
        for (name, make) in Self.makers {
            let used = makeParameter(), unused = makeParameter()
            let optimizer = make([used, unused])
            for _ in 0..<3 {
                optimizer.zeroGrad()
                loss(used).backward()
                optimizer.step()
            }
            #expect(used.scalars != start, "\(name)")
            // Not even weight decay touches it, and its state stays empty.
            #expect(unused.scalars == start, "\(name)")
            #expect(unused.grad == nil, "\(name)")
            for (key, tensor) in optimizer.state where key.hasSuffix(".1") {
                #expect(tensor.scalars.allSatisfy { $0 == 0 }, "\(name) \(key)")
            }
        }
    }

    @Test func zeroGradClearsEveryGradient() {
        for (name, make) in Self.makers {
            let a = makeParameter(), b = makeParameter([1, 2])
            let optimizer = make([a, b])
            (loss(a) + (b * b).sum()).backward()
            #expect(a.grad != nil && b.grad != nil, "\(name)")
            optimizer.zeroGrad()
            #expect(a.grad == nil && b.grad == nil, "\(name)")
            // A step without gradients changes nothing.
            optimizer.step()
            #expect(a.scalars == start && b.scalars == [1, 2], "\(name)")
        }
    }

    @Test func gradientsAccumulateUntilCleared() {
        // Two backward passes without zeroGrad: plain SGD steps with the sum of both gradients.
        let p = makeParameter([1])
        let optimizer = SGD([p], learningRate: 0.1)
        (p * p).sum().backward()
        (p * p * 3).sum().backward()
        #expect(p.grad!.scalars == [8])
        optimizer.step()
        #expect(Swift.abs(p.item - 0.2) < 1e-6)
    }

    @Test func stepCountAndLearningRateChanges() {
        let p = makeParameter([1])
        let optimizer = SGD([p], learningRate: 0.1)
        #expect(optimizer.stepCount == 0)
        (p * p).sum().backward()
        optimizer.step()
        #expect(optimizer.stepCount == 1)
        optimizer.learningRate = 0.5
        optimizer.zeroGrad()
        (p * p).sum().backward()
        optimizer.step()
        // 0.8 − 0.5·1.6 = 0.
        #expect(Swift.abs(p.item) < 1e-6)
        #expect(optimizer.parameters.count == 1 && optimizer.parameters[0] === p)
    }

    @Test func stateNames() {
        let a = makeParameter(), b = makeParameter([1, 2])
        #expect(SGD([a, b], learningRate: 0.1).state.isEmpty)
        #expect(SGD([a, b], learningRate: 0.1, momentum: 0.9).state.map(\.0) == ["momentum_buffer.0", "momentum_buffer.1"])
        #expect(Adam([a, b]).state.map(\.0) == ["exp_avg.0", "exp_avg.1", "exp_avg_sq.0", "exp_avg_sq.1"])
        #expect(AdamW([a, b]).state.map(\.0) == ["exp_avg.0", "exp_avg.1", "exp_avg_sq.0", "exp_avg_sq.1"])
        #expect(RMSprop([a, b]).state.map(\.0) == ["square_avg.0", "square_avg.1"])
        #expect(
            RMSprop([a, b], momentum: 0.5).state.map(\.0)
                == ["square_avg.0", "square_avg.1", "momentum_buffer.0", "momentum_buffer.1"])
        // Shaped like the parameters.
        #expect(Adam([a, b]).state.map(\.1.shape) == [[4], [2], [4], [2]])
    }

    @Test func stateValuesAfterOneStep() {
        let p = makeParameter()
        let g = gradient(start.map(Double.init)).map(Float.init)
        let sgd = SGD([p], learningRate: 0.1, momentum: 0.9)
        loss(p).backward()
        sgd.step()
        #expect(close(sgd.state[0].1.scalars, g, 1e-6))

        let q = makeParameter()
        let adam = Adam([q])
        loss(q).backward()
        adam.step()
        let state = Dictionary(uniqueKeysWithValues: adam.state)
        #expect(close(state["exp_avg.0"]!.scalars, g.map { 0.1 * $0 }, 1e-6))
        #expect(close(state["exp_avg_sq.0"]!.scalars, g.map { 0.001 * $0 * $0 }, 1e-6))

        let r = makeParameter()
        let rmsprop = RMSprop([r])
        loss(r).backward()
        rmsprop.step()
        #expect(close(rmsprop.state[0].1.scalars, g.map { 0.01 * $0 * $0 }, 1e-6))
    }

    @Test func loadStateRefusesStateThatDoesNotFitWithTheStateDictError() throws {
        let a = makeParameter(), b = makeParameter([1, 2])
        let source = Adam([a, b])
        loss(a).backward()
        source.step()
        let tensors = Dictionary(uniqueKeysWithValues: source.state), counters = Dictionary(uniqueKeysWithValues: source.counters)
        let target = Adam([makeParameter(), makeParameter([1, 2])])
        let before = target.state.map { $0.1.scalars }
        func refused(_ tensors: [String: Tensor], _ counters: [String: Int], _ expected: StateDictError) {
            #expect(throws: expected) { try target.loadState(tensors: tensors, counters: counters) }
            #expect(target.state.map { $0.1.scalars } == before && target.stepCount == 0, "\(expected)")
        }
        var missing = tensors
        missing["exp_avg_sq.1"] = nil
        refused(missing, counters, StateDictError(receiver: "Adam", name: "exp_avg_sq.1", problem: .missing))
        var extra = tensors
        extra["exp_avg.2"] = Tensor.zeros([4])
        refused(extra, counters, StateDictError(receiver: "Adam", name: "exp_avg.2", problem: .unexpected))
        var misshapen = tensors
        misshapen["exp_avg.0"] = Tensor.zeros([2])
        refused(
            misshapen, counters,
            StateDictError(
                receiver: "Adam", name: "exp_avg.0",
                problem: .shapeMismatch(expected: [4], found: [2])))
        var noStep = counters
        noStep["step.1"] = nil
        refused(tensors, noStep, StateDictError(receiver: "Adam", name: "step.1", problem: .missingCounter))
        #expect(
            "\(StateDictError(receiver: "Adam", name: "step.1", problem: .missingCounter))"
                == "Adam needs counter 'step.1', which the state dict does not have")
        // What fits loads.
        try target.loadState(tensors: tensors, counters: counters)
        #expect(target.state.map { $0.1.scalars } == source.state.map { $0.1.scalars } && target.stepCount == 1)
    }

    @Test func modelParametersTrainWithEveryOptimizer() {
        for (name, make) in Self.makers {
            let g = RandomGenerator(seed: 5)
            let model = Sequential {
                Linear(3, 8, generator: g); Tanh(); Linear(8, 1, generator: g)
            }
            let x = Tensor.randn([32, 3], generator: g)
            let y = (x * Tensor([[1, -2, 0.5]])).sum(axis: 1, keepingDimensions: true).tanh()
            let optimizer = make(model.parameters)
            let first = mseLoss(model(x), y).item
            var last = first
            for _ in 0..<100 {
                let l = mseLoss(model(x), y)
                optimizer.zeroGrad()
                l.backward()
                optimizer.step()
                last = l.item
            }
            #expect(last < 0.5 * first, "\(name): \(first) → \(last)")
        }
    }
}

func close(_ a: [Float], _ b: [Float], _ tolerance: Float = 1e-6) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance }
}
