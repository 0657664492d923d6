import Foundation

/// Changes an optimizer's learning rate as training goes on: the rate is a function of how many
/// periods (epochs, or steps for a warm-up) have passed. Call `step()` after each period, or let
/// the Trainer's `LearningRateScheduler` set the rate, which also makes a resumed run exact.
public protocol LearningRateSchedule: AnyObject {
    var optimizer: Optimizer { get }
    /// The rate the schedule starts from: the optimizer's when the schedule was made.
    var initialRate: Float { get }
    /// Periods stepped so far.
    var epoch: Int { get set }
    /// The rate after `periods` periods.
    func learningRate(after periods: Int) -> Float
}

extension LearningRateSchedule {
    /// Moves to the next period and sets the optimizer's learning rate.
    public func step() {
        epoch += 1
        optimizer.learningRate = learningRate(after: epoch)
    }
}

/// Multiplies the learning rate by `gamma` every `stepSize` epochs (PyTorch's StepLR).
public final class StepLR: LearningRateSchedule {
    public let optimizer: Optimizer
    public let stepSize: Int, gamma: Float
    public let initialRate: Float
    public var epoch = 0

    public init(_ optimizer: Optimizer, stepSize: Int, gamma: Float = 0.1) {
        precondition(stepSize > 0, "StepLR: stepSize must be positive, got \(stepSize)")
        self.optimizer = optimizer
        self.stepSize = stepSize
        self.gamma = gamma
        initialRate = optimizer.learningRate
    }

    public func learningRate(after periods: Int) -> Float {
        initialRate * Float(Foundation.pow(Double(gamma), Double(periods / stepSize)))
    }
}

/// Cosine annealing from the initial rate down to `minimum` over `period` epochs
/// (PyTorch's CosineAnnealingLR): lr = min + ½(lr₀ − min)(1 + cos(π·t / period)).
public final class CosineAnnealingLR: LearningRateSchedule {
    public let optimizer: Optimizer
    public let period: Int, minimum: Float
    public let initialRate: Float
    public var epoch = 0

    public init(_ optimizer: Optimizer, period: Int, minimum: Float = 0) {
        precondition(period > 0, "CosineAnnealingLR: period must be positive, got \(period)")
        self.optimizer = optimizer
        self.period = period
        self.minimum = minimum
        initialRate = optimizer.learningRate
    }

    public func learningRate(after periods: Int) -> Float {
        let phase = Double.pi * Double(periods) / Double(period)
        return minimum + (initialRate - minimum) * Float(0.5 * (1 + Foundation.cos(phase)))
    }
}

/// A linear warm-up: the rate grows from `startFactor`·lr₀ to lr₀ over `periods` periods (PyTorch's
/// LinearLR up to 1), then follows `then` (counted from the warm-up's end), or stays at lr₀.
/// Usually stepped per training step: `LearningRateScheduler(LinearWarmup(optimizer, periods: 200), per: .step)`.
public final class LinearWarmup: LearningRateSchedule {
    public let optimizer: Optimizer
    public let periods: Int, startFactor: Float
    public let after: LearningRateSchedule?
    public let initialRate: Float
    public var epoch = 0

    public init(_ optimizer: Optimizer, periods: Int, startFactor: Float = 0, then after: LearningRateSchedule? = nil) {
        precondition(periods > 0, "LinearWarmup: periods must be positive, got \(periods)")
        precondition(startFactor >= 0 && startFactor <= 1, "LinearWarmup: startFactor must be in [0, 1], got \(startFactor)")
        precondition(after.map { $0.optimizer === optimizer } ?? true, "LinearWarmup: the schedule after it must drive the same optimizer")
        self.optimizer = optimizer
        self.periods = periods
        self.startFactor = startFactor
        self.after = after
        initialRate = optimizer.learningRate
    }

    public func learningRate(after elapsed: Int) -> Float {
        guard elapsed >= periods else {
            return initialRate * (startFactor + (1 - startFactor) * Float(elapsed) / Float(periods))
        }
        return after?.learningRate(after: elapsed - periods) ?? initialRate
    }
}
