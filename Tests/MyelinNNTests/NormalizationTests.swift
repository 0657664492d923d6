import MyelinNN
import MyelinTestSupport
import Testing

// BatchNorm1d and BatchNorm2d: PyTorch's state-dict names, the running statistics, train versus
// eval, gradients through the layer, and the shape preconditions.

/// (x − mean) / √(variance + ε) per channel, from plain arrays, in double.
private func normalized(_ x: Tensor, mean: [Float], variance: [Float], epsilon: Double = 1e-5) -> [Float] {
    let c = x.shape[1], s = x.shape.dropFirst(2).reduce(1, *)
    return x.scalars.enumerated().map { i, v in
        let k = (i / s) % c
        return Float((Double(v) - Double(mean[k])) / (Double(variance[k]) + epsilon).squareRoot())
    }
}

/// Per-channel mean and unbiased variance of an [N, C, …] tensor, in double.
private func channelStatistics(_ x: Tensor) -> (mean: [Float], biased: [Float], unbiased: [Float]) {
    let c = x.shape[1], s = x.shape.dropFirst(2).reduce(1, *), m = x.count / c
    var values = [[Double]](repeating: [], count: c)
    for (i, v) in x.scalars.enumerated() { values[(i / s) % c].append(Double(v)) }
    let means = values.map { $0.reduce(0, +) / Double(m) }
    let squares = zip(values, means).map { v, mu in v.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } }
    return (means.map(Float.init), squares.map { Float($0 / Double(m)) }, squares.map { Float($0 / Double(m - 1)) })
}

@Suite struct BatchNormalizationLayerTests {
    let g = RandomGenerator(seed: 71)

    @Test func stateDictNamesArePyTorchs() {
        let names = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
        #expect(BatchNorm2d(3).stateDict.map(\.0) == names)
        #expect(BatchNorm1d(3).stateDict.map(\.0) == names)
        #expect(BatchNorm2d(3).namedParameters.map(\.0) == ["weight", "bias"])
        #expect(BatchNorm2d(3, affine: false).stateDict.map(\.0) == ["running_mean", "running_var", "num_batches_tracked"])
        #expect(BatchNorm2d(3, affine: false).parameters.isEmpty)
        #expect(BatchNorm2d(3, affine: false).weight == nil && BatchNorm2d(3, affine: false).bias == nil)
        #expect(BatchNorm2d(3, trackRunningStatistics: false).stateDict.map(\.0) == ["weight", "bias"])
        let model = Sequential {
            Linear(4, 3); BatchNorm1d(3)
        }
        #expect(model.stateDict.map(\.0) == ["0.weight", "0.bias"] + names.map { "1.\($0)" })
    }

    @Test func stateDictRoundTripKeepsTheStepCounter() throws {
        let trained = BatchNorm2d(2)
        for _ in 0..<3 { _ = trained(Tensor.randn([4, 2, 3, 3], generator: g)) }
        let copy = BatchNorm2d(2)
        try copy.loadStateDict(Dictionary(uniqueKeysWithValues: trained.stateDict))
        #expect(copy.numBatchesTracked!.integers == [3] && copy.numBatchesTracked!.dtype == .int64)
        #expect(copy.runningMean!.scalars == trained.runningMean!.scalars)
        #expect(copy.runningVariance!.scalars == trained.runningVariance!.scalars)
    }

    @Test func initialValues() {
        let layer = BatchNorm2d(3)
        #expect(layer.weight!.scalars == [1, 1, 1] && layer.bias!.scalars == [0, 0, 0])
        #expect(layer.runningMean!.scalars == [0, 0, 0] && layer.runningVariance!.scalars == [1, 1, 1])
        #expect(layer.numBatchesTracked!.dtype == .int64 && layer.numBatchesTracked!.shape == [])
        #expect(layer.numBatchesTracked!.integers == [0])
        #expect(layer.weight!.requiresGrad && layer.bias!.requiresGrad && !layer.runningMean!.requiresGrad)
        #expect(layer.epsilon == 1e-5 && layer.momentum == 0.1 && layer.features == 3)
    }

    @Test func runningStatisticsAfterOneAndTwoSteps() {
        let layer = BatchNorm1d(2)
        let first = Tensor([[1, 0], [2, 0], [3, 2], [4, 2]])
        let y = layer(first)
        // Training normalises with the batch's biased variance (1.25 and 1)…
        let s0 = 1 / (1.25 + 1e-5 as Float).squareRoot(), s1 = 1 / (1 + 1e-5 as Float).squareRoot()
        #expect(close(y.scalars, [-1.5 * s0, -s1, -0.5 * s0, -s1, 0.5 * s0, s1, 1.5 * s0, s1], 1e-5))
        // …and moves the running variance toward the unbiased one (5/3 and 4/3).
        #expect(close(layer.runningMean!.scalars, [0.25, 0.1]))
        let firstVariances: [Float] = [0.9 + 0.1 * 5 / 3, 0.9 + 0.1 * 4 / 3]
        #expect(close(layer.runningVariance!.scalars, firstVariances))
        #expect(layer.numBatchesTracked!.integers == [1])
        _ = layer(Tensor([[10, -1], [20, 1]]))
        #expect(close(layer.runningMean!.scalars, [0.225 + 1.5, 0.09]))
        let variances: [Float] = [0.9 * (0.9 + 0.1 * 5 / 3) + 5, 0.9 * (0.9 + 0.1 * 4 / 3) + 0.2]
        #expect(close(layer.runningVariance!.scalars, variances, 1e-5))
        #expect(layer.numBatchesTracked!.integers == [2])
        // Evaluation uses the running statistics and changes nothing.
        layer.eval()
        let state = layer.stateDict.map { $0.1.scalars }
        let x = Tensor([[1, 2], [3, -4]])
        #expect(
            close(
                layer(x).scalars,
                normalized(
                    x, mean: layer.runningMean!.scalars,
                    variance: layer.runningVariance!.scalars), 1e-5))
        #expect(layer.stateDict.map { $0.1.scalars } == state)
    }

    @Test func cumulativeAverageWithoutMomentum() {
        // momentum nil: the running statistics are the plain average of every batch's.
        let layer = BatchNorm2d(3, momentum: nil)
        var means: [[Float]] = [], variances: [[Float]] = []
        for _ in 0..<3 {
            let x = uniform([4, 3, 2, 2], g, -1, 3)
            let stats = channelStatistics(x)
            means.append(stats.mean)
            variances.append(stats.unbiased)
            _ = layer(x)
        }
        let average = { (rows: [[Float]]) in (0..<3).map { k in rows.map { $0[k] }.reduce(0, +) / 3 } }
        #expect(close(layer.runningMean!.scalars, average(means), 1e-5))
        #expect(close(layer.runningVariance!.scalars, average(variances), 1e-5))
        #expect(layer.numBatchesTracked!.integers == [3])
    }

    @Test func trainingAndEvaluationOfImages() {
        let layer = BatchNorm2d(2, momentum: 0.3)
        layer.weight!.assign(Tensor([2, -1]))
        layer.bias!.assign(Tensor([0.5, 1]))
        let x = uniform([4, 2, 3, 3], g, -2, 4)
        let stats = channelStatistics(x)
        let affine = { (values: [Float]) in
            values.enumerated().map { i, v in (i / 9) % 2 == 0 ? 2 * v + 0.5 : -v + 1 }
        }
        #expect(close(layer(x).scalars, affine(normalized(x, mean: stats.mean, variance: stats.biased)), 1e-4))
        #expect(close(layer.runningMean!.scalars, stats.mean.map { 0.3 * $0 }, 1e-5))
        #expect(close(layer.runningVariance!.scalars, stats.unbiased.map { 0.7 + 0.3 * $0 }, 1e-5))
        layer.eval()
        #expect(
            close(
                layer(x).scalars,
                affine(
                    normalized(
                        x, mean: layer.runningMean!.scalars,
                        variance: layer.runningVariance!.scalars)), 1e-4))
        #expect(layer.numBatchesTracked!.integers == [1])
        // A single example is fine in evaluation.
        #expect(layer(Tensor.ones([1, 2, 1, 1])).shape == [1, 2, 1, 1])
    }

    @Test func withoutRunningStatisticsEvaluationUsesTheBatch() {
        let layer = BatchNorm1d(3, trackRunningStatistics: false)
        let x = uniform([5, 3, 4], g)
        let training = layer(x).scalars
        layer.eval()
        #expect(layer(x).scalars == training)
        let stats = channelStatistics(x)
        #expect(close(training, normalized(x, mean: stats.mean, variance: stats.biased), 1e-5))
        // Nothing is tracked, so there is nothing to save (PyTorch's buffers are None then).
        #expect(layer.runningMean == nil && layer.runningVariance == nil && layer.numBatchesTracked == nil)
        #expect(layer.stateDict.map(\.0) == ["weight", "bias"])
    }

    @Test func gradients() {
        let checker = GradientCheck()
        for training in [true, false] {
            let layer = BatchNorm2d(3)
            layer.weight!.assign(awayFromZero([3], g, 0.5, 2))
            layer.bias!.assign(uniform([3], g))
            layer.runningMean!.assign(uniform([3], g))
            layer.runningVariance!.assign(uniform([3], g, 0.5, 2))
            if !training { layer.eval() }
            let x = leaf(uniform([2, 3, 2, 3], g))
            checker.check([x] + layer.parameters, "BatchNorm2d training \(training)") { layer(x) }
            let sequence = BatchNorm1d(3)
            if !training { sequence.eval() }
            let z = leaf(uniform([4, 3, 2], g))
            checker.check([z] + sequence.parameters, "BatchNorm1d training \(training)") { sequence(z) }
        }
    }

    @Test func aFollowingReLUIsFusedWithTheSameResultAndStatistics() {
        // Sequential runs BatchNorm2d + ReLU as one pass: the output, the gradients and the running
        // statistics must be those of the two layers one after the other.
        let x = uniform([4, 3, 5, 5], g, -2, 2), seed = uniform([4, 3, 5, 5], g)
        func run(fused: Bool) -> [[Float]] {
            let norm = BatchNorm2d(3)
            norm.weight!.assign(Tensor([1.5, -0.5, 1]))
            let input = leaf(x.contiguousCopy())
            let y =
                fused
                ? Sequential {
                    norm; ReLU()
                }(input) : norm(input).relu()
            y.backward(seed)
            return [
                y.scalars, input.grad!.scalars, norm.weight!.grad!.scalars, norm.bias!.grad!.scalars,
                norm.runningMean!.scalars, norm.runningVariance!.scalars,
            ]
        }
        let fused = run(fused: true), separate = run(fused: false)
        #expect(fused[0].contains(0) && fused[0].contains { $0 > 0 })
        for (a, b) in zip(fused, separate) { #expect(a == b) }
    }
}

@Suite struct BatchNormalizationLayerPreconditions {
    private func text(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func batchNorm2dRank() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = BatchNorm2d(3)(Tensor.zeros([2, 3, 4]))
            })
        #expect(message.contains("BatchNorm2d: expected a 4-D input [N, C, H, W], got shape [2, 3, 4]"), "\(message)")
    }

    @Test func batchNorm1dRank() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = BatchNorm1d(3)(Tensor.zeros([2, 3, 4, 4]))
            })
        #expect(
            message.contains("BatchNorm1d: expected a 2-D or 3-D input [N, C] or [N, C, L], got shape [2, 3, 4, 4]"),
            "\(message)")
    }

    @Test func channelMismatch() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = BatchNorm2d(3)(Tensor.zeros([2, 4, 5, 5]))
            })
        #expect(
            message.contains("BatchNorm2d: input shape [2, 4, 5, 5] has 4 channels, but the layer has 3 features"),
            "\(message)")
    }

    @Test func oneValuePerChannelInTraining() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = BatchNorm1d(3)(Tensor.zeros([1, 3]))
            })
        #expect(
            message.contains("BatchNorm1d: expected more than 1 value per channel when training, got input shape [1, 3]"),
            "\(message)")
    }
}
