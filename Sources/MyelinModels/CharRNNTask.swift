import MyelinData
import MyelinNN
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// A char-RNN's training for the Trainer, by truncated backpropagation through time: the text is
/// cut into parallel streams and each step learns from the next window of every stream, starting
/// from the state the previous window ended in (carried as values, not as a graph; zero at each
/// pass's start), with the gradient norm clipped. The checkpoint keeps the carried state, so a
/// resumed run goes on with it. Evaluations give the validation loss (see `CharacterLanguageModel`).
public final class CharRNNTask: TrainingTask {
    public let model: CharRNN
    public let optimizer: Optimizer
    public let batches: TruncatedBPTTBatches
    public let validationIDs: [Int32]
    public let clipNorm: Float?
    /// The state carried from window to window.
    public let carried: RecurrentState
    public let state: TrainingCheckpoint

    /// `generator` is the model's own (its dropout between layers draws from it): the checkpoint keeps it.
    public init(
        _ model: CharRNN, optimizer: Optimizer, generator: RandomGenerator, trainingIDs: [Int32], validationIDs: [Int32],
        batchSize: Int, window: Int, clipNorm: Float?
    ) {
        self.model = model
        self.optimizer = optimizer
        self.validationIDs = validationIDs
        self.clipNorm = clipNorm
        batches = TruncatedBPTTBatches(trainingIDs, batchSize: batchSize, window: window)
        let c = model.configuration
        carried = RecurrentState(
            hidden: Tensor.zeros([c.layers, batchSize, c.hiddenSize]),
            cell: c.cell == .lstm ? Tensor.zeros([c.layers, batchSize, c.hiddenSize]) : nil)
        var tensors = [(name: "hidden", tensor: carried.hidden)]
        if let cell = carried.cell { tensors.append((name: "cell", tensor: cell)) }
        state = TrainingCheckpoint(
            format: CharRNN.checkpointFormat, modules: [("", model)], optimizers: [("model", optimizer)],
            generators: [("model", generator)], tensors: tensors)
    }

    public func step(_ batch: (input: Tensor, target: Tensor), context: StepContext) throws -> StepOutput {
        // Each pass over the text starts from a zero state; within one, the state carries on.
        let (logits, next) = model.forward(batch.input, state: context.indexInEpoch == 0 ? nil : carried)
        let loss = crossEntropy(logits, batch.target)
        let value = try context.update(minimizing: loss, with: optimizer, clipping: clipNorm.map { (model.parameters, $0) })
        // Truncated BPTT: carry the values, not the graph.
        carried.hidden.assign(next.hidden)
        if let cell = next.cell { carried.cell!.assign(cell) }
        return StepOutput(["loss": value], samples: batch.target.count)
    }

    public func evaluate() throws -> Evaluation {
        model.validationEvaluation(on: validationIDs, window: batches.window)
    }
}
