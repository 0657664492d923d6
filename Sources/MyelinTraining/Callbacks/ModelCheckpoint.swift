import Foundation
import MyelinTensor

/// Saves the whole run — models, optimizers, generators, progress, history, callbacks' state — to
/// one safetensors file at an interval and after the last step, so that `Trainer.resume` goes on
/// exactly. Each save replaces the file atomically: a crash leaves the previous one whole.
public final class ModelCheckpoint: TrainingCallback {
    public let url: URL
    public let interval: TrainingInterval
    /// The step of the last save of this session, if any.
    public private(set) var savedStep: Int?

    public init(_ url: URL, every interval: TrainingInterval = .epoch) {
        precondition(interval.count > 0, "ModelCheckpoint: the interval must be at least 1, got \(interval)")
        self.url = url
        self.interval = interval
    }

    public func trainingWillStart(_ trainer: Trainer) throws {
        // What a run killed mid-write left beside the file.
        _ = removeAbandonedTemporaryFiles(for: url)
    }

    public func stateDidSettle(_ trainer: Trainer) throws {
        guard trainer.isDue(interval) else { return }
        try trainer.save(to: url)
        savedStep = trainer.progress.step
    }
}
