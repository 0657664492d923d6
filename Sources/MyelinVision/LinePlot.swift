import Foundation

/// Training curves: named series of (x, y) points drawn as lines, rendered to SVG or to a PNG image.
///
/// Non-finite points (and, with `logY`, points with y ≤ 0) are skipped: the line joins their
/// neighbours. A series of one point is drawn as a dot; an empty plot still draws its axes.
public struct LinePlot: Sendable {
    /// One named curve.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// Dots at the points, not joined: a scatter of samples rather than a curve.
        public var markers: Bool
        /// A label written beside each point (a word on a map of word vectors); empty for none.
        public var labels: [String]

        public init(name: String, points: [(x: Double, y: Double)], markers: Bool = false, labels: [String] = []) {
            precondition(
                labels.isEmpty || labels.count == points.count,
                "LinePlot.Series: \(labels.count) labels for \(points.count) points")
            self.name = name
            self.points = points
            self.markers = markers
            self.labels = labels
        }

        /// The curve through `values` at x = `first`, `first + 1`, ... (epochs or steps).
        public init<T: BinaryFloatingPoint>(name: String, values: [T], startingAt first: Double = 1) {
            self.init(name: name, points: values.enumerated().map { (first + Double($0.offset), Double($0.element)) })
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    /// Plot y on a log10 scale (for losses that fall over decades).
    public var logY: Bool
    public var series: [Series]

    public init(title: String = "", xLabel: String = "", yLabel: String = "", logY: Bool = false, series: [Series] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logY = logY
        self.series = series
    }

    /// Adds the point (x, y) to the series called `name`, creating it at the end if there is none.
    public mutating func append(x: Double, y: Double, to name: String) {
        if let i = series.firstIndex(where: { $0.name == name }) {
            series[i].points.append((x, y))
        } else {
            series.append(Series(name: name, points: [(x, y)]))
        }
    }

    /// The colour of series `index`: ten distinct hues (the Tableau 10 palette), then repeated.
    public static func color(ofSeries index: Int) -> RGB {
        palette[index % palette.count]
    }

    private static let palette: [RGB] = [
        RGB(31, 119, 180), RGB(255, 127, 14), RGB(44, 160, 44), RGB(214, 39, 40), RGB(148, 103, 189),
        RGB(140, 86, 75), RGB(227, 119, 194), RGB(127, 127, 127), RGB(188, 189, 34), RGB(23, 190, 207),
    ]

    /// Whether this plot can draw the point: finite, and above 0 on a log scale.
    func isDrawable(_ point: (x: Double, y: Double)) -> Bool {
        point.x.isFinite && point.y.isFinite && (!logY || point.y > 0)
    }

    /// The points of `series` this plot can draw.
    func drawablePoints(of series: Series) -> [(x: Double, y: Double)] {
        series.points.filter(isDrawable)
    }

    // MARK: SVG

    /// The plot as a standalone SVG document (no scripts): axes, nice ticks, gridlines, legend, one `<polyline>` per non-empty series.
    public func svg(width: Int = 800, height: Int = 500) -> String {
        precondition(width >= 64 && height >= 64, "LinePlot.svg(width:height:): \(width)x\(height) is below 64x64")
        let fontSize = 12.0, titleSize = 16.0
        let metrics = TextMetrics(
            charWidth: fontSize * 0.6, charHeight: fontSize * 0.75,
            titleCharWidth: titleSize * 0.6, titleCharHeight: titleSize * 0.75, lineWidth: 2)
        let layout = PlotLayout(self, width: Double(width), height: Double(height), metrics: metrics)
        let f = layout.frame
        var s = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
            font-family="Helvetica, Arial, sans-serif" font-size="\(svgNumber(fontSize))">

            """
        s += "<rect width=\"\(width)\" height=\"\(height)\" fill=\"white\"/>\n"
        s += "<g class=\"grid\" stroke=\"#e6e6e6\" stroke-width=\"1\">\n"
        for x in layout.xTickPixels {
            s += "<line x1=\"\(svgNumber(x))\" y1=\"\(svgNumber(f.y))\" x2=\"\(svgNumber(x))\" y2=\"\(svgNumber(f.maxY))\"/>\n"
        }
        for y in layout.yTickPixels {
            s += "<line x1=\"\(svgNumber(f.x))\" y1=\"\(svgNumber(y))\" x2=\"\(svgNumber(f.maxX))\" y2=\"\(svgNumber(y))\"/>\n"
        }
        s += "</g>\n<g class=\"ticks\" stroke=\"#4d4d4d\" stroke-width=\"1\">\n"
        for x in layout.xTickPixels {
            s +=
                "<line x1=\"\(svgNumber(x))\" y1=\"\(svgNumber(f.maxY))\" x2=\"\(svgNumber(x))\" y2=\"\(svgNumber(f.maxY + layout.tickLength))\"/>\n"
        }
        for y in layout.yTickPixels {
            s +=
                "<line x1=\"\(svgNumber(f.x - layout.tickLength))\" y1=\"\(svgNumber(y))\" x2=\"\(svgNumber(f.x))\" y2=\"\(svgNumber(y))\"/>\n"
        }
        s += "</g>\n"
        s +=
            "<rect class=\"frame\" x=\"\(svgNumber(f.x))\" y=\"\(svgNumber(f.y))\" width=\"\(svgNumber(f.width))\" height=\"\(svgNumber(f.height))\" fill=\"none\" stroke=\"#4d4d4d\"/>\n"
        for text in layout.texts { s += svgText(text, metrics: metrics, titleSize: titleSize) }

        for (i, curve) in layout.curves.enumerated() where !curve.isEmpty && series[i].markers {
            let color = LinePlot.color(ofSeries: i).hex
            s += "<g class=\"series\" data-series=\"\(xmlEscaped(series[i].name))\" fill=\"\(color)\">\n"
            for point in curve { s += "<circle cx=\"\(svgNumber(point.x))\" cy=\"\(svgNumber(point.y))\" r=\"3.5\"/>\n" }
            s += "</g>\n"
        }
        for (i, curve) in layout.curves.enumerated() where !curve.isEmpty && !series[i].markers {
            let color = LinePlot.color(ofSeries: i).hex
            let points = curve.map { "\(svgNumber($0.x)),\(svgNumber($0.y))" }.joined(separator: " ")
            s += "<polyline class=\"series\" data-series=\"\(xmlEscaped(series[i].name))\" fill=\"none\" stroke=\"\(color)\" "
            s +=
                "stroke-width=\"\(svgNumber(metrics.lineWidth))\" stroke-linejoin=\"round\" stroke-linecap=\"round\" points=\"\(points)\"/>\n"
            if curve.count == 1 {
                s += "<circle cx=\"\(svgNumber(curve[0].x))\" cy=\"\(svgNumber(curve[0].y))\" r=\"3\" fill=\"\(color)\"/>\n"
            }
        }

        if let legend = layout.legend {
            let b = legend.box
            s += "<g class=\"legend\">\n"
            s += "<rect x=\"\(svgNumber(b.x))\" y=\"\(svgNumber(b.y))\" width=\"\(svgNumber(b.width))\" height=\"\(svgNumber(b.height))\" "
            s += "fill=\"white\" fill-opacity=\"0.9\" stroke=\"#b3b3b3\"/>\n"
            for (i, entry) in legend.entries.enumerated() {
                s +=
                    "<line x1=\"\(svgNumber(entry.from.x))\" y1=\"\(svgNumber(entry.from.y))\" x2=\"\(svgNumber(entry.to.x))\" y2=\"\(svgNumber(entry.to.y))\" "
                s += "stroke=\"\(LinePlot.color(ofSeries: i).hex)\" stroke-width=\"\(svgNumber(metrics.lineWidth))\"/>\n"
                s += svgText(entry.label, metrics: metrics, titleSize: titleSize)
            }
            s += "</g>\n"
        }
        s += "</svg>\n"
        return s
    }

    /// Writes `svg(width:height:)` to `url` (temporary file + rename); errors name the path.
    public func writeSVG(to url: URL, width: Int = 800, height: Int = 500) throws {
        try writeAtomically(Data(svg(width: width, height: height).utf8), to: url)
    }

    private func svgText(_ t: PlotText, metrics m: TextMetrics, titleSize: Double) -> String {
        let anchor = t.anchor == .start ? "start" : t.anchor == .middle ? "middle" : "end"
        let size = t.isTitle ? " font-size=\"\(svgNumber(titleSize))\" font-weight=\"bold\"" : ""
        let body = xmlEscaped(t.text)
        if t.vertical {
            // Rotate about the baseline point: after a −90° turn the baseline is the right edge of the box.
            let bx = t.x + m.charHeight, by = t.y
            return
                "<text x=\"\(svgNumber(bx))\" y=\"\(svgNumber(by))\" text-anchor=\"\(anchor)\" transform=\"rotate(-90 \(svgNumber(bx)) \(svgNumber(by)))\"\(size)>\(body)</text>\n"
        }
        let baseline = t.y + (t.isTitle ? m.titleCharHeight : m.charHeight)
        return "<text x=\"\(svgNumber(t.x))\" y=\"\(svgNumber(baseline))\" text-anchor=\"\(anchor)\"\(size)>\(body)</text>\n"
    }

    // MARK: PNG

    /// The plot drawn into an RGB image by MyelinVision's own rasteriser (anti-aliased lines, 5×7 bitmap text).
    ///
    /// Text and lines grow with the picture: the font scale is `max(1, min(width / 400, height / 250))`.
    public func image(width: Int = 800, height: Int = 500) -> Image {
        precondition(width >= 64 && height >= 64, "LinePlot.image(width:height:): \(width)x\(height) is below 64x64")
        let scale = max(1, min(width / 400, height / 250))
        let titleScale = scale + 1
        let metrics = TextMetrics(
            charWidth: Double(BitmapFont.advance * scale), charHeight: Double(BitmapFont.glyphHeight * scale),
            titleCharWidth: Double(BitmapFont.advance * titleScale),
            titleCharHeight: Double(BitmapFont.glyphHeight * titleScale),
            lineWidth: 1.5 * Double(scale))
        let layout = PlotLayout(self, width: Double(width), height: Double(height), metrics: metrics)
        var canvas = Canvas(width: width, height: height, background: .white)
        // Whole pixels for the frame, so axes and gridlines are crisp rather than blurred over two rows.
        let f = layout.frame
        let frame = PixelRect(
            x: Int(f.x.rounded()), y: Int(f.y.rounded()),
            width: Int(f.width.rounded()) + 1, height: Int(f.height.rounded()) + 1)
        let grid = RGB(230, 230, 230), ink = RGB(77, 77, 77), text = RGB(26, 26, 26)
        let tick = Int(layout.tickLength.rounded())
        for x in layout.xTickPixels.map({ Int($0.rounded()) }) {
            canvas.fill(PixelRect(x: x, y: frame.y, width: 1, height: frame.height), grid)
            canvas.fill(PixelRect(x: x, y: frame.maxY, width: 1, height: tick), ink)
        }
        for y in layout.yTickPixels.map({ Int($0.rounded()) }) {
            canvas.fill(PixelRect(x: frame.x, y: y, width: frame.width, height: 1), grid)
            canvas.fill(PixelRect(x: frame.x - tick, y: y, width: tick, height: 1), ink)
        }
        canvas.stroke(frame, ink)
        for t in layout.texts { draw(t, on: &canvas, scale: t.isTitle ? titleScale : scale, color: text) }

        for (i, curve) in layout.curves.enumerated() where !curve.isEmpty {
            let color = LinePlot.color(ofSeries: i)
            if series[i].markers {
                for point in curve { canvas.fillCircle(center: point, radius: 3 * Double(scale), color, clip: canvas.bounds) }
            } else if curve.count == 1 {
                canvas.fillCircle(center: curve[0], radius: 2.5 * Double(scale), color, clip: canvas.bounds)
            } else {
                canvas.strokePolyline(curve, color, lineWidth: metrics.lineWidth, clip: canvas.bounds)
            }
        }

        if let legend = layout.legend {
            let b = legend.box
            let box = PixelRect(
                x: Int(b.x.rounded()), y: Int(b.y.rounded()), width: Int(b.width.rounded()), height: Int(b.height.rounded()))
            canvas.fill(box, .white, alpha: 0.9)
            canvas.stroke(box, RGB(179, 179, 179))
            for (i, entry) in legend.entries.enumerated() {
                canvas.strokePolyline(
                    [entry.from, entry.to], LinePlot.color(ofSeries: i), lineWidth: metrics.lineWidth, clip: canvas.bounds)
                draw(entry.label, on: &canvas, scale: scale, color: text)
            }
        }
        return canvas.image
    }

    /// Writes `image(width:height:)` as a PNG file at `url` (temporary file + rename); errors name the path.
    public func writePNG(to url: URL, width: Int = 800, height: Int = 500) throws {
        try image(width: width, height: height).writePNG(to: url)
    }

    private func draw(_ t: PlotText, on canvas: inout Canvas, scale: Int, color: RGB) {
        let length = BitmapFont.width(of: t.text, scale: scale)
        if t.vertical {
            canvas.drawTextVertical(t.text, x: Int(t.x.rounded()), y: Int((t.y - Double(length) / 2).rounded()), scale: scale, color)
            return
        }
        let left: Double
        switch t.anchor {
        case .start: left = t.x
        case .middle: left = t.x - Double(length) / 2
        case .end: left = t.x - Double(length)
        }
        canvas.drawText(t.text, x: Int(left.rounded()), y: Int(t.y.rounded()), scale: scale, color)
    }
}

/// A coordinate with at most two decimals and no exponent.
func svgNumber(_ v: Double) -> String {
    let r = (v * 100).rounded() / 100
    if r == r.rounded() && abs(r) < 1e15 { return String(Int(r)) }
    return String(format: "%.2f", r)
}

/// `text` safe inside XML character data and attribute values.
func xmlEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        // XML 1.0 forbids the control characters but tab, line feed and carriage return, even as references.
        case "\n", "\t", "\r", "\r\n": out.append(c)
        case _ where c.unicodeScalars.contains { $0.value < 0x20 }: out += " "
        default: out.append(c)
        }
    }
    return out
}
