import Foundation
import MyelinExplain
import Testing

/// A linear classifier on 4 inputs: logits = x·W + b, W [4, 3].
private let weight = Tensor([[1, -2, 0.5], [-1, 3, 0], [2, 2, -1], [0.25, -0.5, 1]])
private let bias = Tensor([0.1, -0.2, 0.3])
private func linear(_ x: Tensor) -> Tensor { matmul(x, weight) + bias }

/// softmax(x·W + b) of one input, in double precision.
private func probabilities(_ x: [Float]) -> [Double] {
    let w = weight.scalars, b = bias.scalars
    let logits = (0..<3).map { k in Double(b[k]) + (0..<4).reduce(0.0) { $0 + Double(x[$1]) * Double(w[$1 * 3 + k]) } }
    let top = logits.max()!, e = logits.map { Foundation.exp($0 - top) }, sum = e.reduce(0, +)
    return e.map { $0 / sum }
}

/// The sign of ∂ CE(x·W + b, aim)/∂x = Σ_k (p_k − [k = aim]) W[:, k], by hand.
private func gradientSigns(_ x: [Float], aim: Int) -> [Float] {
    let p = probabilities(x), w = weight.scalars
    return (0..<4).map { i in
        let g = (0..<3).reduce(0.0) { $0 + (p[$1] - ($1 == aim ? 1 : 0)) * Double(w[i * 3 + $1]) }
        return g > 0 ? 1 : g < 0 ? -1 : 0
    }
}

/// A small MLP classifier for images of 1×6×6 in [0, 1], and a batch of such images with labels.
private struct SmallImages {
    let model: Sequential
    let images: Tensor
    let labels: Tensor

    init() {
        let g = RandomGenerator(seed: 5)
        model = Sequential {
            Flatten()
            Linear(36, 16, generator: g); ReLU()
            Linear(16, 4, generator: g)
        }
        images = Tensor.uniform([12, 1, 6, 6], generator: g)
        labels = Tensor(integers: (0..<12).map { $0 % 4 })
    }

    func classify(_ x: Tensor) -> Tensor { model(x) }
}

@Suite struct GradientSignAttackTests {
    @Test func fgsmStepsEpsilonAlongTheGradientsSign() {
        let x: [Float] = [0.5, 0.4, 0.6, 0.02]
        let adversarial = GradientSignAttack.fgsm(epsilon: 0.1).perturb(
            Tensor(shape: [1, 4], scalars: x), labels: Tensor(integers: [1]), of: linear)
        let signs = gradientSigns(x, aim: 1)
        // Up the loss of the true class; the last pixel cannot go below 0.
        let expected = (0..<4).map { i in Swift.min(Swift.max(x[i] + 0.1 * signs[i], 0), 1) }
        #expect(signs.allSatisfy { $0 != 0 })
        #expect(zip(adversarial.scalars, expected).allSatisfy { Swift.abs($0 - $1) < 1e-6 }, "\(adversarial.scalars) vs \(expected)")
        #expect(probabilities(adversarial.scalars)[1] < probabilities(x)[1])
    }

    @Test func aFGSMAimedAtAClassStepsDownItsLoss() {
        let x: [Float] = [0.5, 0.4, 0.6, 0.5]
        let attack = GradientSignAttack.fgsm(epsilon: 0.05, goal: .targeted(2))
        let adversarial = attack.perturb(Tensor(shape: [1, 4], scalars: x), labels: Tensor(integers: [1]), of: linear)
        let signs = gradientSigns(x, aim: 2)
        let expected = (0..<4).map { x[$0] - 0.05 * signs[$0] }
        #expect(zip(adversarial.scalars, expected).allSatisfy { Swift.abs($0 - $1) < 1e-6 }, "\(adversarial.scalars) vs \(expected)")
        #expect(probabilities(adversarial.scalars)[2] > probabilities(x)[2])
    }

    @Test func pgdNeverLeavesTheBallOrThePixelRange() {
        let run = SmallImages()
        // Steps larger than the ball, so that the projection has work to do.
        let attack = GradientSignAttack.pgd(epsilon: 0.1, stepSize: 0.07, steps: 10)
        let adversarial = run.model.evaluating {
            attack.perturb(run.images, labels: run.labels, of: run.classify, generator: RandomGenerator(seed: 3))
        }
        let moved = zip(adversarial.scalars, run.images.scalars).map { Swift.abs($0 - $1) }
        #expect(moved.max()! <= 0.1 + 1e-6)
        #expect(adversarial.scalars.allSatisfy { (0...1).contains($0) })
        #expect(moved.filter { $0 > 0.1 - 1e-6 }.count > moved.count / 2, "most pixels should end on the ball's edge")
        let before = crossEntropy(run.classify(run.images), run.labels).item
        let after = crossEntropy(run.classify(adversarial), run.labels).item
        #expect(after > before + 0.1, "PGD should raise the loss: \(before) → \(after)")
    }

    @Test func aSeededAttackIsReproducibleAndLeavesTheModelAlone() {
        let run = SmallImages()
        let attack = GradientSignAttack.pgd(epsilon: 0.2, stepSize: 0.05, steps: 5)
        let parameters = run.model.parameters.map(\.scalars)
        func attacked(seed: UInt64) -> [Float] {
            attack.perturb(run.images, labels: run.labels, of: run.classify, generator: RandomGenerator(seed: seed)).scalars
        }
        #expect(attacked(seed: 9) == attacked(seed: 9))
        #expect(attacked(seed: 9) != attacked(seed: 10))
        #expect(run.model.parameters.map(\.scalars) == parameters && run.model.parameters.allSatisfy { $0.grad == nil })
    }

    @Test func theOutcomeCountsTheImagesTheAttackTurned() {
        let run = SmallImages()
        let data = TensorDataset(inputs: run.images, labels: run.labels)
        let clean = withoutGrad { run.classify(run.images).argmax(axis: -1).integers }
        let right = zip(clean, run.labels.integers).filter { $0 == $1 }.count
        let none = GradientSignAttack.fgsm(epsilon: 0).outcome(on: data, of: run.classify, batchSize: 5)
        #expect(none == AttackOutcome(count: 12, cleanAccuracy: Double(right) / 12, accuracy: Double(right) / 12, successRate: 0))
        let strong = GradientSignAttack.pgd(epsilon: 0.5, stepSize: 0.1, steps: 10)
        let outcome = strong.outcome(on: data, of: run.classify, batchSize: 5, generator: RandomGenerator(seed: 1))
        let adversarial = strong.perturb(run.images, labels: run.labels, of: run.classify, generator: RandomGenerator(seed: 1))
        let after = withoutGrad { run.classify(adversarial).argmax(axis: -1).integers }
        // Batches of 5 draw their random starts in the same order as one batch of 12.
        #expect(outcome.accuracy == Double(zip(after, run.labels.integers).filter { $0 == $1 }.count) / 12)
        #expect(outcome.accuracy < outcome.cleanAccuracy && outcome.successRate > 0)
    }
}

@Suite struct OnePixelAttackTests {
    /// Class 1 wins exactly when the pixel at row 2, column 3 of a 5×5 image is above 0.5.
    static func onePixelDetector(_ x: Tensor) -> Tensor {
        let w = Tensor(shape: [25, 2], scalars: (0..<50).map { $0 == 13 * 2 + 1 ? 20 : 0 })
        return matmul(x.reshaped([-1, 25]), w) + Tensor([0, -10])
    }

    @Test func itFindsThePixelAndChangesNoOther() {
        let image = Tensor.zeros([1, 5, 5])
        let attack = OnePixelAttack(populationSize: 20, generations: 50)
        let result = attack.attack(image, label: 0, of: Self.onePixelDetector, generator: RandomGenerator(seed: 4))
        #expect(result.succeeded && result.prediction == 1 && result.probability > 0.5)
        #expect(result.row == 2 && result.column == 3 && result.values[0] > 0.5)
        let changed = zip(result.adversarial.scalars, image.scalars).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(changed == [2 * 5 + 3])
        #expect(result.adversarial.shape == [1, 5, 5])
        let again = attack.attack(image, label: 0, of: Self.onePixelDetector, generator: RandomGenerator(seed: 4))
        #expect(again.adversarial.scalars == result.adversarial.scalars && again.generationsRun == result.generationsRun)
    }

    @Test func aimedAtAClassItSucceedsOnlyWithThatClass() {
        let image = Tensor.zeros([5, 5])
        let result = OnePixelAttack(populationSize: 20, generations: 50, goal: .targeted(1))
            .attack(image, label: 0, of: Self.onePixelDetector, generator: RandomGenerator(seed: 2))
        #expect(result.succeeded && result.prediction == 1 && result.row == 2 && result.column == 3)
    }

    @Test func aClassifierNoPixelMovesIsNotFooled() {
        let constant: (Tensor) -> Tensor = { x in
            Tensor(shape: [x.shape[0], 2], scalars: Array(repeating: [3, 0], count: x.shape[0]).flatMap { $0 })
        }
        let result = OnePixelAttack(populationSize: 8, generations: 5).attack(Tensor.zeros([1, 4, 4]), label: 0, of: constant)
        #expect(!result.succeeded && result.prediction == 0 && result.generationsRun == 5)
        #expect(zip(result.adversarial.scalars, Tensor.zeros([16]).scalars).filter { $0 != $1 }.count <= 1)
    }
}
