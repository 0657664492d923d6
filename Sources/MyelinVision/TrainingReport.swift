import Foundation

/// A training run on one page: `report.html`, a single self-contained file a person opens in any
/// browser — the settings, the final metrics, the curves as inline SVG, pictures (samples, filters,
/// reconstructions) as PNG data URIs and generated text. No scripts, no external files, so it can
/// be mailed or archived as it is.
///
/// The page is well-formed XHTML as well as HTML, so an XML parser can check it.
public struct TrainingReport: Sendable {
    /// A picture with its caption; `pixelScale` enlarges small pictures (28×28 digits) on the page.
    public struct Figure: Sendable {
        public var caption: String
        public var image: Image
        public var pixelScale: Int

        public init(_ caption: String, _ image: Image, pixelScale: Int = 1) {
            self.caption = caption
            self.image = image
            self.pixelScale = max(1, pixelScale)
        }
    }

    public var title: String
    /// One or two sentences under the title: what was trained on what.
    public var summary: String
    /// The run's settings (model, optimiser, learning rate, batch size, …), in the order given.
    public var settings: [(String, String)]
    /// The final results (test accuracy, validation loss, ROC AUC, …), in the order given.
    public var metrics: [(String, String)]
    /// Curves with the size to draw each at (most 800×420; ROC curves square).
    public var plots: [(plot: LinePlot, width: Int, height: Int)]
    public var figures: [Figure]
    /// Generated text, each with a caption.
    public var texts: [(caption: String, text: String)]

    public init(
        title: String, summary: String = "", settings: [(String, String)] = [], metrics: [(String, String)] = [],
        plots: [(plot: LinePlot, width: Int, height: Int)] = [], figures: [Figure] = [], texts: [(caption: String, text: String)] = []
    ) {
        self.title = title
        self.summary = summary
        self.settings = settings
        self.metrics = metrics
        self.plots = plots
        self.figures = figures
        self.texts = texts
    }

    /// The page.
    public func html(generated date: Date = Date()) -> String {
        var page = """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <title>\(xmlEscaped(title))</title>
            <style>
            body { font-family: Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
            h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
            .stamp { color: #777; font-size: 0.9em; }
            table { border-collapse: collapse; } td, th { padding: 0.25em 1em 0.25em 0; text-align: left; vertical-align: top; }
            th { color: #555; font-weight: normal; }
            .metrics td { font-size: 1.3em; font-weight: bold; }
            figure { display: inline-block; margin: 0 1.5em 1.5em 0; vertical-align: top; }
            figcaption { color: #555; margin-top: 0.4em; max-width: 800px; }
            img { image-rendering: pixelated; border: 1px solid #ddd; }
            pre { background: #f6f6f6; padding: 1em; white-space: pre-wrap; }
            </style>
            </head>
            <body>
            <h1>\(xmlEscaped(title))</h1>
            <p class="stamp">Written by Myelin on \(ISO8601DateFormatter().string(from: date)).</p>

            """
        if !summary.isEmpty { page += "<p>\(xmlEscaped(summary))</p>\n" }
        if !metrics.isEmpty { page += "<h2>Results</h2>\n" + Self.table(metrics, className: "metrics") }
        if !settings.isEmpty { page += "<h2>Settings</h2>\n" + Self.table(settings, className: "settings") }
        if !plots.isEmpty {
            page += "<h2>Curves</h2>\n"
            for (plot, width, height) in plots {
                // The SVG goes in as it is, less its XML declaration (HTML allows none mid-document).
                let svg = plot.svg(width: width, height: height).split(separator: "\n", omittingEmptySubsequences: false)
                    .drop { $0.hasPrefix("<?xml") }.joined(separator: "\n")
                page += "<figure class=\"plot\">\n\(svg)</figure>\n"
            }
        }
        if !figures.isEmpty {
            page += "<h2>Pictures</h2>\n"
            for figure in figures {
                let png = figure.image.pngData().base64EncodedString()
                page += """
                    <figure><img src="data:image/png;base64,\(png)" width="\(figure.image.width * figure.pixelScale)" \
                    height="\(figure.image.height * figure.pixelScale)" alt="\(xmlEscaped(figure.caption))"/>\
                    <figcaption>\(xmlEscaped(figure.caption))</figcaption></figure>

                    """
            }
        }
        for (caption, text) in texts {
            page += "<h2>\(xmlEscaped(caption))</h2>\n<pre>\(xmlEscaped(text))</pre>\n"
        }
        return page + "</body>\n</html>\n"
    }

    /// Writes the page to `url` atomically; errors name the file.
    public func write(to url: URL) throws {
        try writeAtomically(Data(html().utf8), to: url)
    }

    private static func table(_ rows: [(String, String)], className: String) -> String {
        "<table class=\"\(className)\">\n"
            + rows.map { "<tr><th>\(xmlEscaped($0.0))</th><td>\(xmlEscaped($0.1))</td></tr>\n" }.joined()
            + "</table>\n"
    }
}
