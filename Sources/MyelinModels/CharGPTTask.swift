import MyelinData
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// A char-GPT's training for the Trainer: every step learns from a batch of random windows of the
/// text, drawn from `windowGenerator` (which the checkpoint keeps, so a resumed run draws the same
/// windows). Evaluations give the validation loss (see `CharacterLanguageModel`).
public final class CharGPTTask: TrainingTask {
    public let model: CharGPT
    public let optimizer: Optimizer
    public let windows: RandomWindows
    public let validationIDs: [Int32]
    public let state: TrainingCheckpoint
    /// In data-parallel training, this process's slice of every batch of windows.
    public let shard: DataShard?

    /// With a `shard`, `batchSize` is the global batch: every process draws the same windows and
    /// learns from its slice of them.
    public init(
        _ model: CharGPT, optimizer: Optimizer, windowGenerator: RandomGenerator, trainingIDs: [Int32],
        validationIDs: [Int32], batchSize: Int, shard: DataShard? = nil
    ) {
        if let shard {
            precondition(
                batchSize % shard.count == 0, "CharGPTTask: a batch of \(batchSize) cannot be split evenly among \(shard.count) processes")
        }
        self.shard = shard
        self.model = model
        self.optimizer = optimizer
        self.validationIDs = validationIDs
        windows = RandomWindows(trainingIDs, batchSize: batchSize, window: model.configuration.context, generator: windowGenerator)
        state = TrainingCheckpoint(
            format: CharGPT.checkpointFormat, modules: [("", model)], optimizers: [("model", optimizer)],
            generators: [("windows", windowGenerator)])
    }

    public var batches: EndlessBatches<(input: Tensor, target: Tensor)> { EndlessBatches { [windows] in windows.next() } }

    public func step(_ whole: (input: Tensor, target: Tensor), context: StepContext) throws -> StepOutput {
        var batch = whole
        if let shard {
            let n = whole.input.shape[0] / shard.count
            batch = (
                whole.input.narrowed(axis: 0, start: shard.rank * n, length: n).contiguous(),
                whole.target.narrowed(axis: 0, start: shard.rank * n, length: n).contiguous()
            )
        }
        let loss = crossEntropy(model(batch.input), batch.target)
        let value = try context.update(minimizing: loss, with: optimizer)
        return StepOutput(["loss": value], samples: batch.target.count)
    }

    public func evaluate() throws -> Evaluation {
        model.validationEvaluation(on: validationIDs, window: model.configuration.context)
    }
}
