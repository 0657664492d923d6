import Foundation

/// Shows a run's progress: for a length in epochs a bar per epoch, ending in the epoch's mean
/// figures and its evaluation; for a length in steps one bar for the run, with each evaluation on a
/// line of its own. The bar shows the step figures (their mean over the epoch so far, or for a
/// length in steps a moving average) and the speed. Plain lines every tenth of the way when the
/// output is not a terminal.
///
/// `epoch 2/3 [████████████░░░░░░░░░░░░] 235/469 loss 0.1012 61.2k samples/s 3s left`
public final class ProgressLogger: TrainingCallback {
    /// What the speed counts: examples (named: "samples", "images", "chars") or steps.
    public enum Speed: Equatable {
        case samples(String)
        case steps
    }

    public let label: String?
    public let speed: Speed
    /// The step figures shown on the bar while it runs (nil: all); an epoch's last line shows every mean.
    public let shown: [String]?
    /// For a length in steps: each figure shown is an exponential moving average with this weight on the newest step.
    public let averagingWeight: Double

    private var bar: ProgressBar?
    private var averages: [String: Double] = [:]
    private var counted = 0.0
    private var started = Date()

    /// `label` names the bar: a run measured in steps shows it (default "training"), one in epochs
    /// puts it before "epoch 2/3" (to tell two runs apart); `shown` picks the step figures to show.
    public init(label: String? = nil, speed: Speed = .samples("samples"), shown: [String]? = nil, averagingWeight: Double = 0.02) {
        precondition(
            averagingWeight > 0 && averagingWeight <= 1, "ProgressLogger: averagingWeight must be in (0, 1], got \(averagingWeight)")
        self.label = label
        self.speed = speed
        self.shown = shown
        self.averagingWeight = averagingWeight
    }

    public func trainingWillStart(_ trainer: Trainer) throws {
        guard case .steps(let total) = trainer.length else { return }
        bar = ProgressBar(total: total, label: label ?? "training", startingAt: trainer.progress.step)
        startMeasuring()
    }

    public func epochWillStart(_ trainer: Trainer) throws {
        guard case .epochs(let total) = trainer.length, let batches = trainer.batchesPerEpoch else { return }
        bar = ProgressBar(
            total: batches, label: (label.map { "\($0) " } ?? "") + "epoch \(trainer.progress.epoch + 1)/\(total)",
            startingAt: trainer.progress.stepInEpoch)
        startMeasuring()
    }

    public func stepDidEnd(_ output: StepOutput, trainer: Trainer) throws {
        counted += speed == .steps ? 1 : Double(output.samples)
        let figures: [(name: String, value: Double)]
        switch trainer.length {
        case .epochs:
            figures = trainer.epochMeans
        case .steps:
            for figure in output.values {
                let value = Double(figure.value)
                averages[figure.name] = averages[figure.name].map { $0 + averagingWeight * (value - $0) } ?? value
            }
            figures = output.values.map { ($0.name, averages[$0.name]!) }
        }
        var fields = describe(figures.filter { shown?.contains($0.name) ?? true })
        if case .steps = trainer.length, trainer.batchesPerEpoch != nil {
            fields = "epoch \(trainer.progress.epoch + 1)  " + fields
        }
        let rate = counted / max(Date().timeIntervalSince(started), 1e-9)
        var unit = "steps"
        if case .samples(let name) = speed { unit = name }
        fields += "  " + (rate >= 10_000 ? String(format: "%.1fk", rate / 1000) : String(format: "%.0f", rate)) + " \(unit)/s"
        var done = trainer.progress.step
        if case .epochs = trainer.length { done = trainer.progress.stepInEpoch }
        bar?.update(done, fields)
    }

    public func evaluationDidEnd(_ evaluation: Evaluation, trainer: Trainer) throws {
        // For a length in epochs, an evaluation at an epoch's end goes on the epoch's last line.
        if case .epochs = trainer.length, trainer.stepEndedEpoch { return }
        if !evaluation.values.isEmpty { trainer.log("step \(trainer.progress.step): " + describe(evaluation.values)) }
    }

    public func epochDidEnd(_ trainer: Trainer) throws {
        guard case .epochs = trainer.length else { return }
        bar?.finish(describe(trainer.lastEpochMeans + (trainer.lastEvaluation?.values ?? [])))
        bar = nil
    }

    public func trainingDidEnd(_ trainer: Trainer) throws {
        guard case .steps = trainer.length, let last = trainer.lastStep else { return }
        let figures = last.values.filter { shown?.contains($0.name) ?? true }
        bar?.finish(describe(figures.map { ($0.name, averages[$0.name] ?? Double($0.value)) }))
        bar = nil
    }

    private func startMeasuring() {
        counted = 0
        started = Date()
    }

    private func describe(_ figures: [(name: String, value: Double)]) -> String {
        figures.map { "\($0.name) \(String(format: "%.4f", $0.value))" }.joined(separator: "  ")
    }
}
