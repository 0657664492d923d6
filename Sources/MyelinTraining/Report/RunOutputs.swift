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

/// Everything a run leaves in its folder besides checkpoints: the curves, the pictures, texts and
/// report.html, which shows them all with the settings and results.
public struct RunOutputs {
    public var title: String
    public var summary: String
    public var settings: [(String, String)]
    public var metrics: [(String, String)]
    public var plots: [RunPlot]
    public var pictures: [RunPicture]
    public var texts: [(caption: String, text: String)]

    public init(
        title: String, summary: String, settings: [(String, String)] = [], metrics: [(String, String)] = [],
        plots: [RunPlot] = [], pictures: [RunPicture] = [], texts: [(caption: String, text: String)] = []
    ) {
        self.title = title
        self.summary = summary
        self.settings = settings
        self.metrics = metrics
        self.plots = plots
        self.pictures = pictures
        self.texts = texts
    }

    /// Writes every curve (SVG and PNG), every picture (PNG) and report.html into `folder`;
    /// returns the paths with what each shows, for the run's closing message.
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
        return written
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
