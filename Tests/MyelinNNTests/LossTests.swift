import Foundation
import MyelinNN
import MyelinTestSupport
import Testing

let allReductions: [Reduction] = [.mean, .sum, .none]

@Suite struct LossGradientTests {
    let checker = GradientCheck()

    @Test(arguments: allReductions)
    func mseLossGradient(reduction: Reduction) {
        let prediction = leaf(uniform([3, 4], RandomGenerator(seed: 21))), target = leaf(uniform([3, 4], RandomGenerator(seed: 22)))
        checker.check([prediction, target]) { mseLoss(prediction, target, reduction: reduction) }
    }

    @Test(arguments: allReductions)
    func l1LossGradient(reduction: Reduction) {
        // prediction − target stays ≥ 0.1 away from the kink of |·| at 0.
        let target = leaf(uniform([3, 4], RandomGenerator(seed: 23)))
        let offsets = awayFromZero([3, 4], RandomGenerator(seed: 24), 0.1, 1)
        let prediction = leaf(zip(target.scalars, offsets.scalars).map { $0 + $1 }, shape: [3, 4])
        checker.check([prediction, target]) { l1Loss(prediction, target, reduction: reduction) }
    }

    @Test(arguments: allReductions)
    func crossEntropyGradient(reduction: Reduction) {
        let logits = leaf(uniform([4, 5], RandomGenerator(seed: 25), -3, 3))
        let labels = Tensor(integers: [3, 0, 4, 3])
        checker.check([logits]) { crossEntropy(logits, labels, reduction: reduction) }
        let labels32 = Tensor(shape: [4], integers: [1, 1, 2, 0], dtype: .int32)
        checker.check([logits]) { crossEntropy(logits, labels32, reduction: reduction) }
    }

    @Test(arguments: allReductions)
    func crossEntropyWithTheClassesLastGradient(reduction: Reduction) {
        // A language model's shapes: [B, T, V] logits with [B, T] targets.
        let logits = leaf(uniform([2, 3, 5], RandomGenerator(seed: 35), -3, 3))
        let labels = Tensor(shape: [2, 3], integers: [4, 0, 2, 1, 1, 3])
        checker.check([logits]) { crossEntropy(logits, labels, reduction: reduction) }
        // One unbatched row of logits [V] with a scalar label.
        let row = leaf(uniform([5], RandomGenerator(seed: 36), -3, 3))
        checker.check([row]) { crossEntropy(row, Tensor(shape: [], integers: [2]), reduction: reduction) }
        // A label tensor that is a strided view (every other column of [2, 6]).
        let wide = Tensor(shape: [2, 6], integers: [4, 9, 0, 9, 2, 9, 1, 9, 1, 9, 3, 9])
        let strided = wide.sliced(axis: 1, 0..<6, step: 2)
        #expect(strided.integers == labels.integers)
        checker.check([logits]) { crossEntropy(logits, strided, reduction: reduction) }
    }

    @Test(arguments: allReductions)
    func crossEntropyIgnoringPaddingGradient(reduction: Reduction) {
        let logits = leaf(uniform([2, 3, 5], RandomGenerator(seed: 37), -3, 3))
        let labels = Tensor(shape: [2, 3], integers: [4, 0, 2, 1, 0, 0])
        checker.check([logits]) { crossEntropy(logits, labels, reduction: reduction, ignoreIndex: 0) }
        checker.check([logits]) {
            crossEntropy(logits, Tensor(shape: [2, 3], integers: [4, -100, 2, 1, 3, -100]), reduction: reduction, ignoreIndex: -100)
        }
    }

    @Test(arguments: allReductions)
    func nllLossGradient(reduction: Reduction) {
        let logProbabilities = leaf(uniform([3, 4], RandomGenerator(seed: 26), -4, 0))
        let labels = Tensor(integers: [2, 2, 0])
        checker.check([logProbabilities]) { nllLoss(logProbabilities, labels, reduction: reduction) }
        // Composed with logSoftmax it is crossEntropy.
        checker.check([logProbabilities]) { nllLoss(logProbabilities.logSoftmax(axis: 1), labels, reduction: reduction) }
    }

    @Test(arguments: allReductions)
    func binaryCrossEntropyGradient(reduction: Reduction) {
        // d³/dp³ of t·log p is 2t/p³ (≤ 2000 for p ≥ 0.1), so the step is cut to 1e-3 here:
        // truncation h²/6·2000 ≈ 3e-4; rounding ≈ 2e-7·|L| / 2e-3 ≈ 1e-4 for |L| ≈ 1.
        let checker = GradientCheck(step: 1e-3)
        let probabilities = leaf(uniform([3, 4], RandomGenerator(seed: 27), 0.1, 0.9))
        let targets = Tensor.uniform([3, 4], generator: RandomGenerator(seed: 28))
        checker.check([probabilities]) { binaryCrossEntropy(probabilities, targets, reduction: reduction) }
        let hardTargets = Tensor(shape: [3, 4], scalars: [1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0])
        checker.check([probabilities]) { binaryCrossEntropy(probabilities, hardTargets, reduction: reduction) }
    }

    @Test(arguments: allReductions)
    func binaryCrossEntropyWithLogitsGradient(reduction: Reduction) {
        let logits = leaf(uniform([3, 4], RandomGenerator(seed: 29), -5, 5))
        let targets = Tensor.uniform([3, 4], generator: RandomGenerator(seed: 30))
        checker.check([logits]) { binaryCrossEntropyWithLogits(logits, targets, reduction: reduction) }
    }

    @Test func l2PenaltyGradient() {
        let a = leaf(uniform([2, 3], RandomGenerator(seed: 31))), b = leaf(uniform([4], RandomGenerator(seed: 32)))
        checker.check([a, b]) { l2Penalty([a, b], coefficient: 0.3) }
        // By hand: d/dp λΣp² = 2λp.
        l2Penalty([a, b], coefficient: 0.3).backward()
        #expect(close(a.grad!.scalars, a.scalars.map { 0.6 * $0 }, 1e-6))
        #expect(close(b.grad!.scalars, b.scalars.map { 0.6 * $0 }, 1e-6))
    }
}

@Suite struct LossValueTests {
    @Test(arguments: KernelPath.supported)
    func crossEntropyMatchesPyTorch(path: KernelPath) {
        KernelPath.withPath(path) {
            // F.cross_entropy(torch.tensor([[1., 2., 3.]]), torch.tensor([2])) = 0.40760596
            #expect(Swift.abs(crossEntropy(Tensor([[1, 2, 3]]), Tensor(integers: [2])).item - 0.40760596) < 1e-6)
            let logits = Tensor([[1, 2, 3], [1, 2, 3]])
            let labels = Tensor(integers: [2, 0])
            // −log softmax: 0.40760596 and 2.40760596.
            #expect(close(crossEntropy(logits, labels, reduction: .none).scalars, [0.40760596, 2.40760596], 2e-6))
            #expect(Swift.abs(crossEntropy(logits, labels).item - 1.40760596) < 2e-6)
            #expect(Swift.abs(crossEntropy(logits, labels, reduction: .sum).item - 2.81521192) < 4e-6)
            // Large logits stay finite.
            #expect(Swift.abs(crossEntropy(Tensor([[1000, 0]]), Tensor(integers: [1])).item - 1000) < 1e-3)
        }
    }

    @Test func crossEntropyIgnoreIndexMatchesPyTorch() {
        // F.cross_entropy(logits, torch.tensor([2, -100, 0]), ignore_index=-100) = (0.40760596 + 2.40760596) / 2.
        let logits = Tensor([[1, 2, 3], [5, -1, 0], [1, 2, 3]])
        let labels = Tensor(integers: [2, -100, 0])
        #expect(Swift.abs(crossEntropy(logits, labels, ignoreIndex: -100).item - 1.40760596) < 2e-6)
        #expect(Swift.abs(crossEntropy(logits, labels, reduction: .sum, ignoreIndex: -100).item - 2.81521192) < 4e-6)
        #expect(close(crossEntropy(logits, labels, reduction: .none, ignoreIndex: -100).scalars, [0.40760596, 0, 2.40760596], 2e-6))
        // An ignored index that is a class (padding 0) and no label ignored give the plain loss.
        #expect(Swift.abs(crossEntropy(logits, Tensor(integers: [2, 0, 2]), ignoreIndex: 0).item - 0.40760596) < 2e-6)
        #expect(
            Swift.abs(
                crossEntropy(logits, Tensor(integers: [2, 1, 0]), ignoreIndex: 7).item
                    - crossEntropy(logits, Tensor(integers: [2, 1, 0])).item) < 1e-6)
        // Every label ignored: NaN, as PyTorch's 0 / 0.
        #expect(crossEntropy(logits, Tensor(integers: [0, 0, 0]), ignoreIndex: 0).item.isNaN)
    }

    @Test func crossEntropyGradientIsSoftmaxMinusOneHot() {
        let logits = leaf([1, 2, 3], shape: [1, 3])
        crossEntropy(logits, Tensor(integers: [2])).backward()
        #expect(close(logits.grad!.scalars, [0.09003057, 0.24472847, 0.66524096 - 1], 1e-6))
    }

    @Test func crossEntropyOverATrailingClassAxisIsTheFlattenedOne() {
        // [B, T, V] with [B, T] targets gives what the rows flattened to [B·T, V] give, per row too.
        let logits = Tensor.uniform([2, 3, 4], low: -3, high: 3, generator: RandomGenerator(seed: 37))
        let labels = Tensor(shape: [2, 3], integers: [3, 0, 1, 2, 2, 0])
        let rows = logits.reshaped([6, 4]), flat = labels.reshaped([6])
        for reduction in [Reduction.mean, .sum] {
            #expect(crossEntropy(logits, labels, reduction: reduction).item == crossEntropy(rows, flat, reduction: reduction).item)
        }
        let perPosition = crossEntropy(logits, labels, reduction: .none)
        #expect(perPosition.shape == [2, 3] && perPosition.scalars == crossEntropy(rows, flat, reduction: .none).scalars)
        // By hand: −log softmax(row)[label], in Double.
        let values = logits.scalars.map(Double.init)
        for (position, label) in labels.integers.enumerated() {
            let row = values[(position * 4)..<(position * 4 + 4)]
            let expected = log(row.map { exp($0) }.reduce(0, +)) - row[row.startIndex + label]
            #expect(Swift.abs(Double(perPosition.scalars[position]) - expected) < 2e-6)
        }
        // A single row of logits [C] and a scalar label: PyTorch's unbatched form.
        #expect(Swift.abs(crossEntropy(Tensor([1, 2, 3]), Tensor(shape: [], integers: [2])).item - 0.40760596) < 1e-6)
    }

    @Test func nllLossLabelsMustDropTheClassAxis() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = nllLoss(Tensor.zeros([2, 3, 5]), Tensor(shape: [6], integers: [0, 0, 0, 0, 0, 0]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(
            message.contains(
                "nllLoss: labels must be integers of shape [2, 3] for log-probabilities [2, 3, 5] (classes last), got int64 of shape [6]"),
            "\(message)")
    }

    @Test func nllLossPicksTheLabelledEntry() {
        let logProbabilities = Tensor([[-1, -2, -3], [-4, -5, -6]])
        let labels = Tensor(integers: [1, 2])
        #expect(nllLoss(logProbabilities, labels, reduction: .none).scalars == [2, 6])
        #expect(nllLoss(logProbabilities, labels, reduction: .sum).item == 8)
        #expect(nllLoss(logProbabilities, labels).item == 4)
    }

    @Test func regressionLosses() {
        let prediction = Tensor([1, 2, 3]), target = Tensor([1, 1, 1])
        #expect(close(mseLoss(prediction, target).scalars, [5.0 / 3]))
        #expect(mseLoss(prediction, target, reduction: .sum).item == 5)
        #expect(mseLoss(prediction, target, reduction: .none).scalars == [0, 1, 4])
        #expect(l1Loss(prediction, target).item == 1)
        #expect(l1Loss(prediction, target, reduction: .sum).item == 3)
        #expect(l1Loss(Tensor([1, -2]), Tensor([3, 1]), reduction: .none).scalars == [2, 3])
        #expect(mseLoss(Tensor([[1, 2], [3, 4]]), Tensor([[1, 2], [3, 4]])).shape == [])
    }

    @Test func reductionNoneKeepsTheShape() {
        let p = Tensor.uniform([2, 3], low: 0.1, high: 0.9, generator: RandomGenerator(seed: 33))
        let t = Tensor.uniform([2, 3], generator: RandomGenerator(seed: 34))
        for loss in [
            mseLoss(p, t, reduction: .none), l1Loss(p, t, reduction: .none),
            binaryCrossEntropy(p, t, reduction: .none), binaryCrossEntropyWithLogits(p, t, reduction: .none),
        ] {
            #expect(loss.shape == [2, 3])
        }
        let none = binaryCrossEntropy(p, t, reduction: .none).scalars
        #expect(Swift.abs(binaryCrossEntropy(p, t, reduction: .sum).item - none.reduce(0, +)) < 1e-5)
        #expect(Swift.abs(binaryCrossEntropy(p, t).item - none.reduce(0, +) / 6) < 1e-6)
    }

    @Test func binaryCrossEntropyByHand() {
        let p: [Float] = [0.5, 0.9, 0.2, 0.7], t: [Float] = [1, 0, 0, 0.25]
        let expected: [Double] = zip(p, t).map { (p: Float, t: Float) -> Double in
            let pd = Double(p), td = Double(t)
            let positive: Double = td * Foundation.log(pd)
            let negative: Double = (1 - td) * Foundation.log(1 - pd)
            return -(positive + negative)
        }
        let losses = binaryCrossEntropy(Tensor(p), Tensor(t), reduction: .none).scalars
        for (a, b) in zip(losses, expected) { #expect(Swift.abs(Double(a) - b) < 1e-6) }
        #expect(Swift.abs(losses[0] - 0.6931472) < 1e-6)
    }

    @Test func binaryCrossEntropyClampsTheLogAtMinus100() {
        // torch.nn.functional.binary_cross_entropy(tensor([0., 1., 0., 1.]), tensor([1., 0., 0., 1.]),
        // reduction='none') = [100., 100., 0., 0.]
        let p = leaf([0, 1, 0, 1])
        let losses = binaryCrossEntropy(p, Tensor([1, 0, 0, 1]), reduction: .none)
        #expect(losses.scalars == [100, 100, 0, 0])
        #expect(binaryCrossEntropy(p, Tensor([1, 0, 0, 1])).item == 50)
        // A tiny probability: log(1e-30) ≈ −69 is not clamped.
        #expect(Swift.abs(binaryCrossEntropy(Tensor([1e-30]), Tensor([1])).item - 69.07755) < 1e-3)
        // The gradient stays finite (PyTorch divides by max(p(1 − p), 1e-12)), so one saturated
        // example cannot turn every weight into NaN.
        losses.sum().backward()
        #expect(p.grad!.scalars.allSatisfy { $0.isFinite })
    }

    @Test(arguments: KernelPath.supported)
    func binaryCrossEntropyWithLogitsIsStableAtPlusMinus100(path: KernelPath) {
        KernelPath.withPath(path) {
            let logits = leaf([100, -100, 100, -100])
            let targets = Tensor([1, 1, 0, 0])
            let losses = binaryCrossEntropyWithLogits(logits, targets, reduction: .none)
            // log(1 + e^−100) ≈ 3.7e-44: the exact losses are [0, 100, 100, 0].
            #expect(losses.scalars.allSatisfy { $0.isFinite })
            #expect(close(losses.scalars, [0, 100, 100, 0], 1e-5))
            let mean = binaryCrossEntropyWithLogits(logits, targets)
            #expect(Swift.abs(mean.item - 50) < 1e-5)
            mean.backward()
            // d/dx = (sigmoid(x) − t) / N.
            #expect(close(logits.grad!.scalars, [0, -0.25, 0.25, 0], 1e-6))
        }
    }

    @Test func binaryCrossEntropyWithLogitsAgreesWithTheTwoStepForm() {
        let x = Tensor.uniform([10], low: -6, high: 6, generator: RandomGenerator(seed: 35))
        let t = Tensor.uniform([10], generator: RandomGenerator(seed: 36))
        let fused = binaryCrossEntropyWithLogits(x, t, reduction: .none).scalars
        let twoStep = binaryCrossEntropy(x.sigmoid(), t, reduction: .none).scalars
        #expect(close(fused, twoStep, 1e-4))
        // By hand: log(1 + eˣ) − x·t.
        for i in 0..<10 {
            let xi = Double(x.scalars[i]), ti = Double(t.scalars[i])
            #expect(Swift.abs(Double(fused[i]) - (Foundation.log1p(Foundation.exp(xi)) - xi * ti)) < 2e-6)
        }
    }

    @Test func l2PenaltyValue() {
        let a = Tensor([1, 2]), b = Tensor(shape: [1, 1], scalars: [3])
        #expect(l2Penalty([a, b], coefficient: 0.5).item == 7)
        #expect(l2Penalty([a], coefficient: 0).item == 0)
    }
}
