import Foundation
import MyelinTraining

/// The bits of every module tensor, optimizer tensor, counter and rate, generator word (the
/// global generator's aside: tests run in parallel) and run tensor of `state` (integer tensors' values as they are).
public func stateBits(_ state: TrainingCheckpoint) -> [String: [UInt64]] {
    func bits(_ tensor: Tensor) -> [UInt64] {
        tensor.dtype.isFloatingPoint ? tensor.scalars.map { UInt64($0.bitPattern) } : tensor.integers.map { UInt64(bitPattern: Int64($0)) }
    }
    var result: [String: [UInt64]] = [:]
    for (prefix, module) in state.modules {
        for (name, tensor) in module.stateDict { result["\(prefix)/\(name)"] = bits(tensor) }
    }
    for (name, optimizer) in state.optimizers {
        for (key, tensor) in optimizer.state { result["optimizer \(name)/\(key)"] = bits(tensor) }
        for (key, value) in optimizer.counters { result["optimizer \(name)/\(key)"] = [UInt64(value)] }
        result["optimizer \(name)/learning rate"] = [UInt64(optimizer.learningRate.bitPattern)]
    }
    for (name, generator) in state.generators where generator !== RandomGenerator.global {
        result["generator \(name)"] = generator.snapshot
    }
    for (name, tensor) in state.tensors { result["run \(name)"] = bits(tensor) }
    return result
}

/// What `checkResume` found: the state after the straight run, after the interrupted and resumed
/// one, and after a control that trains the remaining steps with no restore; and how many steps
/// the resumed session took.
public struct ResumeCheck {
    public let straight: [String: [UInt64]]
    public let resumed: [String: [UInt64]]
    public let control: [String: [UInt64]]
    public let resumedSteps: Int
    public let remainingSteps: Int

    /// The names whose bits differ between the straight and the resumed run.
    public var differences: [String] {
        Set(straight.keys).union(resumed.keys).sorted().filter { straight[$0] != resumed[$0] }
    }
}

/// Trains a task made by `make` for `total` in one go, and for `first`, checkpointed, then a fresh
/// task resumed from the checkpoint and trained to `total` (the way a second process would).
public func checkResume<Task: TrainingTask>(
    total: TrainingLength, first: TrainingLength, evaluateEvery: TrainingInterval? = nil,
    metadata: [String: String] = [:], make: () -> Task
) throws -> ResumeCheck {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-resume-\(UUID()).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    let straight = make()
    let whole = Trainer(total, state: straight.state, evaluateEvery: evaluateEvery, metadata: metadata)
    try whole.run(straight)

    let interrupted = make()
    let part = Trainer(
        first, state: interrupted.state, evaluateEvery: evaluateEvery, metadata: metadata,
        callbacks: [ModelCheckpoint(url, every: .steps(Int.max))])
    try part.run(interrupted)

    let resumed = make()
    let counter = StepCounter()
    let rest = Trainer(total, state: resumed.state, evaluateEvery: evaluateEvery, metadata: metadata, callbacks: [counter])
    try rest.resume(from: url)
    try rest.run(resumed)

    let control = make()
    let remaining = whole.progress.step - part.progress.step
    try Trainer(.steps(remaining), state: control.state, evaluateEvery: evaluateEvery).run(control)
    return ResumeCheck(
        straight: stateBits(straight.state), resumed: stateBits(resumed.state), control: stateBits(control.state),
        resumedSteps: counter.steps, remainingSteps: remaining)
}

/// Counts the steps a session takes.
public final class StepCounter: TrainingCallback {
    public private(set) var steps = 0
    public init() {}
    public func stepDidEnd(_ output: StepOutput, trainer: Trainer) throws { steps += 1 }
}
