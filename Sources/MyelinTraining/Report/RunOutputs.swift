import Foundation
import MyelinVision

/// A curve a run draws: written as NAME.svg and NAME.png, and shown in report.html.
public struct RunPlot {
    public var name: String
    public var plot: LinePlot
    public var width: Int
    public var height: Int

    public init(name: String, plot: LinePlot, width: Int = 800, height: Int = 500) {
        self.name = name
        self.plot = plot
        self.width = width
        self.height = height
    }
}

/// A picture a run draws: written as NAME.png (NAME may hold a folder: "samples/epoch-003") and
/// shown in report.html with its caption.
public struct RunPicture {
    public var name: String
    public var caption: String
    public var image: Image
    /// How much larger report.html shows it (small digits read better enlarged).
    public var pageScale: Int

    public init(name: String, caption: String, image: Image, pageScale: Int = 1) {
        self.name = name
        self.caption = caption
        self.image = image
        self.pageScale = pageScale
    }
}

/// Everything a run leaves in its folder besides checkpoints: the curves, the pictures, texts,
/// report.html, which shows them all with the settings and results, and results.json, the same
/// figures for scripts.
public struct RunOutputs {
    public var title: String
    public var summary: String
    public var settings: [(String, String)]
    public var metrics: [(String, String)]
    public var plots: [RunPlot]
    public var pictures: [RunPicture]
    public var texts: [(caption: String, text: String)]
    /// The run's history: results.json gives each series' last value (`ReportWriter` fills it in).
    public var history: TrainingHistory?

    public init(
        title: String, summary: String, settings: [(String, String)] = [], metrics: [(String, String)] = [],
        plots: [RunPlot] = [], pictures: [RunPicture] = [], texts: [(caption: String, text: String)] = [],
        history: TrainingHistory? = nil
    ) {
        self.title = title
        self.summary = summary
        self.settings = settings
        self.metrics = metrics
        self.plots = plots
        self.pictures = pictures
        self.texts = texts
        self.history = history
    }

    /// Writes every curve (SVG and PNG), every picture (PNG), report.html and results.json into
    /// `folder`; returns the paths with what each shows, for the run's closing message.
    public func write(to folder: URL) throws -> [String] {
        var written: [String] = []
        for item in plots {
            let svg = folder.appendingPathComponent("\(item.name).svg"), png = folder.appendingPathComponent("\(item.name).png")
            try item.plot.writeSVG(to: svg, width: item.width, height: item.height)
            try item.plot.writePNG(to: png, width: item.width, height: item.height)
            written += [svg.path, png.path]
        }
        for picture in pictures {
            let url = folder.appendingPathComponent("\(picture.name).png")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try picture.image.writePNG(to: url)
            written.append("\(url.path) — \(picture.caption)")
        }
        let report = folder.appendingPathComponent("report.html")
        try TrainingReport(
            title: title, summary: summary, settings: settings, metrics: metrics,
            plots: plots.map { ($0.plot, $0.width, $0.height) },
            figures: pictures.map { .init($0.caption, $0.image, pixelScale: $0.pageScale) },
            texts: texts
        ).write(to: report)
        written.append("\(report.path) — all of it on one page: open it in a browser")
        let results = folder.appendingPathComponent("results.json")
        try writeFileAtomically(try resultsJSON(), to: results)
        written.append("\(results.path) — the settings and figures, for scripts")
        return written
    }

    /// results.json: `{"title", "settings": {name: text}, "metrics": {name: number, or text where
    /// the figure is not a number}, "last": {series: its last value}, "steps", "epochs"}`, keys
    /// sorted, numbers written so that they read back exactly.
    public func resultsJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(RunResults(self))
    }
}

/// What results.json holds (see `RunOutputs.resultsJSON`).
private struct RunResults: Encodable {
    /// A figure as a number where its text is one, else as the text ("1.66 nats (2.40 bits)").
    enum Figure: Encodable {
        case number(Double), text(String)

        init(_ text: String) {
            if let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite {
                self = .number(value)
            } else {
                self = .text(text)
            }
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .number(let value): try container.encode(value)
            case .text(let text): try container.encode(text)
            }
        }
    }

    var title: String
    var settings: [String: String]
    var metrics: [String: Figure]
    var last: [String: Double]?
    var steps: Int?
    var epochs: Int?

    init(_ outputs: RunOutputs) {
        title = outputs.title
        settings = Dictionary(outputs.settings, uniquingKeysWith: { $1 })
        metrics = Dictionary(outputs.metrics.map { ($0.0, Figure($0.1)) }, uniquingKeysWith: { $1 })
        guard let history = outputs.history else { return }
        // JSON has no NaN or infinity: a series whose last value is not finite is left out.
        last = Dictionary(
            history.names.compactMap { name in history.last(name).flatMap { $0.isFinite ? (name, $0) : nil } }, uniquingKeysWith: { $1 })
        steps = history.names.compactMap { history.series($0)?.steps.last }.max() ?? 0
        epochs = history.epochEnds.count
    }
}

extension TrainingHistory {
    /// The usual curves of a run, against the step: every loss (each step's, the epochs' means, the
    /// evaluations'), and every accuracy, each kind on one plot.
    public func standardPlots() -> [RunPlot] {
        func plot(_ name: String, title: String, yLabel: String, matching: (String) -> Bool) -> RunPlot? {
            let chosen = names.filter(matching)
            guard !chosen.isEmpty else { return nil }
            return RunPlot(
                name: name,
                plot: LinePlot(
                    title: title, xLabel: "step", yLabel: yLabel,
                    series: chosen.map { series in
                        LinePlot.Series(name: series, points: points(series).map { (x: Double($0.step), y: $0.value) })
                    }))
        }
        return [
            plot("loss", title: "Loss", yLabel: "loss") { $0.hasSuffix("loss") },
            plot("accuracy", title: "Accuracy", yLabel: "accuracy") { $0.hasSuffix("accuracy") },
        ].compactMap { $0 }
    }
}
