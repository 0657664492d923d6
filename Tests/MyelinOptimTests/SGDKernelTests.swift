import MyelinNN
import MyelinOptim
import Testing

/// The SGD update runs in C, vectorised, on every path, split over threads when it is long. Every
/// lane must give the bits of PyTorch's rule written out in scalar Swift (no FMA), in each of its
/// three cases, including the first step, where the velocity is the gradient itself.
@Suite struct SGDKernelTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let momentum: Float, dampening: Float, weightDecay: Float, nesterov: Bool
        var testDescription: String { "μ \(momentum), dampening \(dampening), λ \(weightDecay), Nesterov \(nesterov)" }
    }
    static let cases = [
        Case(momentum: 0, dampening: 0, weightDecay: 0.01, nesterov: false),
        Case(momentum: 0.9, dampening: 0.25, weightDecay: 0.01, nesterov: false),
        Case(momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov: true),
    ]

    @Test(arguments: KernelPath.supported, cases)
    func vectorisedUpdateIsTheScalarFormulaBitForBit(path: KernelPath, rule: Case) {
        Threads.withCount(2) { KernelPath.withPath(path) { updateMatchesTheRule(path: path, rule: rule) } }
    }

    private func updateMatchesTheRule(path: KernelPath, rule: Case) {
        // Two threads' slices of 32,768 floats and more, and a tail that fills no vector.
        let count = 70_003
        let random = RandomGenerator(seed: 2)
        let p = Tensor.randn([count], generator: random)
        p.requiresGrad = true
        var weights = p.scalars, velocity = [Float](repeating: 0, count: count)
        let lr: Float = 0.05
        let optimizer = SGD(
            [p], learningRate: lr, momentum: rule.momentum, dampening: rule.dampening,
            weightDecay: rule.weightDecay, nesterov: rule.nesterov)
        for step in 0..<3 {
            let g = Tensor.randn([count], generator: random)
            p.grad = g
            optimizer.step()
            for (i, gradient) in g.scalars.enumerated() {
                let grad = gradient + rule.weightDecay * weights[i]
                if rule.momentum == 0 {
                    weights[i] -= lr * grad
                    continue
                }
                velocity[i] = step == 0 ? grad : rule.momentum * velocity[i] + (1 - rule.dampening) * grad
                weights[i] -= lr * (rule.nesterov ? grad + rule.momentum * velocity[i] : velocity[i])
            }
        }
        let same = p.scalars == weights
        #expect(same, "\(path), \(rule.testDescription): the C update differs from the scalar formula")
    }
}
