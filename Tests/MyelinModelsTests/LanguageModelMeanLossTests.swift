import Myelin
import MyelinModels
import Testing

/// `meanLoss` (one implementation, on `CharacterLanguageModel`) is the cross-entropy of every
/// non-overlapping window, each from a fresh start, for both language models.
@Suite struct LanguageModelMeanLossTests {
    func checkMeanLoss<Model: CharacterLanguageModel>(_ model: Model) {
        let ids: [Int32] = (0..<23).map { Int32(($0 * 7) % 5) }
        // (23 − 1) / 4 = 5 windows of 4 predictions each, in batches of 2.
        let (nats, windows) = model.meanLoss(on: ids, window: 4, batchSize: 2)
        #expect(windows == 5)
        var total: Float = 0
        for j in 0..<5 {
            let x = Tensor(shape: [1, 4], integers: ids[(4 * j)..<(4 * j + 4)].map(Int.init))
            let y = Tensor(shape: [4], integers: ids[(4 * j + 1)..<(4 * j + 5)].map(Int.init))
            total += crossEntropy(model(x).reshaped([4, 5]), y, reduction: .sum).item
        }
        #expect(abs(nats - Double(total) / 20) < 1e-5)
    }

    @Test func charRNN() {
        checkMeanLoss(CharRNN(.init(vocabularySize: 5, embeddingSize: 3, hiddenSize: 4), generator: RandomGenerator(seed: 3)))
    }

    @Test func charGPT() {
        checkMeanLoss(
            CharGPT(
                .init(vocabularySize: 5, context: 4, embedDim: 4, heads: 2, layers: 1, feedForward: 8),
                generator: RandomGenerator(seed: 3)))
    }
}
