import MyelinTensor
import MyelinTestSupport
import Testing

/// Layer norm spelled with ops that are checked on their own: the definition the kernel must match.
private func referenceLayerNorm(_ x: Tensor, dimensions: Int, weight: Tensor?, bias: Tensor?, epsilon: Float = 1e-5) -> Tensor {
    let axes = Array((x.rank - dimensions)..<x.rank)
    let centred = x - x.mean(axes: axes, keepingDimensions: true)
    let variance = (centred * centred).mean(axes: axes, keepingDimensions: true)
    var y = centred / (variance + epsilon).sqrt()
    if let weight { y = y * weight }
    if let bias { y = y + bias }
    return y
}

@Suite struct LayerNormTests {
    let g = RandomGenerator(seed: 7)

    @Test(arguments: KernelPath.supported)
    func valuesByHand(path: KernelPath) {
        KernelPath.withPath(path) {
            // Row [1, 2, 3, 4]: mean 2.5, biased variance 1.25, so x̂ = (x − 2.5)/√(1.25 + 1e-5).
            let x = Tensor(shape: [2, 4], scalars: [1, 2, 3, 4, -2, -2, -2, -2])
            let y = layerNorm(x, features: 4, weight: Tensor([1, 2, 1, 1]), bias: Tensor([0, 0, 1, 0]))
            let s = Float(1.25 + 1e-5).squareRoot()
            // A constant row normalises to 0 (its variance is 0; ε keeps the division finite).
            expectTensor(y, shape: [2, 4], [-1.5 / s, -1 / s, 1 + 0.5 / s, 1.5 / s, 0, 0, 1, 0], tolerance: 1e-6)
        }
    }

    @Test(arguments: [[[3, 8], [8]], [[2, 3, 20], [20]], [[2, 3, 4, 5], [4, 5]], [[4, 130], [130]]])
    func matchesTheDefinition(shapes: [[Int]]) {
        onEveryKernelPath { _ in
            let (shape, normalized) = (shapes[0], shapes[1])
            let x = uniform(shape, g, -3, 5), w = uniform(normalized, g), b = uniform(normalized, g)
            let reference = referenceLayerNorm(x, dimensions: normalized.count, weight: w, bias: b)
            expectTensor(
                layerNorm(x, normalizedShape: normalized, weight: w, bias: b), shape: shape, reference.scalars,
                tolerance: 2e-6)
            let plain = referenceLayerNorm(x, dimensions: normalized.count, weight: nil, bias: nil)
            expectTensor(layerNorm(x, normalizedShape: normalized), shape: shape, plain.scalars, tolerance: 2e-6)
        }
    }

    @Test(arguments: KernelPath.supported)
    func aLargeMeanDoesNotCancelTheVariance(path: KernelPath) {
        KernelPath.withPath(path) {
            // Values 1000 + {−1, 0, 1, 2}: a one-pass Σx² − (Σx)²/n loses every digit of the variance.
            let y = layerNorm(Tensor(shape: [1, 4], scalars: [999, 1000, 1001, 1002]), features: 4)
            let s = Float(1.25 + 1e-5).squareRoot()
            expectTensor(y, shape: [1, 4], [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], tolerance: 1e-5)
        }
    }

    @Test(arguments: [[[3, 5], [5]], [[2, 3, 4], [4]], [[2, 2, 3, 4], [3, 4]], [[3, 19], [19]]])
    func gradientsMatchFiniteDifferences(shapes: [[Int]]) {
        let (shape, normalized) = (shapes[0], shapes[1])
        checkGradients([uniform(shape, g), awayFromZero(normalized, g, 0.5, 2), uniform(normalized, g)], "\(shape)") {
            layerNorm($0[0], normalizedShape: normalized, weight: $0[1], bias: $0[2])
        }
        checkGradients([uniform(shape, g)], "\(shape) without weight and bias") {
            layerNorm($0[0], normalizedShape: normalized)
        }
        checkGradients([uniform(shape, g), uniform(normalized, g)], "\(shape) weight only") {
            layerNorm($0[0], normalizedShape: normalized, weight: $0[1])
        }
        checkGradients(
            [uniform(shape, g), awayFromZero(normalized, g, 0.5, 2), uniform(normalized, g)], wrt: [1, 2],
            "\(shape) parameters only"
        ) {
            layerNorm($0[0], normalizedShape: normalized, weight: $0[1], bias: $0[2])
        }
    }

    @Test(arguments: KernelPath.supported)
    func noRowsGiveZeroParameterGradients(path: KernelPath) {
        KernelPath.withPath(path) {
            // A batch of zero rows: the weight and bias gradients are exact zeros, not leftover memory.
            let weight = Tensor([1, 2, 3, 4]), bias = Tensor([0, 0, 0, 0])
            weight.requiresGrad = true
            bias.requiresGrad = true
            let x = Tensor.zeros([0, 4])
            let y = layerNorm(x, features: 4, weight: weight, bias: bias)
            #expect(y.shape == [0, 4])
            y.sum().backward()
            #expect(weight.grad?.scalars == [0, 0, 0, 0])
            #expect(bias.grad?.scalars == [0, 0, 0, 0])
        }
    }

    @Test func gradientsThroughAView() {
        checkGradients([uniform([4, 3, 2], g), uniform([3], g)], "permuted input") {
            layerNorm($0[0].permuted(2, 0, 1), features: 3, bias: $0[1])
        }
    }

    /// A pre-LN block's residual, x + f(LN(x)): the backward pass adds the gradient x already has to
    /// dx as it writes it. The same bits as two leaves whose gradients are added afterwards, also for
    /// a weight shared by two layer norms (its gradient is not one the op adds: it must still sum).
    @Test func aResidualsGradientIsAddedAsDxIsWritten() {
        let x = uniform([37, 24], g), w = awayFromZero([24], g, 0.5, 2), b = uniform([24], g)
        let outputWeights = uniform([37, 24], g)
        onEveryKernelPath { _ in
            func block(_ residual: Tensor, _ normalized: Tensor, _ w1: Tensor, _ w2: Tensor, _ b: Tensor) -> Tensor {
                let y = residual + (layerNorm(normalized, features: 24, weight: w1, bias: b) * 1.5).tanh()
                return layerNorm(y, features: 24, weight: w2) * outputWeights
            }
            let shared = [x, w, b].map { leaf($0.contiguousCopy()) }
            block(shared[0], shared[0], shared[1], shared[1], shared[2]).sum().backward()
            let split = [x, x, w, w, b].map { leaf($0.contiguousCopy()) }
            block(split[0], split[1], split[2], split[3], split[4]).sum().backward()
            func differences(_ a: Tensor, _ b: Tensor) -> Int { zip(a.scalars, b.scalars).filter { $0 != $1 }.count }
            #expect(differences(shared[0].grad!, split[0].grad! + split[1].grad!) == 0, "x")
            #expect(differences(shared[1].grad!, split[3].grad! + split[2].grad!) == 0, "shared weight")
            #expect(differences(shared[2].grad!, split[4].grad!) == 0, "bias")
        }
        checkGradients([uniform([5, 6], g), awayFromZero([6], g, 0.5, 2)], "residual") {
            $0[0] * 0.5 + layerNorm($0[0], features: 6, weight: $0[1])
        }
    }

    // 300 rows: several chunks of 32 rows; 10,000 rows: more than 256 chunks of 32, so the chunks grow
    // to 40 rows. Either way the column sums are split between threads.
    @Test(arguments: [300, 10_000])
    func parameterGradientsSumOverManyRowsTheSameOnOneAndTwoThreads(rows: Int) {
        let x = uniform([rows, 24], g), w = uniform([24], g), b = uniform([24], g), weights = uniform([rows, 24], g)
        onEveryKernelPath { _ in
            func run() -> [[Float]] {
                let leaves = [x, w, b].map { leaf($0.contiguousCopy()) }
                layerNorm(leaves[0], features: 24, weight: leaves[1], bias: leaves[2]).backward(weights)
                return leaves.map { $0.grad!.scalars }
            }
            let one = Threads.withCount(1) { run() }
            #expect(Threads.withCount(2) { run() } == one)
            // dβ = Σ_rows g: the column sums of the output weights; dγ = Σ_rows g·x̂.
            expectClose(one[2], weights.sum(axis: 0).scalars, tolerance: 1e-5 * Float(rows) / 300)
            let normalized = referenceLayerNorm(x, dimensions: 1, weight: nil, bias: nil)
            expectClose(one[1], (weights * normalized).sum(axis: 0).scalars, tolerance: 1e-4 * Float(rows) / 300)
        }
    }
}

@Suite struct LayerNormPreconditions {
    private func text(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func shapeMismatch() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = layerNorm(Tensor.zeros([2, 3, 4]), normalizedShape: [3])
            })
        #expect(message.contains("layerNorm: input shape [2, 3, 4] does not end in the normalized shape [3]"), "\(message)")
    }

    @Test func weightMismatch() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = layerNorm(Tensor.zeros([2, 4]), features: 4, weight: Tensor.ones([5]))
            })
        #expect(
            message.contains("layerNorm: weight shape [5] does not match the normalized shape [4] (input shape [2, 4])"),
            "\(message)")
    }
}
