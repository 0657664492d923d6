import Foundation
import MyelinVision
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Collects the elements of an SVG document: name, attributes and text.
final class SVGCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [String] = []
    private var currentText: String?

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
        qualifiedName: String?, attributes: [String: String] = [:]
    ) {
        elements.append((name, attributes))
        if name == "text" { currentText = "" }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { currentText? += string }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text", let text = currentText { texts.append(text); currentText = nil }
    }

    /// Parses `svg`, recording an issue if it is not well-formed XML.
    static func parse(_ svg: String) -> SVGCollector {
        let collector = SVGCollector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        let ok = parser.parse()
        #expect(ok, "SVG is not well-formed: \(String(describing: parser.parserError))")
        return collector
    }

    var polylines: [[String: String]] { elements.filter { $0.name == "polyline" }.map(\.attributes) }
}

func points(of polyline: [String: String]) -> [(x: Double, y: Double)] {
    (polyline["points"] ?? "").split(separator: " ").map { pair in
        let xy = pair.split(separator: ",").map { Double($0)! }
        return (xy[0], xy[1])
    }
}

@Suite struct LinePlotSVGTests {
    @Test func isStandaloneSVGWithOnePolylinePerSeries() {
        var plot = LinePlot(title: "Loss & accuracy <demo>", xLabel: "epoch", yLabel: "loss")
        plot.series.append(.init(name: "train", values: [2.0, 1.0, 0.5, 0.25, 0.2] as [Float]))
        plot.series.append(.init(name: "test", points: [(1, 2.2), (3, 0.9), (5, 0.4)]))
        let svg = plot.svg(width: 640, height: 400)
        let doc = SVGCollector.parse(svg)
        #expect(doc.elements.first?.name == "svg")
        #expect(doc.elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(doc.elements.first?.attributes["width"] == "640")
        #expect(doc.elements.first?.attributes["height"] == "400")
        #expect(!doc.elements.contains { $0.name == "script" })
        #expect(!svg.contains("javascript") && !svg.contains("onload"))

        let lines = doc.polylines
        #expect(lines.count == 2)
        #expect(lines.map { points(of: $0).count } == [5, 3])
        #expect(lines.map { $0["data-series"] } == ["train", "test"])
        #expect(lines[0]["stroke"] != lines[1]["stroke"])
        #expect(lines[0]["stroke"] == LinePlot.color(ofSeries: 0).hex)

        // x grows to the right and, the loss falling, y in pixels grows downward.
        let train = points(of: lines[0])
        #expect(zip(train, train.dropFirst()).allSatisfy { $0.x < $1.x && $0.y < $1.y })
        for p in train { #expect(p.x > 0 && p.x < 640 && p.y > 0 && p.y < 400) }

        #expect(doc.texts.contains("Loss & accuracy <demo>"))  // escaped in the file, exact after parsing
        #expect(doc.texts.contains("epoch") && doc.texts.contains("loss"))
        #expect(doc.texts.contains("train") && doc.texts.contains("test"))  // legend
        // Nice round tick labels: 1, 2, 3, 4, 5 on x; 0, 0.5, ..., 2.5 on y.
        for label in ["1", "2", "3", "4", "5", "0", "0.5", "1.0", "1.5", "2.0", "2.5"] {
            #expect(doc.texts.contains(label), "tick label \(label)")
        }
    }

    @Test func nonFinitePointsAreSkipped() {
        let plot = LinePlot(series: [.init(name: "loss", points: [(0, 1), (1, .nan), (2, .infinity), (3, 2), (.nan, 5), (4, 1.5)])])
        let lines = SVGCollector.parse(plot.svg()).polylines
        #expect(lines.count == 1)
        let drawn = points(of: lines[0])
        #expect(drawn.count == 3)
        #expect(drawn.allSatisfy { $0.x.isFinite && $0.y.isFinite })
    }

    @Test func logScaleDropsNonPositiveValuesAndTicksDecades() {
        let plot = LinePlot(logY: true, series: [.init(name: "loss", points: [(1, 0), (2, -1), (3, 0.05), (4, 2.3), (5, 0.3)])])
        let doc = SVGCollector.parse(plot.svg())
        #expect(points(of: doc.polylines[0]).count == 3)
        for label in ["0.01", "0.1", "1", "10"] { #expect(doc.texts.contains(label), "decade \(label)") }
        // Equal ratios are equal distances: 0.05 → 0.3 → 2.3 is not, but 0.1 → 1 and 1 → 10 would be.
        let y = points(of: doc.polylines[0]).map(\.y)
        let perDecade = (y[0] - y[1]) / log10(2.3 / 0.05)
        #expect(abs((y[0] - y[2]) - perDecade * log10(0.3 / 0.05)) < 0.05)
    }

    @Test func emptyAndSinglePointPlotsStillRender() {
        let empty = SVGCollector.parse(LinePlot(title: "nothing yet").svg())
        #expect(empty.polylines.isEmpty)
        #expect(empty.texts.contains("nothing yet"))
        #expect(empty.elements.contains { $0.attributes["class"] == "frame" })

        let emptySeries = SVGCollector.parse(LinePlot(series: [.init(name: "none", points: [])]).svg())
        #expect(emptySeries.polylines.isEmpty)
        #expect(emptySeries.texts.contains("none"))

        let single = SVGCollector.parse(LinePlot(series: [.init(name: "one", points: [(3, 0.7)])]).svg())
        #expect(points(of: single.polylines[0]).count == 1)
        #expect(single.elements.contains { $0.name == "circle" })
    }

    /// A title wider than the picture is broken between words into lines that each fit inside it
    /// (9.6 px a letter at the SVG's 16 px title font), one below the other above the frame.
    @Test func aLongTitleWrapsInsideThePicture() throws {
        let title = "Exact captions on the test canvases of one, two and three digits (greedy decoding)"
        let plot = LinePlot(title: title, series: [.init(name: "", values: [1.0, 2.0])])
        let doc = SVGCollector.parse(plot.svg(width: 400, height: 300))
        let lines = zip(doc.elements.filter { $0.name == "text" }, doc.texts).filter { $0.0.attributes["font-weight"] == "bold" }
        try #require(lines.count == 3, "\(lines.map(\.1))")
        #expect(lines.map(\.1).joined(separator: " ") == title)
        let frameTop = try #require(Double(doc.elements.first { $0.attributes["class"] == "frame" }?.attributes["y"] ?? ""))
        var previous = -Double.infinity
        for (element, text) in lines {
            let x = Double(element.attributes["x"]!)!, baseline = Double(element.attributes["y"]!)!
            let half = 9.6 * Double(text.count) / 2
            #expect(x - half >= 0 && x + half <= 400, "\(text) runs past the picture")
            #expect(baseline > previous && baseline < frameTop, "\(text) overlaps another line or the frame")
            previous = baseline
        }
        // A short title stays one line, centred over the frame.
        let short = SVGCollector.parse(LinePlot(title: "loss", series: [.init(name: "", values: [1.0, 2.0])]).svg(width: 400, height: 300))
        #expect(short.texts.filter { $0 == "loss" }.count == 1)
        // The PNG wraps the same way: no title ink in the outermost columns.
        let image = plot.image(width: 400, height: 300)
        let edge = (0..<40).flatMap { y in [image.pixel(x: 0, y: y), image.pixel(x: 399, y: y)] }
        #expect(edge.allSatisfy { $0 == [255, 255, 255] })
    }

    @Test func labelsSitBesideTheirPointsAndStayApartAndInside() throws {
        // Three points almost on one spot: their labels must find three places that do not overlap.
        let words = ["king", "queen", "prince", "apple", "pear"]
        let points: [(x: Double, y: Double)] = [(0.5, 0.5), (0.5005, 0.5), (0.5, 0.501), (0, 0), (1, 1)]
        let plot = LinePlot(series: [.init(name: "", points: points, markers: true, labels: words)])
        let doc = SVGCollector.parse(plot.svg(width: 600, height: 400))
        let texts = zip(doc.elements.filter { $0.name == "text" }, doc.texts).filter { words.contains($0.1) }
        try #require(texts.count == 5 && doc.elements.filter { $0.name == "circle" }.count == 5)
        // Each label's box: 7.2 px a letter (12 px font), 9 px above its baseline, placed by its anchor.
        let boxes = texts.map { element, text in
            let x = Double(element.attributes["x"]!)!, baseline = Double(element.attributes["y"]!)!, width = 7.2 * Double(text.count)
            let anchor = element.attributes["text-anchor"]!
            let left = anchor == "start" ? x : anchor == "end" ? x - width : x - width / 2
            return (left: left, right: left + width, top: baseline - 9, bottom: baseline)
        }
        for i in boxes.indices {
            for j in boxes.indices where j > i {
                let apart =
                    boxes[i].right <= boxes[j].left || boxes[j].right <= boxes[i].left || boxes[i].bottom <= boxes[j].top
                    || boxes[j].bottom <= boxes[i].top
                #expect(apart, "the labels \(texts[i].1) and \(texts[j].1) overlap")
            }
            // Every label fits in the picture: the x axis makes room right of the right-most point.
            #expect(boxes[i].left >= 0 && boxes[i].right <= 600, "\(texts[i].1) runs off the picture")
        }
        #expect(texts.first { $0.1 == "king" }?.0.attributes["text-anchor"] == "start")  // the first goes right of its dot
    }

    @Test func appendGrowsSeriesByName() {
        var plot = LinePlot()
        plot.append(x: 1, y: 0.9, to: "train")
        plot.append(x: 1, y: 1.0, to: "test")
        plot.append(x: 2, y: 0.5, to: "train")
        #expect(plot.series.map(\.name) == ["train", "test"])
        #expect(plot.series[0].points.map(\.y) == [0.9, 0.5])
        #expect(plot.series[1].points.map(\.x) == [1])
    }

    @Test func namesWithControlCharactersStillMakeValidXML() {
        let plot = LinePlot(title: "tab\tand\u{1}bell", series: [.init(name: "quote\"'", values: [1.0, 2.0])])
        let doc = SVGCollector.parse(plot.svg())
        #expect(doc.polylines[0]["data-series"] == "quote\"'")
    }
}

@Suite struct LinePlotPNGTests {
    /// Pixels of series 0's blue (blended with white anywhere from faint to full).
    func bluePixels(_ image: Image) -> [(x: Int, y: Int)] {
        var found: [(Int, Int)] = []
        for y in 0..<image.height {
            for x in 0..<image.width {
                let p = image.pixel(x: x, y: y)
                if Int(p[2]) - Int(p[0]) > 30 { found.append((x, y)) }
            }
        }
        return found
    }

    @Test func hasTheRequestedSizeAndAWhiteBackground() {
        let image = LinePlot(series: [.init(name: "", values: [1.0, 2.0, 3.0])]).image(width: 400, height: 300)
        #expect(image.width == 400 && image.height == 300 && image.channels == 3)
        #expect(image.pixel(x: 0, y: 0) == [255, 255, 255])
        #expect(image.pixel(x: 399, y: 299) == [255, 255, 255])
        // Axes and tick labels are drawn in dark ink.
        #expect(image.pixels.enumerated().filter { $0.offset % 3 == 0 && $0.element < 100 }.count > 200)
    }

    @Test func aFlatLineIsOneHorizontalBand() {
        let image = LinePlot(series: [.init(name: "", points: (0...10).map { (Double($0), 5.0) })]).image(width: 400, height: 300)
        let blue = bluePixels(image)
        let rows = Set(blue.map(\.y)), columns = blue.map(\.x)
        #expect(!blue.isEmpty)
        #expect(rows.count <= 3, "a 1.5-pixel line covers at most 3 rows, got \(rows.sorted())")
        #expect(columns.max()! - columns.min()! > 300)
        // A constant series sits in the middle of its widened range.
        #expect(abs(Double(rows.min()!) - 150) < 40)
    }

    /// A scatter: dots where the points are, nothing between them.
    @Test func markersAreDotsNotALine() {
        let plot = LinePlot(series: [.init(name: "samples", points: [(0, 0), (1, 1)], markers: true)])
        let blue = bluePixels(plot.image(width: 400, height: 300))
        let columns = Set(blue.map(\.x))
        #expect(!blue.isEmpty && !columns.contains { (150..<250).contains($0) }, "a dot at each end, nothing in the middle")
        let svg = plot.svg()
        #expect(svg.components(separatedBy: "<circle").count == 3 && !svg.contains("<polyline"))
    }

    @Test func aRisingLineGoesUpTheImage() {
        let image = LinePlot(series: [.init(name: "", points: [(0, 0), (1, 1)])]).image(width: 400, height: 300)
        let blue = bluePixels(image)
        let left = blue.filter { $0.x < 150 }.map(\.y), right = blue.filter { $0.x > 250 }.map(\.y)
        #expect(!left.isEmpty && !right.isEmpty)
        let meanLeft = Double(left.reduce(0, +)) / Double(left.count)
        let meanRight = Double(right.reduce(0, +)) / Double(right.count)
        #expect(meanLeft - meanRight > 80, "rows \(meanLeft) on the left, \(meanRight) on the right")
    }

    @Test func nanPointsAreSkippedInPictures() {
        let plot = LinePlot(series: [.init(name: "", points: [(0, 0), (1, .nan), (.infinity, 3), (2, 2)])])
        let blue = bluePixels(plot.image(width: 300, height: 200))
        #expect(blue.count > 50)
        let allNaN = LinePlot(series: [.init(name: "", points: [(.nan, .nan)])])
        #expect(bluePixels(allNaN.image(width: 300, height: 200)).isEmpty)
    }

    @Test func singlePointIsADotAndEmptySeriesDrawsNoCurve() {
        let dot = bluePixels(LinePlot(series: [.init(name: "", points: [(3, 0.7)])]).image(width: 400, height: 300))
        #expect(dot.count >= 9 && dot.count <= 100, "a dot of radius 2.5, got \(dot.count) pixels")
        #expect(bluePixels(LinePlot(series: [.init(name: "", points: [])]).image(width: 400, height: 300)).isEmpty)
        #expect(bluePixels(LinePlot().image(width: 200, height: 100)).isEmpty)
    }

    @Test func secondSeriesHasItsOwnColourAndLegendNeedsNames() {
        let two = LinePlot(series: [.init(name: "a", values: [1.0, 2.0]), .init(name: "b", values: [2.0, 1.0])])
        let image = two.image(width: 400, height: 300)
        var orange = 0
        for i in stride(from: 0, to: image.pixels.count, by: 3) where Int(image.pixels[i]) - Int(image.pixels[i + 2]) > 60 {
            orange += 1
        }
        #expect(orange > 100)
        // The legend's names add dark gray ink (not the curves' colours) that an unnamed plot lacks.
        func ink(_ image: Image) -> Int {
            stride(from: 0, to: image.pixels.count, by: 3).filter { i in
                let p = image.pixels
                return p[i] < 100 && abs(Int(p[i]) - Int(p[i + 1])) < 10 && abs(Int(p[i]) - Int(p[i + 2])) < 10
            }.count
        }
        let unnamed = LinePlot(series: [.init(name: "", values: [1.0, 2.0]), .init(name: "", values: [2.0, 1.0])])
        #expect(ink(image) > ink(unnamed.image(width: 400, height: 300)) + 20)
        let legendSVG = SVGCollector.parse(two.svg()), noLegendSVG = SVGCollector.parse(unnamed.svg())
        #expect(legendSVG.elements.contains { $0.attributes["class"] == "legend" })
        #expect(!noLegendSVG.elements.contains { $0.attributes["class"] == "legend" })
    }

    @Test func titleIsDrawnAboveTheFrame() {
        /// Dark pixels in the middle columns above the frame's top edge (the first row dark across 200 columns).
        func inkAboveFrame(_ plot: LinePlot) -> Int {
            let image = plot.image(width: 400, height: 300)
            let dark = { (x: Int, y: Int) in image[x: x, y: y, channel: 0] < 100 }
            let top = (0..<300).first { y in (0..<400).filter { dark($0, y) }.count > 200 }!
            return (0..<top).reduce(0) { count, y in count + (150..<250).filter { dark($0, y) }.count }
        }
        #expect(inkAboveFrame(LinePlot(title: "Hello, loss")) > 30)
        #expect(inkAboveFrame(LinePlot()) == 0)
    }

    @Test func writesBothFormats() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-plot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let plot = LinePlot(title: "t", series: [.init(name: "s", values: [3.0, 1.0, 2.0])])
        try plot.writePNG(to: folder.appendingPathComponent("plot.png"), width: 320, height: 200)
        try plot.writeSVG(to: folder.appendingPathComponent("plot.svg"), width: 320, height: 200)
        #expect(try Image(contentsOfPNG: folder.appendingPathComponent("plot.png")) == plot.image(width: 320, height: 200))
        #expect(try String(contentsOf: folder.appendingPathComponent("plot.svg"), encoding: .utf8) == plot.svg(width: 320, height: 200))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["plot.png", "plot.svg"])
    }
}
