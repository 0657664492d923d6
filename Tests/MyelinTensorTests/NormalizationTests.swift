import MyelinTensor
import MyelinTestSupport
import Testing

// batchNorm: values by hand, against the same formula composed from generic ops (whose gradients
// are checked elsewhere), the running-statistics update, and finite differences.

/// Batch norm spelled with generic ops: (x − mean) / √(biased variance + ε) · γ + β per channel.
private func composedBatchNorm(_ x: Tensor, weight: Tensor, bias: Tensor, epsilon: Float = 1e-5) -> Tensor {
    let axes = [0] + Array(2..<x.rank)
    let channelShape = [1, x.shape[1]] + Array(repeating: 1, count: x.rank - 2)
    let mean = x.mean(axes: axes, keepingDimensions: true)
    let variance = x.variance(axes: axes, correction: 0, keepingDimensions: true)
    return (x - mean) / (variance + epsilon).sqrt() * weight.reshaped(channelShape) + bias.reshaped(channelShape)
}

@Suite struct BatchNormalizationValues {
    let g = RandomGenerator(seed: 41)

    @Test func trainingByHand() {
        // Channel 0: 1, 2, 3, 4 (mean 2.5, biased variance 1.25); channel 1: 0, 0, 2, 2 (mean 1,
        // variance 1) with γ = 2, β = 0.5.
        let x = Tensor([[1, 0], [2, 0], [3, 2], [4, 2]])
        let y = batchNorm(
            x, runningMean: nil, runningVariance: nil,
            weight: Tensor([1, 2]), bias: Tensor([0, 0.5]), training: true)
        let s0 = 1 / (1.25 + 1e-5 as Float).squareRoot(), s1 = 2 / (1 + 1e-5 as Float).squareRoot()
        expectTensor(
            y, shape: [4, 2],
            [
                -1.5 * s0, -s1 + 0.5, -0.5 * s0, -s1 + 0.5,
                0.5 * s0, s1 + 0.5, 1.5 * s0, s1 + 0.5,
            ])
    }

    @Test func runningStatisticsAfterOneAndTwoSteps() {
        let mean = Tensor.zeros([2]), variance = Tensor.ones([2])
        let first = Tensor([[1, 0], [2, 0], [3, 2], [4, 2]])
        _ = batchNorm(first, runningMean: mean, runningVariance: variance, training: true, momentum: 0.1)
        // Unbiased variances 5/3 and 4/3.
        expectClose(mean.scalars, [0.25, 0.1])
        expectClose(variance.scalars, [0.9 + 0.1 * 5 / 3, 0.9 + 0.1 * 4 / 3])
        let second = Tensor([[10, -1], [20, 1]])  // means 15, 0; unbiased variances 50, 2
        _ = batchNorm(second, runningMean: mean, runningVariance: variance, training: true, momentum: 0.1)
        expectClose(mean.scalars, [0.9 * 0.25 + 1.5, 0.9 * 0.1])
        expectClose(variance.scalars, [0.9 * (0.9 + 0.1 * 5 / 3) + 5, 0.9 * (0.9 + 0.1 * 4 / 3) + 0.2])
        // Evaluation reads them and leaves them alone.
        let before = mean.scalars + variance.scalars
        let y = batchNorm(
            Tensor([[1, 2]]), runningMean: mean, runningVariance: variance,
            weight: Tensor([2, 1]), bias: Tensor([1, 0]), training: false)
        let m = mean.scalars, v = variance.scalars
        expectTensor(
            y, shape: [1, 2],
            [
                2 * (1 - m[0]) / (v[0] + 1e-5).squareRoot() + 1,
                (2 - m[1]) / (v[1] + 1e-5).squareRoot(),
            ])
        #expect(mean.scalars + variance.scalars == before)
    }

    @Test(
        arguments: KernelPath.supported, [[6, 5], [4, 3, 7], [3, 4, 5, 6], [2, 3, 50, 50], [64, 40], [5, 70, 9]])
    func matchesTheComposedFormula(path: KernelPath, shape: [Int]) {
        KernelPath.withPath(path) { matchesTheComposedFormula(shape: shape) }
    }

    private func matchesTheComposedFormula(shape: [Int]) {
        // [2, 3, 50, 50] has runs longer than a summing chunk; [64, 40] and [5, 70, 9] split
        // channels over threads on both layouts.
        let c = shape[1]
        let x = uniform(shape, g, -3, 5), weight = uniform([c], g), bias = uniform([c], g)
        let y = batchNorm(x, runningMean: nil, runningVariance: nil, weight: weight, bias: bias, training: true)
        expectClose(y.scalars, composedBatchNorm(x, weight: weight, bias: bias).scalars, tolerance: 1e-4)
        // The fused backward against autograd through the composed formula.
        let seed = uniform(shape, g)
        let fused = [x, weight, bias].map { leaf($0.contiguousCopy()) }
        batchNorm(fused[0], runningMean: nil, runningVariance: nil, weight: fused[1], bias: fused[2], training: true)
            .backward(seed)
        let composed = [x, weight, bias].map { leaf($0.contiguousCopy()) }
        composedBatchNorm(composed[0], weight: composed[1], bias: composed[2]).backward(seed)
        for (a, b) in zip(fused, composed) {
            expectClose(a.grad!.scalars, b.grad!.scalars, tolerance: 2e-3, "\(shape) gradient of shape \(a.shape)")
        }
    }

    /// batchNorm(activation: .relu) against relu(batchNorm(…)): the same bits forward and backward,
    /// the gradient masked inside the channel passes instead of by a pass of its own.
    @Test(arguments: KernelPath.supported, [[6, 5], [4, 3, 7], [3, 4, 5, 6], [5, 70, 9]])
    func fusedReLU(path: KernelPath, shape: [Int]) {
        KernelPath.withPath(path) {
            let c = shape[1]
            let x = uniform(shape, g, -3, 5), weight = uniform([c], g), bias = uniform([c], g), seed = uniform(shape, g)
            for training in [true, false] {
                let mean = uniform([c], g), variance = uniform([c], g, 0.5, 2)
                func run(fused: Bool) -> (Tensor, [Tensor]) {
                    let leaves = [x, weight, bias].map { leaf($0.contiguousCopy()) }
                    let y = batchNorm(
                        leaves[0], runningMean: training ? nil : mean, runningVariance: training ? nil : variance,
                        weight: leaves[1], bias: leaves[2], training: training, activation: fused ? .relu : .none)
                    let output = fused ? y : y.relu()
                    output.backward(seed)
                    return (output, leaves.map { $0.grad! })
                }
                let (fusedOutput, fusedGradients) = run(fused: true), (output, gradients) = run(fused: false)
                #expect(fusedOutput.scalars.contains(0) && fusedOutput.scalars.contains { $0 > 0 })
                #expect(fusedOutput.scalars == output.scalars, "\(path) \(shape) training \(training) output")
                for (a, b) in zip(fusedGradients, gradients) {
                    #expect(a.scalars == b.scalars, "\(path) \(shape) training \(training) gradient of shape \(a.shape)")
                }
            }
        }
    }

    @Test func nonContiguousInputAndNoAffine() {
        let x = uniform([3, 5, 4], g)
        let view = x.permuted(2, 1, 0)  // [4, 5, 3], channels along the middle
        let y = batchNorm(view, runningMean: nil, runningVariance: nil, training: true)
        let expected = composedBatchNorm(view.contiguousCopy(), weight: Tensor.ones([5]), bias: Tensor.zeros([5]))
        expectTensor(y, shape: [4, 5, 3], expected.scalars, tolerance: 1e-4)
    }

    @Test func varianceOfALargeMeanIsNotCancelledAway() {
        // Values 1000 ± 0.01: a one-pass Σx² − (Σx)²/n in float32 would lose the variance entirely.
        let x = Tensor(shape: [256, 1, 8], scalars: (0..<2048).map { 1000 + ($0 % 2 == 0 ? 0.01 : -0.01) })
        let mean = Tensor.zeros([1]), variance = Tensor.zeros([1])
        let y = batchNorm(x, runningMean: mean, runningVariance: variance, training: true, momentum: 1, epsilon: 0)
        expectClose(mean.scalars, [1000])
        // Float32 spacing at 1000 is 6e-5, so each value is 1000 ± 0.01 to within 0.3%.
        let expected: Float = 0.0001 * 2048 / 2047
        #expect(Swift.abs(variance.item - expected) <= 1e-2 * expected, "running variance \(variance.item)")
        expectClose(Array(y.scalars.prefix(2)), [1, -1], tolerance: 1e-2)
    }
}

@Suite struct BatchNormalizationGradients {
    let g = RandomGenerator(seed: 42)

    @Test(arguments: [[5, 3], [3, 2, 4], [2, 3, 2, 3]])
    func training(shape: [Int]) {
        let c = shape[1]
        checkGradients([uniform(shape, g), awayFromZero([c], g, 0.5, 2), uniform([c], g)], "\(shape)") {
            batchNorm($0[0], runningMean: nil, runningVariance: nil, weight: $0[1], bias: $0[2], training: true)
        }
        checkGradients([uniform(shape, g)], "\(shape) without weight and bias") {
            batchNorm($0[0], runningMean: nil, runningVariance: nil, training: true)
        }
        checkGradients(
            [uniform(shape, g), awayFromZero([c], g, 0.5, 2), uniform([c], g)], wrt: [1, 2],
            "\(shape) parameters only"
        ) {
            batchNorm($0[0], runningMean: nil, runningVariance: nil, weight: $0[1], bias: $0[2], training: true)
        }
    }

    @Test(arguments: [[5, 3], [3, 2, 4], [2, 3, 2, 3]])
    func evaluation(shape: [Int]) {
        let c = shape[1]
        let mean = uniform([c], g), variance = uniform([c], g, 0.5, 2)
        checkGradients([uniform(shape, g), awayFromZero([c], g, 0.5, 2), uniform([c], g)], "\(shape)") {
            batchNorm($0[0], runningMean: mean, runningVariance: variance, weight: $0[1], bias: $0[2], training: false)
        }
    }

    @Test func throughAView() {
        checkGradients([uniform([3, 4, 2], g), uniform([4], g)], "permuted input") {
            batchNorm($0[0].permuted(2, 1, 0), runningMean: nil, runningVariance: nil, bias: $0[1], training: true)
        }
    }
}

@Suite struct BatchNormalizationPreconditions {
    private func text(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func rank() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = batchNorm(Tensor.zeros([3]), runningMean: nil, runningVariance: nil, training: true)
            })
        #expect(message.contains("batchNorm: needs an input of shape [N, C, …], got shape [3]"), "\(message)")
    }

    @Test func channelMismatch() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = batchNorm(
                    Tensor.zeros([2, 3, 4, 4]), runningMean: nil, runningVariance: nil,
                    weight: Tensor.ones([4]), training: true)
            })
        #expect(
            message.contains("batchNorm: weight of shape [4] does not match the 3 channels of input shape [2, 3, 4, 4]"),
            "\(message)")
    }

    @Test func oneValuePerChannel() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = batchNorm(Tensor.zeros([1, 3, 1, 1]), runningMean: nil, runningVariance: nil, training: true)
            })
        #expect(
            message.contains("batchNorm: expected more than 1 value per channel when training, got input shape [1, 3, 1, 1]"),
            "\(message)")
    }

    @Test func evaluationNeedsRunningStatistics() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = batchNorm(Tensor.zeros([2, 3]), runningMean: nil, runningVariance: nil, training: false)
            })
        #expect(message.contains("batchNorm: evaluation (training: false) needs the running statistics"), "\(message)")
    }
}

/// Synchronised batch norm seen from one process whose twin holds the very same slice: the sums
/// double, so the statistics and the gradients are those of the slice alone, but the running
/// variance's unbiased estimate counts both slices (2m − 1).
@Suite struct SynchronisedBatchNorm {
    /// Synchronised batch norm takes its passes one at a time, the unsynchronised one a channel at a
    /// time in one kernel: with one process (the sums returned as they are) both give the same bits.
    @Test(arguments: [[4, 3, 5, 6], [6, 5]], [FusedActivation.none, .relu])
    func oneProcessSynchronisedMatchesTheFusedKernels(shape: [Int], activation: FusedActivation) {
        let g = RandomGenerator(seed: 43), c = shape[1]
        let x = uniform(shape, g, -2, 3), weight = uniform([c], g), bias = uniform([c], g), seed = uniform(shape, g)
        let synchronisations: [(([Double]) -> [Double])?] = [nil, { $0 }]
        var results: [[Float]] = []
        for synchronise in synchronisations {
            let leaves: [Tensor] = [x, weight, bias].map { leaf($0.contiguousCopy()) }
            let mean = Tensor.zeros([c]), variance = Tensor.ones([c])
            let y = batchNorm(
                leaves[0], runningMean: mean, runningVariance: variance, weight: leaves[1], bias: leaves[2],
                training: true, sumAcrossProcesses: synchronise, activation: activation)
            y.backward(seed)
            let gradients: [Float] = leaves.flatMap { $0.grad!.scalars }
            results.append(y.scalars + gradients + mean.scalars + variance.scalars)
        }
        #expect(results[0] == results[1], "\(shape) \(activation)")
    }

    @Test func aTwinHoldingTheSameSliceChangesOnlyTheUnbiasedCount() {
        let values: [[Float]] = [[1, 0], [2, 0], [3, 2], [4, 2]]
        let twin: ([Double]) -> [Double] = { $0.map { 2 * $0 } }
        var outputs: [[Float]] = [], gradients: [[Float]] = [], variances: [[Float]] = []
        for synchronise in [nil, twin] {
            let x = leaf(Tensor(values)), weight = leaf([1, 2]), bias = leaf([0, 0.5])
            let mean = Tensor.zeros([2]), variance = Tensor.ones([2])
            let y = batchNorm(
                x, runningMean: mean, runningVariance: variance, weight: weight, bias: bias, training: true,
                sumAcrossProcesses: synchronise)
            (y * Tensor([[1, -1], [2, 0], [0, 3], [-2, 1]])).sum().backward()
            outputs.append(y.scalars)
            gradients.append(x.grad!.scalars + weight.grad!.scalars + bias.grad!.scalars)
            variances.append(variance.scalars)
        }
        expectClose(outputs[1], outputs[0])
        expectClose(gradients[1], gradients[0], tolerance: 1e-5)
        // Σ(x − μ)² is 5 and 4 in this slice: unbiased over one slice 5/3 and 4/3, over two 10/7 and 8/7.
        expectClose(variances[0], [0.9 + 0.1 * 5 / 3, 0.9 + 0.1 * 4 / 3])
        expectClose(variances[1], [0.9 + 0.1 * 10 / 7, 0.9 + 0.1 * 8 / 7])
    }
}
