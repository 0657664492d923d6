import MyelinData
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// A char-BERT's training for the Trainer: every step learns the hidden characters of a batch of
/// random windows of the text, masked by BERT's rule (`RandomMaskedWindows`), all drawn from
/// `windowGenerator` (which the checkpoint keeps, so a resumed run draws the same windows and masks).
/// Evaluations score the validation text's windows, masked once with `validationSeed`
/// (`CharBERT.maskedEvaluation`), so every evaluation and every baseline reads the same positions.
public final class CharBERTTask: TrainingTask {
    public let model: CharBERT
    public let optimizer: Optimizer
    public let windows: RandomMaskedWindows
    public let validation: [MaskedBatch]
    public let state: TrainingCheckpoint

    public init(
        _ model: CharBERT, optimizer: Optimizer, windowGenerator: RandomGenerator, trainingIDs: [Int32],
        validationIDs: [Int32], batchSize: Int, validationSeed: UInt64 = 0
    ) {
        self.model = model
        self.optimizer = optimizer
        let masking = BERTMasking(maskID: model.maskID, vocabularySize: model.configuration.vocabularySize)
        let window = model.configuration.context
        windows = RandomMaskedWindows(trainingIDs, batchSize: batchSize, window: window, masking: masking, generator: windowGenerator)
        validation = maskedValidationWindows(validationIDs, window: window, masking: masking, seed: validationSeed)
        state = TrainingCheckpoint(
            format: CharBERT.checkpointFormat, modules: [("", model)], optimizers: [("model", optimizer)],
            generators: [("windows", windowGenerator)])
    }

    public var batches: EndlessBatches<MaskedBatch> { EndlessBatches { [windows] in windows.next() } }

    public func step(_ batch: MaskedBatch, context: StepContext) throws -> StepOutput {
        let loss = model.loss(on: batch)
        let value = try context.update(minimizing: loss, with: optimizer)
        return StepOutput(["loss": value], samples: batch.input.count)
    }

    public func evaluate() throws -> Evaluation { model.maskedEvaluation(on: validation) }

    /// The original characters at every validation position the evaluations score.
    public var validationTargets: [Int] { validation.flatMap(\.targets.integers) }
}
