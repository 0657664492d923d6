import MyelinOptim
import MyelinTensor

/// Lowers the learning rate when a watched figure stops improving (PyTorch's ReduceLROnPlateau):
/// after more than `patience` evaluations without improvement, every optimizer's rate is
/// multiplied by `factor` (never below `minimumLearningRate`), then `cooldown` evaluations pass
/// before it counts again. Improvement is relative by default: below best·(1 − threshold) for `.min`.
public final class ReduceLROnPlateau: StatefulCallback {
    public enum ThresholdMode: String, Codable, Sendable { case relative, absolute }

    public let monitor: String
    public let mode: MonitorMode
    public let factor: Float
    public let patience: Int
    public let threshold: Double
    public let thresholdMode: ThresholdMode
    public let cooldown: Int
    public let minimumLearningRate: Float
    /// The optimizers it lowers (nil: every optimizer of the trainer's state).
    let optimizers: [Optimizer]?

    public private(set) var best: Double
    public private(set) var badEvaluations = 0
    public private(set) var cooldownLeft = 0
    private let figure: MonitoredFigure

    public init(
        _ optimizers: [Optimizer]? = nil, monitor: String = "validation loss", mode: MonitorMode = .min,
        factor: Float = 0.1, patience: Int = 10, threshold: Double = 1e-4, thresholdMode: ThresholdMode = .relative,
        cooldown: Int = 0, minimumLearningRate: Float = 0
    ) {
        precondition(factor > 0 && factor < 1, "ReduceLROnPlateau: factor must be in (0, 1), got \(factor)")
        precondition(
            patience >= 0 && cooldown >= 0 && threshold >= 0 && minimumLearningRate >= 0,
            "ReduceLROnPlateau: patience, cooldown, threshold and minimumLearningRate must not be negative")
        self.optimizers = optimizers
        self.monitor = monitor
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.thresholdMode = thresholdMode
        self.cooldown = cooldown
        self.minimumLearningRate = minimumLearningRate
        best = mode == .min ? .infinity : -.infinity
        figure = MonitoredFigure(name: monitor, owner: "ReduceLROnPlateau")
    }

    public func evaluationDidEnd(_ evaluation: Evaluation, trainer: Trainer) throws {
        let value = figure.require(evaluation, trainer: trainer)
        if isBetter(value) {
            best = value
            badEvaluations = 0
        } else {
            badEvaluations += 1
        }
        if cooldownLeft > 0 {
            cooldownLeft -= 1
            badEvaluations = 0
        }
        guard badEvaluations > patience else { return }
        for optimizer in optimizers ?? trainer.state.optimizers.map(\.optimizer) {
            let old = optimizer.learningRate, new = max(old * factor, minimumLearningRate)
            // PyTorch's eps: changes smaller than this are not made.
            if old - new > 1e-8 {
                optimizer.learningRate = new
                trainer.log(
                    "ReduceLROnPlateau: \(monitor) has not improved for \(badEvaluations) evaluations; learning rate \(old) → \(new)")
            }
        }
        cooldownLeft = cooldown
        badEvaluations = 0
    }

    private func isBetter(_ value: Double) -> Bool {
        switch (mode, thresholdMode) {
        case (.min, .relative): return value < best * (1 - threshold)
        case (.min, .absolute): return value < best - threshold
        case (.max, .relative): return value > best * (1 + threshold)
        case (.max, .absolute): return value > best + threshold
        }
    }

    // MARK: StatefulCallback

    public var stateName: String { "reduce_lr_on_plateau" }

    private struct State: Codable {
        var best: Double
        var badEvaluations: Int
        var cooldownLeft: Int
    }

    public func encodeState() throws -> String {
        try CheckpointMetadata.json(State(best: best, badEvaluations: badEvaluations, cooldownLeft: cooldownLeft))
    }

    public func decodeState(_ json: String, path: String) throws -> () -> Void {
        let state = try decodeCallbackState(State.self, from: json, callback: stateName, path: path)
        guard state.badEvaluations >= 0, state.cooldownLeft >= 0 else {
            throw CheckpointError(path: path, message: "its state of the callback \(stateName) does not describe a run")
        }
        return { [self] in
            best = state.best
            badEvaluations = state.badEvaluations
            cooldownLeft = state.cooldownLeft
        }
    }
}
