import Foundation

/// Changes an optimizer's learning rate as epochs pass. Call `step()` once per epoch, after
/// training it.
public protocol LearningRateSchedule: AnyObject {
    var optimizer: Optimizer { get }
    /// Epochs stepped so far.
    var epoch: Int { get }
    /// Moves to the next epoch and sets the optimizer's learning rate.
    func step()
}

/// Multiplies the learning rate by `gamma` every `stepSize` epochs (PyTorch's StepLR).
public final class StepLR: LearningRateSchedule {
    public let optimizer: Optimizer
    public let stepSize: Int, gamma: Float
    public private(set) var epoch = 0
    private let initialRate: Float

    public init(_ optimizer: Optimizer, stepSize: Int, gamma: Float = 0.1) {
        precondition(stepSize > 0, "StepLR: stepSize must be positive, got \(stepSize)")
        self.optimizer = optimizer
        self.stepSize = stepSize
        self.gamma = gamma
        initialRate = optimizer.learningRate
    }

    public func step() {
        epoch += 1
        optimizer.learningRate = initialRate * Float(Foundation.pow(Double(gamma), Double(epoch / stepSize)))
    }
}

/// Cosine annealing from the initial rate down to `minimum` over `period` epochs
/// (PyTorch's CosineAnnealingLR): lr = min + ½(lr₀ − min)(1 + cos(π·t / period)).
public final class CosineAnnealingLR: LearningRateSchedule {
    public let optimizer: Optimizer
    public let period: Int, minimum: Float
    public private(set) var epoch = 0
    private let initialRate: Float

    public init(_ optimizer: Optimizer, period: Int, minimum: Float = 0) {
        precondition(period > 0, "CosineAnnealingLR: period must be positive, got \(period)")
        self.optimizer = optimizer
        self.period = period
        self.minimum = minimum
        initialRate = optimizer.learningRate
    }

    public func step() {
        epoch += 1
        let phase = Double.pi * Double(epoch) / Double(period)
        optimizer.learningRate = minimum + (initialRate - minimum) * Float(0.5 * (1 + Foundation.cos(phase)))
    }
}
