import MyelinTensor

/// Stops a run when a watched figure has not improved for `patience` evaluations in a row
/// (Keras's EarlyStopping): improved means below the best so far by more than `minDelta` (above,
/// for `.max`). With `restoreBestWeights`, the models get the weights of the best evaluation back
/// when the run ends; the checkpoint keeps them, so a resumed run still can.
///
/// ```swift
/// EarlyStopping(monitor: "validation loss", patience: 2)
/// ```
public final class EarlyStopping: StatefulCallback {
    public let monitor: String
    public let mode: MonitorMode
    public let patience: Int
    public let minDelta: Double
    public let restoreBestWeights: Bool

    /// The best value so far and the step it was measured at.
    public private(set) var best: Double?
    public private(set) var bestStep: Int?
    /// Evaluations since the last improvement.
    public private(set) var wait = 0
    /// Copies of the models' tensors at the best evaluation (with `restoreBestWeights`).
    private var bestWeights: [(name: String, target: Tensor, copy: Tensor)]?
    private let figure: MonitoredFigure

    public init(
        monitor: String = "validation loss", mode: MonitorMode = .min, patience: Int = 0, minDelta: Double = 0,
        restoreBestWeights: Bool = false
    ) {
        precondition(
            patience >= 0 && minDelta >= 0, "EarlyStopping: patience and minDelta must not be negative, got \(patience) and \(minDelta)")
        self.monitor = monitor
        self.mode = mode
        self.patience = patience
        self.minDelta = minDelta
        self.restoreBestWeights = restoreBestWeights
        figure = MonitoredFigure(name: monitor, owner: "EarlyStopping")
    }

    public func evaluationDidEnd(_ evaluation: Evaluation, trainer: Trainer) throws {
        let value = figure.require(evaluation, trainer: trainer)
        let improved = best.map { mode == .min ? value < $0 - minDelta : value > $0 + minDelta } ?? !value.isNaN
        if improved {
            best = value
            bestStep = trainer.progress.step
            wait = 0
            for (_, target, copy) in weights(of: trainer) { copy.assign(target) }
        } else {
            wait += 1
            if wait >= patience {
                trainer.stop(
                    "EarlyStopping: \(monitor) has not improved for \(wait) evaluation\(wait == 1 ? "" : "s")"
                        + (best.map { "; the best was \($0) at step \(bestStep!)" } ?? ""))
            }
        }
    }

    public func trainingDidEnd(_ trainer: Trainer) throws {
        guard restoreBestWeights, let bestStep, bestStep != trainer.progress.step else { return }
        for (_, target, copy) in weights(of: trainer) { target.assign(copy) }
        trainer.log("EarlyStopping: the models have the weights of step \(bestStep) back (\(monitor) \(best!))")
    }

    /// The models' tensors beside their copies, made when first needed (with `restoreBestWeights`).
    private func weights(of trainer: Trainer) -> [(name: String, target: Tensor, copy: Tensor)] {
        guard restoreBestWeights else { return [] }
        if let bestWeights { return bestWeights }
        let made = trainer.state.modules.flatMap { prefix, module in
            module.stateDict.map { name, tensor in
                (name: prefix.isEmpty ? name : "\(prefix).\(name)", target: tensor, copy: tensor.detached().contiguousCopy())
            }
        }
        bestWeights = made
        return made
    }

    // MARK: StatefulCallback

    public var stateName: String { "early_stopping" }

    public func stateTensors(of trainer: Trainer) -> [(name: String, tensor: Tensor)] {
        weights(of: trainer).map { ("best.\($0.name)", $0.copy) }
    }

    private struct State: Codable {
        var best: Double?
        var bestStep: Int?
        var wait: Int
    }

    public func encodeState() throws -> String {
        try CheckpointMetadata.json(State(best: best, bestStep: bestStep, wait: wait))
    }

    public func decodeState(_ json: String, path: String) throws -> () -> Void {
        let state = try decodeCallbackState(State.self, from: json, callback: stateName, path: path)
        guard state.wait >= 0, (state.best == nil) == (state.bestStep == nil) else {
            throw CheckpointError(path: path, message: "its state of the callback \(stateName) does not describe a run")
        }
        return { [self] in
            best = state.best
            bestStep = state.bestStep
            wait = state.wait
        }
    }
}
