/// A model's training, as the Trainer runs it: where its batches come from, what its checkpoint
/// holds, one step, and an evaluation. A new model joins by writing these four; the loop, the
/// callbacks, checkpoints and resume are the Trainer's.
///
/// ```swift
/// let task = SupervisedTask(model, optimizer: optimizer, loss: crossEntropy, on: train, validation: test)
/// let trainer = Trainer(.epochs(3), state: task.state, callbacks: [ProgressLogger(), TerminateOnNaN()])
/// let history = try trainer.run(task)
/// ```
public protocol TrainingTask: AnyObject {
    associatedtype Batches: BatchSource

    var batches: Batches { get }
    /// Everything the run is made of — models, optimizers, random generators, carried tensors —
    /// for the Trainer's checkpoints.
    var state: TrainingCheckpoint { get }
    /// One step on `batch`: forward, `context.beforeUpdate(losses)`, backward, update.
    func step(_ batch: Batches.Batch, context: StepContext) throws -> StepOutput
    /// Figures on held-out data, when the Trainer's evaluation interval comes round.
    func evaluate() throws -> Evaluation
}

extension TrainingTask {
    /// No evaluation.
    public func evaluate() throws -> Evaluation { Evaluation() }
}
