import Foundation
import MyelinData
import MyelinTensor

/// The one training loop: runs a task's steps for a length in epochs or steps, evaluates every
/// so often, records the `history`, calls the callbacks (progress, checkpoints, early stopping,
/// schedules, logs, the report) and resumes a saved run exactly — mid-epoch too.
///
/// ```swift
/// let trainer = Trainer(.epochs(10), state: task.state, callbacks: [
///     ProgressLogger(), TerminateOnNaN(), ModelCheckpoint(folder.appendingPathComponent("run.safetensors"))])
/// if let saved { try trainer.resume(from: saved) }
/// let history = try trainer.run(task)
/// ```
///
/// A step's randomness must come from generators in `state` (or be fixed by the step number), and
/// an epoch's from its source's `epochGenerator`: then N steps straight and N/2 + resume + N/2
/// give the same bits.
public final class Trainer {
    public let length: TrainingLength
    /// When the evaluation runs (and always after the last step).
    public let evaluationInterval: TrainingInterval
    /// What a checkpoint saves: models, optimizers, generators, carried tensors.
    public let state: TrainingCheckpoint
    /// The caller's own metadata (configuration, recipe), saved with every checkpoint.
    public var metadata: [String: String]
    public let callbacks: [TrainingCallback]
    /// Data-parallel training across processes, or nil for this process alone.
    public let dataParallel: DataParallel?

    public private(set) var history = TrainingHistory()
    public private(set) var progress = TrainingProgress()
    /// The source's batches per epoch while a run is under way (nil for an endless source).
    public private(set) var batchesPerEpoch: Int?
    /// The output of the step just taken, and the evaluation made at it, if any.
    public private(set) var lastStep: StepOutput?
    public private(set) var lastEvaluation: Evaluation?
    /// Whether the step just taken ended an epoch.
    public private(set) var stepEndedEpoch = false
    /// The last completed epoch's means of the step figures, as the history names them ("mean loss").
    public private(set) var lastEpochMeans: [(name: String, value: Double)] = []
    /// The step this session started after (0 for a fresh run).
    public private(set) var resumedAtStep = 0

    /// Metadata keys of the progress record, the history and each stateful callback's state.
    public static let progressKey = "myelin.progress"
    public static let historyKey = "myelin.history"
    public static let callbackKeyPrefix = "myelin.callback."
    /// Stateful callbacks' tensors are run tensors under this prefix (`run.callback.NAME.…`).
    static let callbackTensorPrefix = "callback."

    private var stopRequested: String?
    private var sessionStart = Date()
    private var secondsBefore = 0.0

    /// A run of `length`, checkpointing `state`, evaluating at `evaluationInterval` (by default
    /// after every epoch for a length in epochs, and only at the end for one in steps).
    public init(
        _ length: TrainingLength, state: TrainingCheckpoint, evaluateEvery evaluationInterval: TrainingInterval? = nil,
        metadata: [String: String] = [:], callbacks: [TrainingCallback] = [], dataParallel: DataParallel? = nil
    ) {
        switch length {
        case .epochs(let n), .steps(let n): precondition(n > 0, "Trainer: the length must be at least 1, got \(length)")
        }
        if let evaluationInterval {
            precondition(evaluationInterval.count > 0, "Trainer: an interval must be at least 1, got \(evaluationInterval)")
        }
        let names = callbacks.compactMap { ($0 as? StatefulCallback)?.stateName }
        precondition(Set(names).count == names.count, "Trainer: two stateful callbacks share a name: \(names)")
        self.length = length
        self.state = state
        self.evaluationInterval =
            evaluationInterval
            ?? {
                if case .steps(let n) = length { return .steps(n) }
                return .epoch
            }()
        self.metadata = metadata
        self.callbacks = callbacks
        self.dataParallel = dataParallel
    }

    // MARK: Running

    /// Trains `task` until the length is reached or a callback stops it; returns the history.
    @discardableResult
    public func run<Task: TrainingTask>(_ task: Task) throws -> TrainingHistory {
        precondition(
            task.state.modules.map { ObjectIdentifier($0.module) } == state.modules.map { ObjectIdentifier($0.module) },
            "Trainer.run: the task's models are not the ones this trainer checkpoints (make it with state: task.state)")
        return try run(over: task.batches, step: { try task.step($0, context: $1) }, evaluate: task.evaluate)
    }

    /// Trains with `step` on the batches of `source`, evaluating with `evaluate` at the evaluation
    /// interval; returns the history. A length in epochs needs a source with epochs.
    @discardableResult
    public func run<Source: BatchSource>(
        over source: Source, step: (Source.Batch, StepContext) throws -> StepOutput,
        evaluate: (() throws -> Evaluation)? = nil
    ) throws -> TrainingHistory {
        if case .epochs = length {
            precondition(
                source.batchesPerEpoch != nil, "Trainer.run: a length of \(length) needs batches with epochs, not an endless source")
        }
        if let n = source.batchesPerEpoch {
            precondition(n > 0, "Trainer.run: the source has no batches")
            if let saved = progress.batchesPerEpoch, saved != n {
                throw TrainingError.dataChanged(savedBatches: saved, batches: n)
            }
            progress.batchesPerEpoch = n
        }
        batchesPerEpoch = source.batchesPerEpoch
        stopRequested = nil
        sessionStart = Date()
        secondsBefore = progress.seconds
        // Every rank starts from rank 0's model, fresh or resumed.
        dataParallel?.broadcastState()
        try callbacks.forEach { try $0.trainingWillStart(self) }
        while !isComplete && stopRequested == nil {
            var batches = try beginEpoch(of: source)
            repeat {
                guard let batch = batches.next() else {
                    preconditionFailure(
                        "Trainer.run: the source ran out of batches after \(progress.stepInEpoch) of its \(batchesPerEpoch.map(String.init) ?? "endless") per epoch"
                    )
                }
                try takeStep { context in try step(batch, context) }
                try finishStep(evaluate: evaluate)
            } while !stepEndedEpoch && !isComplete && stopRequested == nil
        }
        progress.seconds = secondsElapsed
        try callbacks.forEach { try $0.trainingDidEnd(self) }
        return history
    }

    /// Trains with `step` alone, for a task that draws its own data every step (a length in steps).
    @discardableResult
    public func run(step: (StepContext) throws -> StepOutput, evaluate: (() throws -> Evaluation)? = nil) throws -> TrainingHistory {
        try run(over: EndlessBatches { () }, step: { _, context in try step(context) }, evaluate: evaluate)
    }

    /// Asks the run to stop after the step under way (its checkpoint and report still written).
    public func stop(_ reason: String) {
        if stopRequested == nil { stopRequested = reason }
        progress.stopReason = progress.stopReason ?? reason
    }

    /// Whether the run has reached its length.
    public var isComplete: Bool {
        switch length {
        case .epochs(let n): return progress.epoch >= n
        case .steps(let n): return progress.step >= n
        }
    }

    /// Whether the step just taken is the last of this session (the length is reached or a stop was asked for).
    public var isLastStep: Bool { isComplete || stopRequested != nil }

    /// Whether something done at `interval` is due after the step just taken; it always is after the last step.
    public func isDue(_ interval: TrainingInterval) -> Bool {
        guard progress.step > 0 else { return false }
        if isLastStep { return true }
        switch interval {
        case .steps(let n): return progress.step % n == 0
        case .epochs(let n): return stepEndedEpoch && progress.epoch % n == 0
        }
    }

    /// Where the run stands, in words: "epoch 3" (at an epoch's end, for a length in epochs), "step 5
    /// of epoch 4", or "step 500".
    public var position: String {
        guard case .epochs = length else { return "step \(progress.step)" }
        return progress.stepInEpoch == 0 ? "epoch \(progress.epoch)" : "step \(progress.stepInEpoch) of epoch \(progress.epoch + 1)"
    }

    /// Prints a line without breaking a progress bar drawn on the terminal.
    public func log(_ message: String) {
        ProgressBar.printLine(message)
    }

    /// Seconds spent training, every session of the run together.
    public var secondsElapsed: Double { secondsBefore + Date().timeIntervalSince(sessionStart) }

    /// The means of the epoch under way's step figures so far, per example.
    public var epochMeans: [(name: String, value: Double)] { progress.epochSums.means }

    // MARK: The loop's parts

    /// The next epoch's batches; a session resumed mid-epoch draws the epoch's order again from
    /// the generator's state at the epoch's start, then puts the generator back.
    private func beginEpoch<Source: BatchSource>(of source: Source) throws -> Source.EpochIterator {
        let generator = source.epochGenerator
        let batches: Source.EpochIterator
        if progress.stepInEpoch == 0 || source.batchesPerEpoch == nil {
            progress.epochStartSnapshot = generator?.snapshot
            batches = source.makeEpochIterator(startingAt: 0)
        } else if let generator {
            guard let start = progress.epochStartSnapshot, start.count == RandomGenerator.snapshotCount else {
                throw TrainingError.missingEpochStart
            }
            let current = generator.snapshot
            generator.snapshot = start
            batches = source.makeEpochIterator(startingAt: progress.stepInEpoch)
            generator.snapshot = current
        } else {
            batches = source.makeEpochIterator(startingAt: progress.stepInEpoch)
        }
        if source.batchesPerEpoch != nil { try callbacks.forEach { try $0.epochWillStart(self) } }
        return batches
    }

    private func takeStep(_ step: (StepContext) throws -> StepOutput) throws {
        try callbacks.forEach { try $0.stepWillStart(self) }
        let context = StepContext(
            step: progress.step + 1, epoch: progress.epoch + 1, indexInEpoch: progress.stepInEpoch,
            trainer: self)
        var output = try Tensor.$backwardObserver.withValue(dataParallel) { try step(context) }
        if let dataParallel { output.values = dataParallel.averaged(output.values) }
        progress.step += 1
        progress.stepInEpoch += 1
        progress.epochSums.add(output)
        for figure in output.values { history.record(figure.name, Double(figure.value), atStep: progress.step) }
        lastStep = output
        lastEvaluation = nil
        stepEndedEpoch = batchesPerEpoch.map { progress.stepInEpoch == $0 } ?? false
        try callbacks.forEach { try $0.stepDidEnd(output, trainer: self) }
        if stepEndedEpoch {
            lastEpochMeans = progress.epochSums.means.map { ("mean \($0.name)", $0.value) }
            for (name, mean) in lastEpochMeans { history.record(name, mean, atStep: progress.step) }
            history.epochEnds.append(progress.step)
            progress.epoch += 1
            progress.stepInEpoch = 0
            progress.epochSums = EpochSums()
        }
    }

    /// After a step: the evaluation if due, the epoch's end, then the moment the state is settled.
    private func finishStep(evaluate: (() throws -> Evaluation)?) throws {
        if let evaluate, isDue(evaluationInterval) {
            dataParallel?.broadcastBuffers()
            let evaluation = try DataParallel.$evaluationGroup.withValue(dataParallel?.group ?? .single) { try evaluate() }
            for (name, value) in evaluation.values { history.record(name, value, atStep: progress.step) }
            if let matrix = evaluation.confusionMatrix { history.confusionMatrix = matrix }
            lastEvaluation = evaluation
            try callbacks.forEach { try $0.evaluationDidEnd(evaluation, trainer: self) }
        }
        if stepEndedEpoch { try callbacks.forEach { try $0.epochDidEnd(self) } }
        progress.seconds = secondsElapsed
        try callbacks.forEach { try $0.stateDidSettle(self) }
    }

    func beforeUpdate(_ losses: [StepOutput.Figure]) throws {
        // Every rank decides alike (a NaN on one stops all): they see the losses' means.
        let losses = dataParallel?.averaged(losses) ?? losses
        try callbacks.forEach { try $0.beforeUpdate(losses, trainer: self) }
    }

    // MARK: Checkpoints

    /// Writes the whole run to `url` atomically: `state`, the progress record, the history, the
    /// stateful callbacks' state and `metadata`.
    public func save(to url: URL) throws {
        var header = metadata
        var saved = progress
        saved.seconds = secondsElapsed
        header[Self.progressKey] = try CheckpointMetadata.json(saved)
        header[Self.historyKey] = try CheckpointMetadata.json(history)
        for callback in statefulCallbacks {
            header[Self.callbackKeyPrefix + callback.stateName] = try callback.encodeState()
        }
        try stateWithCallbackTensors.save(to: url, metadata: header)
    }

    /// Restores the run saved at `url` — state, progress, history and callbacks — so that `run`
    /// goes on from the step after it. Everything is checked before anything changes. The
    /// optimizers take their saved learning rates unless `keepingLearningRate` (a new rate given on
    /// resume). Throws when the run already reached this trainer's length, or was stopped early.
    public func resume(from url: URL, keepingLearningRate: Bool = false) throws {
        try resume(from: SafeTensors.read(contentsOf: url), path: url.path, keepingLearningRate: keepingLearningRate)
    }

    /// `resume(from:keepingLearningRate:)` for a file already read from `path`.
    public func resume(from file: SafeTensorsFile, path: String, keepingLearningRate: Bool = false) throws {
        let saved = try CheckpointMetadata.value(
            TrainingProgress.self, key: Self.progressKey, in: file.metadata, path: path,
            what: "training progress")
        guard saved.isConsistent else {
            throw CheckpointError(path: path, message: "its training progress (metadata \(Self.progressKey)) does not describe a run")
        }
        let savedHistory = try CheckpointMetadata.value(
            TrainingHistory.self, key: Self.historyKey, in: file.metadata, path: path,
            what: "training history")
        if let reason = saved.stopReason { throw TrainingError.stoppedEarly(path: path, step: saved.step, reason: reason) }
        switch length {
        case .epochs(let n) where saved.epoch >= n:
            throw TrainingError.alreadyComplete(path: path, done: .epochs(saved.epoch))
        case .steps(let n) where saved.step >= n:
            throw TrainingError.alreadyComplete(path: path, done: .steps(saved.step))
        default: break
        }
        var applyCallbackStates: [() -> Void] = []
        for callback in statefulCallbacks {
            let key = Self.callbackKeyPrefix + callback.stateName
            guard let json = file.metadata[key] else {
                throw CheckpointError(
                    path: path,
                    message: "it has no state for the callback \(callback.stateName) (metadata \(key)): it was saved by a run without it")
            }
            applyCallbackStates.append(try callback.decodeState(json, path: path))
        }
        try stateWithCallbackTensors.restore(from: file, path: path, keepingLearningRate: keepingLearningRate)
        applyCallbackStates.forEach { $0() }
        progress = saved
        history = savedHistory
        resumedAtStep = saved.step
    }

    private var statefulCallbacks: [StatefulCallback] { callbacks.compactMap { $0 as? StatefulCallback } }

    /// `state` with the stateful callbacks' tensors among the run tensors.
    private var stateWithCallbackTensors: TrainingCheckpoint {
        var checkpoint = state
        for callback in statefulCallbacks {
            checkpoint.tensors += callback.stateTensors(of: self).map {
                ("\(Self.callbackTensorPrefix)\(callback.stateName).\($0.name)", $0.tensor)
            }
        }
        return checkpoint
    }
}

/// Why a run cannot go on.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The saved run already reached the length asked for.
    case alreadyComplete(path: String, done: TrainingLength)
    /// The saved run was stopped by a callback.
    case stoppedEarly(path: String, step: Int, reason: String)
    /// The data has another number of batches per epoch than the saved run's.
    case dataChanged(savedBatches: Int, batches: Int)
    /// A run resumed mid-epoch has no record of the generator its epoch's order came from.
    case missingEpochStart

    public var description: String {
        switch self {
        case .alreadyComplete(let path, let done):
            return "\(path) already trained for \(done); give a longer length to go on"
        case .stoppedEarly(let path, let step, let reason):
            return "\(path) was stopped early at step \(step) (\(reason)); there is nothing to resume: start a new run"
        case .dataChanged(let saved, let batches):
            return "the saved run had \(saved) batches per epoch, this data gives \(batches): resume with the same data and batch size"
        case .missingEpochStart:
            return "the checkpoint stopped in the middle of an epoch but has no record of where that epoch's order came from"
        }
    }
}
