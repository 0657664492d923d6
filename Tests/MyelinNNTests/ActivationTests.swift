import Foundation
import MyelinNN
import MyelinTestSupport
import Testing

/// Activation ops (MyelinTensor/Ops/Activations.swift) and the layers that wrap them.
@Suite struct ActivationGradientTests {
    let checker = GradientCheck()

    @Test func reluGradient() {
        let x = leaf(awayFromZero([3, 4], RandomGenerator(seed: 1)))
        checker.check([x]) { x.relu() }
        checker.check([x]) { relu(x) }
    }

    @Test(arguments: [Float(0.01), 0.2, 1.5])
    func leakyReluGradient(slope: Float) {
        let x = leaf(awayFromZero([3, 4], RandomGenerator(seed: 2)))
        checker.check([x]) { x.leakyRelu(slope: slope) }
    }

    @Test(arguments: [Float(1), 0.5, 2])
    func eluGradient(alpha: Float) {
        let x = leaf(awayFromZero([3, 4], RandomGenerator(seed: 3), 0.1, 3))
        checker.check([x]) { x.elu(alpha: alpha) }
    }

    @Test func geluGradient() {
        let x = leaf(uniform([4, 5], RandomGenerator(seed: 4), -4, 4))
        checker.check([x]) { x.gelu() }
        checker.check([x]) { gelu(x) }
    }

    @Test func softsignGradient() {
        let x = leaf(awayFromZero([3, 4], RandomGenerator(seed: 5), 0.1, 4))
        checker.check([x]) { x.softsign() }
    }

    @Test func sigmoidAndTanhGradients() {
        let x = leaf(uniform([3, 5], RandomGenerator(seed: 6), -4, 4))
        checker.check([x]) { x.sigmoid() }
        checker.check([x]) { x.tanh() }
        checker.check([x]) { sigmoid(x) * tanh(x) }
    }

    @Test(arguments: [0, 1, -1])
    func softmaxGradients2D(axis: Int) {
        let x = leaf(uniform([3, 4], RandomGenerator(seed: 7), -3, 3))
        checker.check([x]) { x.softmax(axis: axis) }
        checker.check([x]) { x.logSoftmax(axis: axis) }
        checker.check([x]) { softmax(x, axis: axis) }
        checker.check([x]) { logSoftmax(x, axis: axis) }
    }

    @Test(arguments: [0, 1, 2, -2])
    func softmaxGradients3D(axis: Int) {
        let x = leaf(uniform([2, 3, 4], RandomGenerator(seed: 8), -3, 3))
        checker.check([x]) { x.softmax(axis: axis) }
        checker.check([x]) { x.logSoftmax(axis: axis) }
    }

    @Test func softmaxGradientOfAView() {
        // A transposed (non-contiguous) input goes through a contiguous copy first.
        let x = leaf(uniform([4, 3], RandomGenerator(seed: 9), -3, 3))
        checker.check([x]) { x.T.logSoftmax(axis: -1) }
        checker.check([x]) { x.T.softmax(axis: 0) }
    }

    @Test func activationLayersGradients() {
        let x = leaf(awayFromZero([2, 5], RandomGenerator(seed: 10)))
        let layers: [Module] = [
            ReLU(), LeakyReLU(slope: 0.1), ELU(alpha: 0.7), GELU(), Sigmoid(), Tanh(),
            Softsign(), Softmax(axis: 0), LogSoftmax(), Identity(),
        ]
        for layer in layers { checker.check([x]) { layer(x) } }
    }
}

@Suite struct ActivationValueTests {
    @Test(arguments: KernelPath.supported)
    func geluMatchesPyTorch(path: KernelPath) {
        KernelPath.withPath(path) {
            // torch.nn.functional.gelu (exact, erf form).
            let y = gelu(Tensor([1, -1, 0, 2, -3])).scalars
            #expect(close(y, [0.8413447, -0.15865526, 0, 1.9544997, -0.0040496941], 2e-6))
        }
    }

    @Test func eluMatchesPyTorch() {
        #expect(close(Tensor([-1, 2, -3]).elu().scalars, [-0.63212055, 2, -0.95021296], 1e-6))
        #expect(close(Tensor([-1]).elu(alpha: 2).scalars, [-1.2642411], 1e-6))
    }

    @Test func reluAndLeakyRelu() {
        #expect(Tensor([-2, -0.5, 0, 3]).relu().scalars == [0, 0, 0, 3])
        #expect(close(Tensor([-2, 3]).leakyRelu().scalars, [-0.02, 3]))
        #expect(close(Tensor([-2, 3]).leakyRelu(slope: 0.2).scalars, [-0.4, 3]))
    }

    @Test(arguments: KernelPath.supported)
    func softsignSigmoidTanh(path: KernelPath) {
        KernelPath.withPath(path) {
            #expect(close(Tensor([3, -1, 0]).softsign().scalars, [0.75, -0.5, 0]))
            #expect(close(Tensor([0, 2, -2]).sigmoid().scalars, [0.5, 0.880797078, 0.119202922], 1e-6))
            #expect(close(Tensor([0.5, -1]).tanh().scalars, [0.46211716, -0.76159416], 1e-6))
            // Saturation stays finite.
            #expect(close(Tensor([-100, 100]).sigmoid().scalars, [0, 1], 1e-6))
            #expect(close(Tensor([-100, 100]).tanh().scalars, [-1, 1], 1e-6))
        }
    }

    @Test(arguments: KernelPath.supported)
    func softmaxAndLogSoftmaxValues(path: KernelPath) {
        KernelPath.withPath(path) {
            let x = Tensor([[1, 2, 3]])
            #expect(close(x.softmax().scalars, [0.09003057, 0.24472847, 0.66524096], 1e-6))
            #expect(close(x.logSoftmax().scalars, [-2.40760596, -1.40760596, -0.40760596], 2e-6))
            // Shift-invariant: moderate logits are as accurate as small ones.
            #expect(close(Tensor([[21, 22, 23]]).softmax().scalars, [0.09003057, 0.24472847, 0.66524096], 2e-6))
            #expect(close(Tensor([[-31, -30, -29]]).logSoftmax().scalars, [-2.40760596, -1.40760596, -0.40760596], 1e-5))
            // Stable for huge logits: no overflow, no NaN. (The kernels compute x − (max + log Σ),
            // whose float32 rounding at |max| = 1000 is ulp(1000)/2 ≈ 3e-5, hence 1e-4 here.)
            let huge = Tensor([[1000, 1001], [-1000, -1001]])
            #expect(huge.softmax().scalars.allSatisfy { $0.isFinite })
            #expect(close(huge.softmax().scalars, [0.26894142, 0.73105858, 0.73105858, 0.26894142], 1e-4))
            #expect(close(huge.logSoftmax().scalars, [-1.31326169, -0.31326169, -0.31326169, -1.31326169], 1e-4))
        }
    }

    @Test(arguments: [0, 1, -1])
    func softmaxSumsToOne(axis: Int) {
        let x = Tensor.uniform([5, 7], low: -5, high: 5, generator: RandomGenerator(seed: 11))
        let s = x.softmax(axis: axis)
        #expect(s.shape == [5, 7])
        #expect(s.scalars.allSatisfy { $0 > 0 && $0 < 1 })
        let sums = s.sum(axis: axis).scalars
        #expect(sums.count == (axis == 0 ? 7 : 5))
        #expect(close(sums, [Float](repeating: 1, count: sums.count), 1e-5))
        // exp(logSoftmax) is softmax.
        #expect(close(x.logSoftmax(axis: axis).exp().scalars, s.scalars, 1e-6))
    }

    @Test(arguments: KernelPath.supported)
    func softmaxAlongTheMiddleAxisOf3D(path: KernelPath) {
        KernelPath.withPath(path) {
            let x = Tensor.uniform([2, 3, 4], low: -2, high: 2, generator: RandomGenerator(seed: 12))
            let s = x.softmax(axis: 1)
            // By hand: for each (i, k), exp over j, normalised.
            for i in 0..<2 {
                for k in 0..<4 {
                    let column = (0..<3).map { Double(x[i, $0, k]) }
                    let m = column.max()!
                    let total = column.reduce(0) { $0 + Foundation.exp($1 - m) }
                    for j in 0..<3 {
                        #expect(Swift.abs(Double(s[i, j, k]) - Foundation.exp(column[j] - m) / total) < 1e-6)
                    }
                }
            }
        }
    }

    @Test func heaviside() {
        let x = Tensor([-2, -1e-6, 0, 1e-6, 3])
        #expect(x.heaviside().scalars == [0, 0, 1, 1, 1])
        #expect(Step()(x).scalars == [0, 0, 1, 1, 1])
        // Its derivative is zero almost everywhere: no gradient is recorded.
        let y = leaf([-1, 0.5, 2])
        #expect(!y.heaviside().requiresGrad)
        #expect(!Step()(y).requiresGrad)
    }

    @Test func layersMatchTheirOps() {
        let x = Tensor.uniform([3, 4], low: -3, high: 3, generator: RandomGenerator(seed: 13))
        #expect(ReLU()(x).scalars == x.relu().scalars)
        #expect(LeakyReLU()(x).scalars == x.leakyRelu(slope: 0.01).scalars)
        #expect(LeakyReLU(slope: 0.3)(x).scalars == x.leakyRelu(slope: 0.3).scalars)
        #expect(ELU()(x).scalars == x.elu(alpha: 1).scalars)
        #expect(ELU(alpha: 0.5)(x).scalars == x.elu(alpha: 0.5).scalars)
        #expect(GELU()(x).scalars == x.gelu().scalars)
        #expect(Sigmoid()(x).scalars == x.sigmoid().scalars)
        #expect(Tanh()(x).scalars == x.tanh().scalars)
        #expect(Softsign()(x).scalars == x.softsign().scalars)
        #expect(Softmax()(x).scalars == x.softmax(axis: -1).scalars)
        #expect(Softmax(axis: 0)(x).scalars == x.softmax(axis: 0).scalars)
        #expect(LogSoftmax(axis: 0)(x).scalars == x.logSoftmax(axis: 0).scalars)
        #expect(Identity()(x).scalars == x.scalars)
        // Activations have no parameters.
        #expect(ReLU().parameters.isEmpty && Softmax().stateDict.isEmpty)
    }
}
