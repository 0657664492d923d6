import Foundation
import MyelinNN
import MyelinTestSupport
import Testing

@Suite struct SegmentationLossTests {
    /// The soft Dice loss computed in Double from its definition: p the softmax over the last axis,
    /// t one-hot, sums over every position, ε = 1.
    func diceByHand(_ logits: Tensor, _ labels: Tensor, epsilon: Double = 1) -> Double {
        let classes = logits.shape.last!, values = logits.scalars.map(Double.init)
        var overlap = [Double](repeating: 0, count: classes), sizes = overlap
        for (position, label) in labels.integers.enumerated() {
            let row = values[(position * classes)..<((position + 1) * classes)]
            let total = row.map { exp($0) }.reduce(0, +)
            for c in 0..<classes {
                let p = exp(row[row.startIndex + c]) / total
                sizes[c] += p + (c == label ? 1 : 0)
                if c == label { overlap[c] += p }
            }
        }
        return 1 - (0..<classes).map { (2 * overlap[$0] + epsilon) / (sizes[$0] + epsilon) }.reduce(0, +) / Double(classes)
    }

    @Test func diceOfEvenScoresByHand() {
        // Two classes, two positions both labelled 0, every probability ½: class 0 scores
        // (2·1 + 1) / (1 + 2 + 1) = ¾, class 1 (0 + 1) / (1 + 0 + 1) = ½; the loss is 1 − ⅝.
        #expect(Swift.abs(diceLoss(Tensor.zeros([2, 2]), Tensor(integers: [0, 0])).item - 0.375) < 1e-7)
        // Without ε the absent class scores 0 / 1.
        #expect(Swift.abs(diceLoss(Tensor.zeros([2, 2]), Tensor(integers: [0, 0]), epsilon: 0).item - (1 - (2.0 / 3) / 2)) < 1e-7)
        // Confident and right: every class's overlap is its whole size.
        let sure = Tensor([[30, 0, 0], [0, 30, 0], [0, 0, 30], [30, 0, 0]])
        #expect(Swift.abs(diceLoss(sure, Tensor(integers: [0, 1, 2, 0])).item) < 1e-6)
        // Confident and wrong everywhere: no overlap at all, so only ε is left of each score.
        #expect(Swift.abs(diceLoss(sure, Tensor(integers: [1, 2, 0, 1]), epsilon: 0).item - 1) < 1e-6)
    }

    @Test func diceOverPixelsWithTheClassesLastIsItsDefinition() {
        // A batch of two 3×4 label maps with 5 classes: [N, H, W, C] logits and [N, H, W] labels.
        let logits = Tensor.uniform([2, 3, 4, 5], low: -3, high: 3, generator: RandomGenerator(seed: 41))
        let labels = Tensor(shape: [2, 3, 4], integers: (0..<24).map { ($0 * 7 + $0 / 5) % 5 })
        #expect(Swift.abs(Double(diceLoss(logits, labels).item) - diceByHand(logits, labels)) < 2e-6)
        // Only the positions matter, not how they are arranged in the batch.
        #expect(Swift.abs(diceLoss(logits, labels).item - diceLoss(logits.reshaped([24, 5]), labels.reshaped([24])).item) < 1e-7)
        // The sum with cross-entropy is the two added.
        let both = crossEntropyDiceLoss(logits, labels).item
        #expect(Swift.abs(both - (crossEntropy(logits, labels).item + diceLoss(logits, labels).item)) < 1e-6)
    }

    @Test func diceGradient() {
        // Sums of 24 softmax probabilities are O(10), far from any kink: the default tolerances hold.
        let logits = leaf(uniform([2, 3, 4, 5], RandomGenerator(seed: 42), -3, 3))
        let labels = Tensor(shape: [2, 3, 4], integers: (0..<24).map { ($0 * 3 + 1) % 5 })
        GradientCheck().check([logits]) { diceLoss(logits, labels) }
        let labels32 = Tensor(shape: [2, 3, 4], integers: (0..<24).map { $0 % 4 }, dtype: .int32)
        GradientCheck().check([logits]) { diceLoss(logits, labels32, epsilon: 0.5) }
    }

    @Test func crossEntropyDiceGradient() {
        let logits = leaf(uniform([1, 4, 4, 3], RandomGenerator(seed: 43), -3, 3))
        let labels = Tensor(shape: [1, 4, 4], integers: (0..<16).map { ($0 / 3) % 3 })
        GradientCheck().check([logits]) { crossEntropyDiceLoss(logits, labels) }
    }

    @Test func diceLabelsMustDropTheClassAxis() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = diceLoss(Tensor.zeros([2, 3, 5]), Tensor(shape: [2, 5], integers: Array(repeating: 0, count: 10)))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("diceLoss: labels must be integers of shape [2, 3] for logits [2, 3, 5]"), "\(message)")
    }
}
