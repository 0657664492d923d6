import Foundation
import MyelinTensor

/// Writes a row of figures per log point to a CSV or JSON-lines file beside the checkpoint, for
/// spreadsheets and scripts: `step`, `epoch`, then every figure the history holds at that step
/// (the step's own, the epoch's means, the evaluation's).
///
/// Rows come from the history, so the file always matches the run: a resumed run rewrites it from
/// its checkpoint's history first, dropping any rows written after that checkpoint.
public final class MetricsLogger: StatefulCallback {
    public enum Format: Sendable { case csv, jsonLines }

    public let url: URL
    public let format: Format
    /// When a row is written (nil: after every evaluation and every epoch's end).
    public let interval: TrainingInterval?
    /// The steps logged so far.
    public private(set) var loggedSteps: [Int] = []
    private var columns: [String] = []

    /// A log at `url`, CSV unless the name ends in `.jsonl`.
    public init(_ url: URL, format: Format? = nil, every interval: TrainingInterval? = nil) {
        if let interval { precondition(interval.count > 0, "MetricsLogger: the interval must be at least 1, got \(interval)") }
        self.url = url
        self.format = format ?? (url.pathExtension == "jsonl" ? .jsonLines : .csv)
        self.interval = interval
    }

    public func trainingWillStart(_ trainer: Trainer) throws {
        try rewrite(trainer.history)
    }

    public func stateDidSettle(_ trainer: Trainer) throws {
        let due = interval.map { trainer.isDue($0) } ?? (trainer.lastEvaluation != nil || trainer.stepEndedEpoch)
        guard due else { return }
        loggedSteps.append(trainer.progress.step)
        let history = trainer.history
        if format == .csv && columns(of: history, at: [trainer.progress.step]).contains(where: { !columns.contains($0) }) {
            try rewrite(history)  // a figure appeared: the header grows
        } else {
            try append(row(at: trainer.progress.step, of: history))
        }
    }

    // MARK: Rows

    private func columns(of history: TrainingHistory, at steps: [Int]) -> [String] {
        history.names.filter { name in steps.contains { history.value(name, atStep: $0) != nil } }
    }

    /// The epoch (from 1) that `step` belongs to.
    private func epoch(of step: Int, _ history: TrainingHistory) -> Int {
        history.epochEnds.filter { $0 < step }.count + 1
    }

    private func row(at step: Int, of history: TrainingHistory) -> String {
        switch format {
        case .csv:
            let values = columns.map { history.value($0, atStep: step).map { "\($0)" } ?? "" }
            return (["\(step)", "\(epoch(of: step, history))"] + values).joined(separator: ",")
        case .jsonLines:
            let fields =
                [("step", "\(step)"), ("epoch", "\(epoch(of: step, history))")]
                + history.names.compactMap { name in history.value(name, atStep: step).map { (name, jsonNumber($0)) } }
            return "{" + fields.map { "\(jsonString($0.0)):\($0.1)" }.joined(separator: ",") + "}"
        }
    }

    private func rewrite(_ history: TrainingHistory) throws {
        columns = columns(of: history, at: loggedSteps)
        var lines = format == .csv ? [(["step", "epoch"] + columns).map(csvField).joined(separator: ",")] : []
        lines += loggedSteps.map { row(at: $0, of: history) }
        try writeFileAtomically(Data(lines.map { $0 + "\n" }.joined().utf8), to: url)
    }

    private func append(_ line: String) throws {
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((line + "\n").utf8))
    }

    private func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    private func jsonString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// JSON has no NaN or infinity: those become null.
    private func jsonNumber(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }

    // MARK: StatefulCallback

    public var stateName: String { "metrics_log" }

    public func encodeState() throws -> String { try CheckpointMetadata.json(loggedSteps) }

    public func decodeState(_ json: String, path: String) throws -> () -> Void {
        let steps = try decodeCallbackState([Int].self, from: json, callback: stateName, path: path)
        guard zip(steps, steps.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw CheckpointError(path: path, message: "its state of the callback \(stateName) does not describe a run")
        }
        return { [self] in loggedSteps = steps }
    }
}
