import Foundation

/// Writes the run's curves, pictures, report.html and results.json into a folder when the run
/// ends (see `RunOutputs`). `outputs` makes what to show from the finished trainer; by default, the
/// history's standard curves and the last evaluation's figures.
///
/// ```swift
/// ReportWriter(to: folder) { trainer in
///     RunOutputs(title: "myelin train gan", summary: "…", plots: ganCurves(trainer.history), pictures: [grid])
/// }
/// ```
public final class ReportWriter: TrainingCallback {
    public let folder: URL
    private let outputs: (Trainer) throws -> RunOutputs
    /// The files written, with what each shows (empty until the run ends).
    public private(set) var written: [String] = []

    public init(to folder: URL, outputs: @escaping (Trainer) throws -> RunOutputs) {
        self.folder = folder
        self.outputs = outputs
    }

    /// A report titled `title` with the standard curves and the last evaluation's figures.
    public convenience init(to folder: URL, title: String, summary: String = "") {
        self.init(to: folder) { trainer in
            RunOutputs(
                title: title, summary: summary,
                metrics: (trainer.lastEvaluation?.values ?? []).map { ($0.name, String(format: "%.4f", $0.value)) },
                plots: trainer.history.standardPlots())
        }
    }

    public func trainingDidEnd(_ trainer: Trainer) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var outputs = try outputs(trainer)
        outputs.history = outputs.history ?? trainer.history
        written = try outputs.write(to: folder)
    }
}
