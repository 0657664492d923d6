import MyelinOptim

/// Drives a `LearningRateSchedule` from the run's progress: before each epoch (or each step) it
/// sets the optimizer's rate to the schedule's rate after the epochs (steps) done. The rate is a
/// function of the progress alone, so a resumed run gets the same rates.
///
/// ```swift
/// LearningRateScheduler(StepLR(optimizer, stepSize: 10, gamma: 0.5))
/// LearningRateScheduler(LinearWarmup(optimizer, periods: 200, then: CosineAnnealingLR(optimizer, period: 1800)), per: .step)
/// ```
public final class LearningRateScheduler: TrainingCallback {
    public enum Period: Sendable { case epoch, step }

    public let schedule: LearningRateSchedule
    public let period: Period

    public init(_ schedule: LearningRateSchedule, per period: Period = .epoch) {
        self.schedule = schedule
        self.period = period
    }

    public func epochWillStart(_ trainer: Trainer) throws {
        if period == .epoch { apply(after: trainer.progress.epoch) }
    }

    public func stepWillStart(_ trainer: Trainer) throws {
        if period == .step { apply(after: trainer.progress.step) }
    }

    private func apply(after periods: Int) {
        schedule.epoch = periods
        schedule.optimizer.learningRate = schedule.learningRate(after: periods)
    }
}
