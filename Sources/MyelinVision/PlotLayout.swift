/// Sizes of text as a renderer draws it, so one layout serves both SVG and the bitmap font.
struct TextMetrics {
    /// Advance per character of label text.
    var charWidth: Double
    /// Height of a line of label text, top to baseline.
    var charHeight: Double
    /// The same two for the title.
    var titleCharWidth: Double
    var titleCharHeight: Double
    /// Line width of a curve.
    var lineWidth: Double

    func width(_ text: String) -> Double { Double(text.count) * charWidth }
}

/// A rectangle in pixel coordinates (y down).
struct PlotRect {
    var x: Double, y: Double, width: Double, height: Double
    var maxX: Double { x + width }
    var maxY: Double { y + height }
    func contains(_ p: (x: Double, y: Double)) -> Bool { p.x >= x && p.x <= maxX && p.y >= y && p.y <= maxY }
}

/// A piece of text placed by the layout. Horizontal text: `x` is where `anchor` puts it, `y` its top.
/// Vertical text (read bottom to top): `x` is its left edge and `y` its middle.
struct PlotText {
    enum Anchor { case start, middle, end }
    var text: String
    var x: Double
    var y: Double
    var anchor: Anchor
    var vertical = false
    var isTitle = false
}

/// Everything a renderer needs to draw a `LinePlot`, in pixels: the plot frame, gridlines, ticks,
/// text, each series' finite points, and the legend.
struct PlotLayout {
    var frame: PlotRect
    var xAxis: PlotAxis
    var yAxis: PlotAxis
    /// Gridline and tick positions: x in pixels for vertical lines, y for horizontal ones.
    var xTickPixels: [Double]
    var yTickPixels: [Double]
    var tickLength: Double
    var texts: [PlotText]
    /// Per series, its drawable points in pixel coordinates (non-finite ones dropped).
    var curves: [[(x: Double, y: Double)]]
    var legend: Legend?

    struct Legend {
        var box: PlotRect
        /// Per series: the swatch line's ends and the name's placement.
        var entries: [(from: (x: Double, y: Double), to: (x: Double, y: Double), label: PlotText)]
    }

    init(_ plot: LinePlot, width: Double, height: Double, metrics m: TextMetrics) {
        let data = plot.series.map { plot.drawablePoints(of: $0) }
        let xs = data.flatMap { $0.map(\.x) }, ys = data.flatMap { $0.map(\.y) }
        // x (steps, epochs) ends where the data ends, unless points carry labels that need room; y widens
        // to round ticks so curves never touch the frame's edge.
        let labelled = plot.series.contains { !$0.labels.isEmpty }
        xAxis = PlotAxis.linear(
            xs.min() ?? .nan, (xs.max() ?? .nan) + (labelled ? Self.labelRoom(plot, xs: xs, width: width, metrics: m) : 0),
            tight: !labelled)
        yAxis =
            plot.logY
            ? PlotAxis.logarithmic(ys.min() ?? .nan, ys.max() ?? .nan)
            : PlotAxis.linear(ys.min() ?? .nan, ys.max() ?? .nan)

        // Margins from the text they hold, so long tick labels never run off the picture.
        let pad = m.charHeight
        let gap = m.charHeight * 0.6
        tickLength = m.charHeight * 0.5
        // A title wider than the picture breaks between words into lines that fit it.
        let titleLines = Self.wrap(plot.title, within: width - 2 * pad, charWidth: m.titleCharWidth)
        let titleLineHeight = m.titleCharHeight * 1.4
        let top = pad + (titleLines.isEmpty ? 0 : Double(titleLines.count - 1) * titleLineHeight + m.titleCharHeight + pad)
        let bottom = tickLength + gap + m.charHeight + (plot.xLabel.isEmpty ? 0 : gap * 1.5 + m.charHeight) + pad
        let yLabelWidth = yAxis.labels.map { m.width($0) }.max() ?? 0
        let left = pad + (plot.yLabel.isEmpty ? 0 : m.charHeight + gap * 1.5) + yLabelWidth + gap + tickLength
        let right = pad + m.width(xAxis.labels.last ?? "") / 2
        frame = PlotRect(x: left, y: top, width: max(width - left - right, 1), height: max(height - top - bottom, 1))

        let frame = self.frame, xAxis = self.xAxis, yAxis = self.yAxis
        func pixel(_ p: (x: Double, y: Double)) -> (x: Double, y: Double) {
            (frame.x + xAxis.fraction(p.x) * frame.width, frame.maxY - yAxis.fraction(p.y) * frame.height)
        }
        curves = data.map { $0.map(pixel) }
        xTickPixels = xAxis.ticks.map { frame.x + ($0 - xAxis.low) / (xAxis.high - xAxis.low) * frame.width }
        yTickPixels = yAxis.ticks.map { frame.maxY - ($0 - yAxis.low) / (yAxis.high - yAxis.low) * frame.height }

        var texts: [PlotText] = []
        for (x, label) in zip(xTickPixels, xAxis.labels) {
            texts.append(PlotText(text: label, x: x, y: frame.maxY + tickLength + gap, anchor: .middle))
        }
        for (y, label) in zip(yTickPixels, yAxis.labels) {
            texts.append(PlotText(text: label, x: frame.x - tickLength - gap, y: y - m.charHeight / 2, anchor: .end))
        }
        let labels = plot.series.flatMap { series in
            zip(series.points, series.labels).filter { plot.isDrawable($0.0) }.map { (point: pixel($0.0), text: $0.1) }
        }
        texts += Self.placeLabels(labels, within: frame, metrics: m)
        for (row, line) in titleLines.enumerated() {
            // Centred over the frame, moved in where that would push it past the picture's edge.
            let half = Double(line.count) * m.titleCharWidth / 2
            let centre = Swift.min(Swift.max(frame.x + frame.width / 2, pad + half), width - pad - half)
            texts.append(PlotText(text: line, x: centre, y: pad + Double(row) * titleLineHeight, anchor: .middle, isTitle: true))
        }
        if !plot.xLabel.isEmpty {
            texts.append(
                PlotText(
                    text: plot.xLabel, x: frame.x + frame.width / 2,
                    y: frame.maxY + tickLength + gap * 2.5 + m.charHeight, anchor: .middle))
        }
        if !plot.yLabel.isEmpty {
            texts.append(PlotText(text: plot.yLabel, x: pad, y: frame.y + frame.height / 2, anchor: .middle, vertical: true))
        }
        self.texts = texts
        legend = PlotLayout.legend(names: plot.series.map(\.name), curves: curves, frame: frame, metrics: m)
    }

    /// `text` broken between words into lines of at most `width` pixels (a word longer than that
    /// alone on its line); no lines for an empty text.
    static func wrap(_ text: String, within width: Double, charWidth: Double) -> [String] {
        let most = Swift.max(1, Int(width / charWidth))
        var lines: [String] = []
        for word in text.split(separator: " ").map(String.init) {
            if let last = lines.last, last.count + 1 + word.count <= most {
                lines[lines.count - 1] = last + " " + word
            } else {
                lines.append(word)
            }
        }
        return lines
    }

    /// How far right of the rightmost point the x axis goes so that the longest label fits beside
    /// it, guessing the frame at 80% of the picture's width.
    private static func labelRoom(_ plot: LinePlot, xs: [Double], width: Double, metrics m: TextMetrics) -> Double {
        guard let low = xs.min(), let high = xs.max(), high > low else { return 0 }
        let longest = plot.series.flatMap(\.labels).map { m.width($0) }.max() ?? 0
        let share = min(0.5, (longest + 2 * m.charWidth) / (0.8 * width))
        return (high - low) * share / (1 - share)
    }

    /// Each label beside its point where it overlaps no label placed before it: to the right, else
    /// to the left, above or below; where every place overlaps, to the right.
    private static func placeLabels(
        _ labels: [(point: (x: Double, y: Double), text: String)], within frame: PlotRect, metrics m: TextMetrics
    ) -> [PlotText] {
        var placed: [PlotRect] = []
        return labels.map { point, text in
            let w = m.width(text), h = m.charHeight, gap = m.charWidth * 0.8
            let candidates = [
                PlotText(text: text, x: point.x + gap, y: point.y - h / 2, anchor: .start),
                PlotText(text: text, x: point.x - gap, y: point.y - h / 2, anchor: .end),
                PlotText(text: text, x: point.x, y: point.y - gap - h, anchor: .middle),
                PlotText(text: text, x: point.x, y: point.y + gap, anchor: .middle),
            ]
            func box(_ t: PlotText) -> PlotRect {
                let left = t.anchor == .start ? t.x : t.anchor == .end ? t.x - w : t.x - w / 2
                return PlotRect(x: left, y: t.y, width: w, height: h)
            }
            func fits(_ b: PlotRect) -> Bool {
                b.x >= frame.x && b.maxX <= frame.maxX && b.y >= frame.y && b.maxY <= frame.maxY
                    && !placed.contains { $0.x < b.maxX && b.x < $0.maxX && $0.y < b.maxY && b.y < $0.maxY }
            }
            let chosen = candidates.first { fits(box($0)) } ?? candidates[0]
            placed.append(box(chosen))
            return chosen
        }
    }

    /// A legend box in the corner of the frame that the curves cross least; nil when no series has a name.
    private static func legend(
        names: [String], curves: [[(x: Double, y: Double)]], frame: PlotRect,
        metrics m: TextMetrics
    ) -> Legend? {
        guard names.contains(where: { !$0.isEmpty }) else { return nil }
        let inset = m.charHeight * 0.8
        let rowHeight = m.charHeight * 1.8
        let swatch = m.charWidth * 3
        let nameWidth = names.map { m.width($0) }.max() ?? 0
        let size = (width: inset + swatch + m.charWidth + nameWidth + inset, height: Double(names.count) * rowHeight + inset)
        let corners = [  // preference order on ties: top right, top left, bottom right, bottom left
            (frame.maxX - inset - size.width, frame.y + inset), (frame.x + inset, frame.y + inset),
            (frame.maxX - inset - size.width, frame.maxY - inset - size.height), (frame.x + inset, frame.maxY - inset - size.height),
        ].map { PlotRect(x: $0.0, y: $0.1, width: size.width, height: size.height) }

        // Sample along each segment too: a line can cross the box without a vertex in it.
        let total = curves.reduce(0) { $0 + $1.count }
        let samples = total > 2000 ? 1 : 16
        var hits = [Int](repeating: 0, count: corners.count)
        for curve in curves {
            for k in curve.indices {
                let p = curve[k], q = k + 1 < curve.count ? curve[k + 1] : curve[k]
                for s in 0..<samples {
                    let t = Double(s) / Double(samples)
                    let point = (x: p.x + (q.x - p.x) * t, y: p.y + (q.y - p.y) * t)
                    for (c, box) in corners.enumerated() where box.contains(point) { hits[c] += 1 }
                }
            }
        }
        let box = corners[hits.indices.min { hits[$0] < hits[$1] }!]

        let entries = names.enumerated().map { (i, name) in
            let middle = box.y + inset + (Double(i) + 0.5) * rowHeight - inset / 2
            let from = (x: box.x + inset, y: middle), to = (x: box.x + inset + swatch, y: middle)
            return (
                from: from, to: to,
                label: PlotText(text: name, x: to.x + m.charWidth, y: middle - m.charHeight / 2, anchor: .start)
            )
        }
        return Legend(box: box, entries: entries)
    }
}
