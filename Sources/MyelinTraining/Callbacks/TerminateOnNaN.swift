/// Stops a run whose loss stops being a number, with the step where it happened: through
/// `beforeUpdate`, before that step changes any weight; and after each step for figures the step
/// reported only at its end. The checkpoint on disk stays the last good one.
public final class TerminateOnNaN: TrainingCallback {
    /// What the error suggests trying.
    public let advice: String

    public init(advice: String = "Try a smaller learning rate.") {
        self.advice = advice
    }

    public func beforeUpdate(_ losses: [StepOutput.Figure], trainer: Trainer) throws {
        if let bad = losses.first(where: { !$0.value.isFinite }) {
            throw DivergedError(step: trainer.progress.step + 1, name: bad.name, value: bad.value, beforeUpdate: true, advice: advice)
        }
    }

    public func stepDidEnd(_ output: StepOutput, trainer: Trainer) throws {
        if let bad = output.values.first(where: { !$0.value.isFinite }) {
            throw DivergedError(step: trainer.progress.step, name: bad.name, value: bad.value, beforeUpdate: false, advice: advice)
        }
    }
}

/// Thrown when a figure of a step stops being a number: training diverged.
public struct DivergedError: Error, Equatable, CustomStringConvertible {
    public let step: Int
    /// The figure, "loss" or "D loss", and its value (NaN or ±infinity).
    public let name: String
    public let value: Float
    /// Whether the run stopped before the step's update (the weights are the previous step's).
    public let beforeUpdate: Bool
    public let advice: String

    public init(step: Int, name: String, value: Float, beforeUpdate: Bool, advice: String) {
        self.step = step
        self.name = name
        self.value = value
        self.beforeUpdate = beforeUpdate
        self.advice = advice
    }

    /// Equal when they tell the same story: one NaN is as good as another.
    public static func == (a: DivergedError, b: DivergedError) -> Bool {
        a.step == b.step && a.name == b.name && (a.value == b.value || a.value.isNaN && b.value.isNaN)
            && a.beforeUpdate == b.beforeUpdate && a.advice == b.advice
    }

    public var description: String {
        "the \(name) became \(value) at step \(step)\(beforeUpdate ? ", before the weights changed" : ""): training diverged. \(advice)"
    }
}
