import MyelinData
import MyelinNN
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// A captioner's training for the Trainer: each step learns a batch of images [B, 1, S, S] and their
/// captions [B, L] (ids padded with `WordVocabulary.paddingID`) by teacher forcing — the decoder
/// reads "<s> w₁ … wₙ" and is scored on "w₁ … wₙ </s>", padding left out of the cross-entropy — plus,
/// with `attentionPenalty` λ > 0, Xu et al.'s doubly stochastic regulariser λ·Σᵢ(1 − Σₜ αₜᵢ)²,
/// which asks every cell to be looked at about once over the caption. The gradient's norm is
/// clipped to `clipNorm`.
///
/// Each evaluation writes every test caption greedily and reports the test loss (teacher forcing),
/// "test BLEU-4", "test exact" (the share of captions written exactly) and "test exact 1 digit",
/// "test exact 2 digits", … for each digit count of the test canvases.
public final class CaptioningTask<Train: Dataset>: TrainingTask {
    public let model: ShowAttendTell
    public let optimizer: Optimizer
    public let batches: DataLoader<Train>
    public let test: CaptionedDigitCanvases
    public let attentionPenalty: Float
    public let clipNorm: Float?
    public let state: TrainingCheckpoint

    public init(
        _ model: ShowAttendTell, optimizer: Optimizer, on batches: DataLoader<Train>, test: CaptionedDigitCanvases,
        attentionPenalty: Float = 0, clipNorm: Float? = 5
    ) {
        precondition(batches.generator != nil, "CaptioningTask: the loader needs a generator of its own, for the checkpoint")
        precondition(attentionPenalty >= 0, "CaptioningTask: attentionPenalty must be ≥ 0, got \(attentionPenalty)")
        self.model = model
        self.optimizer = optimizer
        self.batches = batches
        self.test = test
        self.attentionPenalty = attentionPenalty
        self.clipNorm = clipNorm
        state = model.trainingCheckpoint(optimizer: optimizer, shuffling: batches.generator!)
    }

    public func step(_ batch: (inputs: Tensor, labels: Tensor), context: StepContext) throws -> StepOutput {
        if !model.isTraining { model.train() }
        let (loss, crossEntropy) = losses(batch.inputs, captions: batch.labels)
        let value = try context.update(minimizing: loss, with: optimizer, clipping: clipNorm.map { (model.parameters, $0) })
        var figures = [StepOutput.Figure(name: "loss", value: value)]
        if attentionPenalty > 0 { figures.append(.init(name: "cross-entropy", value: crossEntropy.item)) }
        return StepOutput(figures, samples: batch.inputs.shape[0])
    }

    /// The training loss of `images` with `captions` [B, L] (padded ids), and its cross-entropy part.
    public func losses(_ images: Tensor, captions: Tensor) -> (loss: Tensor, crossEntropy: Tensor) {
        let (input, target) = PaddedBatch.teacherForcing(Self.sequences(captions))
        let (logits, weights) = model.forward(images, tokens: input.tokens)
        let crossEntropy = MyelinNN.crossEntropy(
            logits.reshaped([-1, model.configuration.vocabularySize]), target.tokens.reshaped([-1]),
            ignoreIndex: Int(WordVocabulary.paddingID))
        guard attentionPenalty > 0 else { return (crossEntropy, crossEntropy) }
        return (crossEntropy + attentionPenalty * doublyStochasticPenalty(weights, mask: target.mask), crossEntropy)
    }

    /// The captions of padded rows [B, L]: each row up to its first padding.
    public static func sequences(_ captions: Tensor) -> [[Int32]] {
        let ids = captions.integers, length = captions.shape[1]
        return (0..<captions.shape[0]).map { row in
            ids[(row * length)..<((row + 1) * length)].prefix { $0 != Int(WordVocabulary.paddingID) }.map(Int32.init)
        }
    }

    public func evaluate() throws -> Evaluation {
        let scores = CaptionScores(model, on: test, search: .greedy(maxLength: test.maxLength + 1))
        var evaluation = Evaluation([("test loss", testLoss()), ("test BLEU-4", scores.bleu.score), ("test exact", scores.exact)])
        for (digits, exact) in scores.exactByDigitCount { evaluation.append("test exact \(CaptionScores.digitCountName(digits))", exact) }
        return evaluation
    }

    /// The mean cross-entropy per word on the test captions, by teacher forcing, in chunks of `chunk`.
    public func testLoss(chunk: Int = 100) -> Double {
        var total = 0.0, words = 0
        model.evaluating {
            for start in stride(from: 0, to: test.count, by: chunk) {
                let (images, captions) = test.batch(at: start..<min(start + chunk, test.count))
                let (input, target) = PaddedBatch.teacherForcing(Self.sequences(captions))
                let logits = model.forward(images, tokens: input.tokens).logits
                let count = target.lengths.reduce(0, +)
                let loss = crossEntropy(
                    logits.reshaped([-1, model.configuration.vocabularySize]), target.tokens.reshaped([-1]),
                    ignoreIndex: Int(WordVocabulary.paddingID))
                total += Double(loss.item) * Double(count)
                words += count
            }
        }
        return words == 0 ? .nan : total / Double(words)
    }
}

/// Xu et al.'s doubly stochastic attention regulariser: Σᵢ (1 − Σₜ αₜᵢ)² per caption, averaged over
/// the batch, where the sum over steps t takes only the real ones (`mask` 1; padding 0).
///
/// Shapes: weights [B, T, cells], mask [B, T] → a scalar.
public func doublyStochasticPenalty(_ weights: Tensor, mask: Tensor) -> Tensor {
    precondition(
        weights.rank == 3 && mask.shape == Array(weights.shape.prefix(2)),
        "doublyStochasticPenalty: weights shape \(weights.shape) is not [B, T, cells] for mask shape \(mask.shape)")
    let looked = (weights * mask.unsqueezed(axis: 2)).sum(axis: 1)
    return (1 - looked).square().sum(axis: 1).mean()
}
