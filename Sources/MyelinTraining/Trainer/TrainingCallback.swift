import MyelinOptim
import MyelinTensor

/// Something that takes part in a run without being its step: a progress bar, a checkpoint, early
/// stopping, a learning-rate schedule. Implement the moments you need; the others do nothing.
///
/// At each step the Trainer calls, in this order and each callback in list order:
/// `stepWillStart`; the step (which calls `beforeUpdate` through its `StepContext` between its
/// loss and its update); `stepDidEnd`; `evaluationDidEnd` when an evaluation was due;
/// `epochDidEnd` when the step ended an epoch; and last `stateDidSettle`, when everything the
/// step changed is in place — the moment a checkpoint is written. A callback stops the run early
/// with `trainer.stop(_:)`, and stops it with an error by throwing.
public protocol TrainingCallback: AnyObject {
    /// Before the first step of this session (after a resume has restored the run).
    func trainingWillStart(_ trainer: Trainer) throws
    /// Before an epoch's first step, or the first step of a session that resumes mid-epoch.
    func epochWillStart(_ trainer: Trainer) throws
    func stepWillStart(_ trainer: Trainer) throws
    /// Called by the step with its losses before they change any weight.
    func beforeUpdate(_ losses: [StepOutput.Figure], trainer: Trainer) throws
    func stepDidEnd(_ output: StepOutput, trainer: Trainer) throws
    func evaluationDidEnd(_ evaluation: Evaluation, trainer: Trainer) throws
    func epochDidEnd(_ trainer: Trainer) throws
    func stateDidSettle(_ trainer: Trainer) throws
    /// After the last step of this session: the run is complete or was stopped.
    func trainingDidEnd(_ trainer: Trainer) throws
}

extension TrainingCallback {
    public func trainingWillStart(_ trainer: Trainer) throws {}
    public func epochWillStart(_ trainer: Trainer) throws {}
    public func stepWillStart(_ trainer: Trainer) throws {}
    public func beforeUpdate(_ losses: [StepOutput.Figure], trainer: Trainer) throws {}
    public func stepDidEnd(_ output: StepOutput, trainer: Trainer) throws {}
    public func evaluationDidEnd(_ evaluation: Evaluation, trainer: Trainer) throws {}
    public func epochDidEnd(_ trainer: Trainer) throws {}
    public func stateDidSettle(_ trainer: Trainer) throws {}
    public func trainingDidEnd(_ trainer: Trainer) throws {}
}

/// A callback with state of its own that an exact resume needs (early stopping's best value and
/// patience, say). The Trainer saves it with every checkpoint — the JSON as metadata
/// `myelin.callback.NAME`, the tensors as `run.callback.NAME.…` — and gives it back on resume.
public protocol StatefulCallback: TrainingCallback {
    /// The callback's name in the checkpoint, unique among the run's callbacks.
    var stateName: String { get }
    /// Tensors of its state, restored in place on resume (so their shapes are fixed by then).
    func stateTensors(of trainer: Trainer) -> [(name: String, tensor: Tensor)]
    /// Its other state, as JSON.
    func encodeState() throws -> String
    /// Checks `json` (from the checkpoint at `path`) and returns what applies it, so that nothing
    /// changes unless the whole checkpoint fits; throws a `CheckpointError` naming the file.
    func decodeState(_ json: String, path: String) throws -> () -> Void
}

extension StatefulCallback {
    public func stateTensors(of trainer: Trainer) -> [(name: String, tensor: Tensor)] { [] }
}

/// What a step knows of its place in the run, and the one thing it must call:
/// `beforeUpdate` with its losses, before they change any weight, so that `TerminateOnNaN` stops
/// a diverging run with the weights of the step before.
public struct StepContext {
    /// This step's number, counted from 1 over the whole run.
    public let step: Int
    /// This step's epoch, counted from 1.
    public let epoch: Int
    /// This step's place in its epoch, from 0 (for an endless source, which has no epochs: the steps before it).
    public let indexInEpoch: Int
    unowned let trainer: Trainer

    /// Hands the step's losses to the callbacks (`TerminateOnNaN` throws on a non-finite one) before
    /// the step applies its update.
    public func beforeUpdate(_ losses: KeyValuePairs<String, Float>) throws {
        try trainer.beforeUpdate(losses.map { StepOutput.Figure(name: $0.key, value: $0.value) })
    }

    /// The same for losses whose names are made as the run goes ("STN loss", one per model).
    public func beforeUpdate(_ losses: [StepOutput.Figure]) throws {
        try trainer.beforeUpdate(losses)
    }

    /// The update most steps end with: `beforeUpdate(["loss": …])`, then the optimizer's gradients
    /// zeroed, `loss.backward()`, the gradients of `clipping`'s parameters clipped to its global
    /// norm when given, and `optimizer.step()`. Returns the loss's value.
    @discardableResult
    public func update(
        minimizing loss: Tensor, with optimizer: Optimizer, clipping: (parameters: [Tensor], maxNorm: Float)? = nil
    ) throws -> Float {
        let value = loss.item
        try beforeUpdate(["loss": value])
        optimizer.zeroGrad()
        loss.backward()
        if let clipping { clipGradientNorm(clipping.parameters, maxNorm: clipping.maxNorm) }
        optimizer.step()
        return value
    }
}
