import Foundation
import MyelinVision
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// report.html must be one self-contained page: parsed as XML it has the curves as inline SVG,
/// the pictures as PNG data URIs that decode to the same pixels, the settings and results as
/// table rows, the text escaped, and nothing that loads or runs anything.
@Suite struct TrainingReportTests {
    /// What an XML parse of the page found.
    final class PageReader: NSObject, XMLParserDelegate {
        var elements: [String: Int] = [:]
        var imageSources: [String] = []
        var externalReferences: [String] = []
        var cells: [String] = []
        var preformatted: [String] = []
        private var text = ""

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            elements[name, default: 0] += 1
            text = ""
            if name == "img", let source = attributes["src"] { imageSources.append(source) }
            for key in ["href", "src"] where attributes[key].map({ !$0.hasPrefix("data:") }) == true {
                externalReferences.append("\(name) \(key)=\(attributes[key]!)")
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "td" || name == "th" { cells.append(text) }
            if name == "pre" { preformatted.append(text) }
        }
    }

    func read(_ html: String) throws -> PageReader {
        // XML has no DOCTYPE html declaration to check; the rest must parse as it is.
        let body = html.replacingOccurrences(of: "<!DOCTYPE html>\n", with: "")
        let parser = XMLParser(data: Data(body.utf8))
        let reader = PageReader()
        parser.delegate = reader
        let parsed = parser.parse()
        #expect(parsed, "report.html is not well-formed: \(parser.parserError.map { "\($0)" } ?? "?")")
        return reader
    }

    @Test func pageHoldsEverythingInline() throws {
        var digits = Image(width: 28, height: 14, channels: 1, fill: 0)
        for x in 0..<28 { digits[x: x, y: x / 2, channel: 0] = 255 }
        let loss = LinePlot(
            title: "Loss", xLabel: "step", yLabel: "loss",
            series: [
                LinePlot.Series(name: "per step", values: [2.3, 1.1, 0.7, 0.5])
            ])
        let accuracy = LinePlot(title: "Accuracy", series: [LinePlot.Series(name: "test", values: [0.91, 0.95])])
        let report = TrainingReport(
            title: "myelin train <gan> & co", summary: "A GAN on MNIST.",
            settings: [("optimizer", "Adam lr 2e-4"), ("batch", "64")],
            metrics: [("D loss", "0.61"), ("G loss", "1.32")],
            plots: [(loss, 800, 420), (accuracy, 500, 500)], figures: [.init("samples after epoch 1", digits, pixelScale: 4)],
            texts: [(caption: "A sample", text: "ROMEO:\n<what> & \"why\"\tnow\u{1}")])
        let html = report.html()
        let page = try read(html)

        #expect(page.elements["svg"] == 2 && page.elements["polyline"] == 2)
        #expect(page.elements["script"] == nil && page.elements["link"] == nil && page.elements["iframe"] == nil)
        #expect(page.externalReferences.isEmpty, "\(page.externalReferences)")
        #expect(page.cells == ["D loss", "0.61", "G loss", "1.32", "optimizer", "Adam lr 2e-4", "batch", "64"])
        #expect(page.preformatted == ["ROMEO:\n<what> & \"why\"\tnow "])  // lines kept, a control character blanked
        #expect(html.contains("<title>myelin train &lt;gan&gt; &amp; co</title>"))

        try #require(page.imageSources.count == 1)
        let prefix = "data:image/png;base64,"
        #expect(page.imageSources[0].hasPrefix(prefix))
        let png = try #require(Data(base64Encoded: String(page.imageSources[0].dropFirst(prefix.count))))
        #expect(try Image(pngData: png) == digits)
        #expect(html.contains("width=\"112\" height=\"56\""))
    }

    @Test func writesTheFileAtomically() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID()).html")
        defer { try? FileManager.default.removeItem(at: url) }
        try TrainingReport(title: "Empty run").write(to: url)
        let page = try read(try String(contentsOf: url, encoding: .utf8))
        #expect(page.elements["h1"] == 1 && page.elements["h2"] == nil)
        let missing = URL(fileURLWithPath: "/nonexistent-folder/report.html")
        #expect(throws: VisionError.self) { try TrainingReport(title: "x").write(to: missing) }
    }
}
