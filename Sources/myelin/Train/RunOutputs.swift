import Foundation
import Myelin

/// A curve a run draws: written as NAME.svg and NAME.png, and shown in report.html.
struct RunPlot {
    var name: String
    var plot: LinePlot
    var width = 800
    var height = 500
}

/// A picture a run draws: written as NAME.png and shown in report.html with its caption.
struct RunPicture {
    var name: String
    var caption: String
    var image: Image
    /// How much larger report.html shows it (small digits read better enlarged).
    var pageScale = 1
}

/// Everything a `myelin train` run leaves in its folder besides checkpoints: the curves, the
/// pictures and report.html, which shows them all with the settings and results.
struct RunOutputs {
    var title: String
    var summary: String
    var settings: [(String, String)] = []
    var metrics: [(String, String)] = []
    var plots: [RunPlot] = []
    var pictures: [RunPicture] = []
    var texts: [(caption: String, text: String)] = []

    /// Writes every curve (SVG and PNG), every picture (PNG) and report.html into `folder`;
    /// returns the paths with what each shows, for the run's closing message.
    func write(to folder: URL) throws -> [String] {
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
        try TrainingReport(title: title, summary: summary, settings: settings, metrics: metrics,
                           plots: plots.map { ($0.plot, $0.width, $0.height) },
                           figures: pictures.map { .init($0.caption, $0.image, pixelScale: $0.pageScale) },
                           texts: texts).write(to: report)
        written.append("\(report.path) — all of it on one page: open it in a browser")
        return written
    }
}
