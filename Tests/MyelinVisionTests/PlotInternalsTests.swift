import MyelinVision
import Testing

// Internals that no public call shows value by value: the font, tick placement, the rasteriser.

@Suite struct BitmapFontTests {
    @Test func coversPrintableASCIIWithDistinctGlyphs() {
        #expect(BitmapFont.glyphs.count == 95)
        #expect(BitmapFont.glyphs.allSatisfy { $0.count == 8 && $0.allSatisfy { $0 < 32 } })
        #expect(BitmapFont.glyphs[0].allSatisfy { $0 == 0 })  // space
        #expect(BitmapFont.glyphs.dropFirst().allSatisfy { $0.contains { $0 != 0 } })
        #expect(Set(BitmapFont.glyphs).count == 95, "two characters share a glyph")
        // Only g, j, p, q and y reach below the baseline.
        let descenders = (32...126).filter { BitmapFont.glyphs[$0 - 32][7] != 0 }.map { Character(UnicodeScalar(UInt8($0))) }
        #expect(descenders == ["g", "j", "p", "q", "y"])
    }

    @Test func glyphCellsAreWhereTheArtPutsThem() {
        // "T": a full top row, then the middle column.
        #expect((0..<5).allSatisfy { BitmapFont.isSet("T", x: $0, y: 0) })
        #expect((1..<7).allSatisfy { BitmapFont.isSet("T", x: 2, y: $0) && !BitmapFont.isSet("T", x: 0, y: $0) })
        #expect(BitmapFont.index(of: "é") == BitmapFont.index(of: "?"))
        #expect(BitmapFont.width(of: "abc", scale: 2) == (3 * 6 - 1) * 2)
        #expect(BitmapFont.width(of: "", scale: 3) == 0)
    }
}

@Suite struct PlotAxisTests {
    @Test func niceSteps() {
        #expect(niceStep(0.3) == 0.5)
        #expect(niceStep(1) == 1)
        #expect(niceStep(0.11) == 0.2)
        #expect(niceStep(7) == 10)
        #expect(niceStep(2000) == 2000)
    }

    @Test func linearAxesWidenToRoundTicks() {
        let loss = PlotAxis.linear(0.05, 2.3)
        #expect(loss.ticks == [0, 0.5, 1, 1.5, 2, 2.5])
        #expect(loss.labels == ["0", "0.5", "1.0", "1.5", "2.0", "2.5"])
        #expect(loss.low == 0 && loss.high == 2.5)
        let epochs = PlotAxis.linear(1, 50)
        #expect(epochs.labels == ["0", "10", "20", "30", "40", "50"])
        let steps = PlotAxis.linear(1, 1710, tight: true)  // the x axis: ends where the data ends
        #expect(steps.low == 1 && steps.high == 1710 && steps.labels == ["500", "1000", "1500"])
        #expect(PlotAxis.linear(1, 5, tight: true).labels == ["1", "2", "3", "4", "5"])
        let negative = PlotAxis.linear(-3, 7)
        #expect(negative.labels == ["-4", "-2", "0", "2", "4", "6", "8"])
        #expect(PlotAxis.linear(.nan, .nan).labels == ["0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let flat = PlotAxis.linear(5, 5)
        #expect(flat.low < 5 && flat.high > 5)
        #expect(abs(flat.fraction(5) - 0.5) < 1e-9)
        // Near ±greatestFiniteMagnitude the span overflows a naive hi - lo.
        #expect(PlotAxis.linear(-1e308, 1e308).ticks.count < 12)
    }

    @Test func extremeMagnitudesUseExponents() {
        #expect(PlotAxis.linear(0, 1e7).labels == ["0", "2e6", "4e6", "6e6", "8e6", "1e7"])
        #expect(PlotAxis.linear(0, 0.0003).labels == ["0", "0.0001", "0.0002", "0.0003"])
        #expect(PlotAxis.linear(0, 3e-5).labels == ["0", "1e-5", "2e-5", "3e-5"])
        #expect(PlotAxis.linear(0, 1.2e-5).labels == ["0", "5e-6", "1e-5", "1.5e-5"])
    }

    @Test func logAxesTickDecades() {
        let loss = PlotAxis.logarithmic(0.05, 2.3)
        #expect(loss.labels == ["0.01", "0.1", "1", "10"])
        #expect(loss.low == -2 && loss.high == 1)
        #expect(abs(loss.fraction(0.1) - 1.0 / 3) < 1e-12)
        #expect(PlotAxis.logarithmic(1, 50).labels == ["1", "2", "5", "10", "20", "50", "100"])
        #expect(PlotAxis.logarithmic(1e-8, 1).labels == ["1e-8", "1e-6", "1e-4", "0.01", "1"])
        #expect(PlotAxis.logarithmic(.nan, .nan).labels == ["1", "2", "5", "10"])
    }

    @Test func powerLabels() {
        #expect(formatPower(mantissa: 2, exponent: -2) == "0.02")
        #expect(formatPower(mantissa: 5, exponent: 3) == "5000")
        #expect(formatPower(mantissa: 1, exponent: 6) == "1e6")
        #expect(formatPower(mantissa: 1, exponent: -4) == "1e-4")
    }
}

@Suite struct CanvasTests {
    func channel(_ canvas: Canvas, _ x: Int, _ y: Int) -> UInt8 { canvas.pixels[(y * canvas.width + x) * 3] }

    @Test func aLineCentredOnAPixelEdgeFillsTheTwoRowsBesideIt() {
        var canvas = Canvas(width: 12, height: 10, background: .white)
        canvas.strokePolyline([(2, 5), (9, 5)], .black, lineWidth: 2, clip: canvas.bounds)
        for x in 3..<9 {
            #expect(channel(canvas, x, 4) == 0 && channel(canvas, x, 5) == 0, "column \(x)")
            #expect(channel(canvas, x, 3) == 255 && channel(canvas, x, 6) == 255, "column \(x)")
        }
    }

    @Test func partialCoverageIsBlended() {
        // Width 1 at y = 5.25: row 5 (centre 5.5) is 3/4 covered, row 4 (centre 4.5) 1/4.
        var canvas = Canvas(width: 12, height: 10, background: .white)
        canvas.strokePolyline([(1, 5.25), (10, 5.25)], .black, lineWidth: 1, clip: canvas.bounds)
        #expect(channel(canvas, 5, 5) == 64)
        #expect(channel(canvas, 5, 4) == 191)
        #expect(channel(canvas, 5, 6) == 255 && channel(canvas, 5, 3) == 255)
    }

    @Test func clipKeepsInkInside() {
        var canvas = Canvas(width: 20, height: 20, background: .white)
        let clip = PixelRect(x: 5, y: 5, width: 10, height: 10)
        canvas.strokePolyline([(0, 0), (20, 20)], .black, lineWidth: 3, clip: clip)
        for y in 0..<20 {
            for x in 0..<20 where x < 5 || x >= 15 || y < 5 || y >= 15 {
                #expect(channel(canvas, x, y) == 255)
            }
        }
        #expect(channel(canvas, 10, 10) == 0)
    }

    @Test func verticalTextIsHorizontalTextTurned() {
        var flat = Canvas(width: 40, height: 20, background: .white)
        flat.drawText("Ag", x: 0, y: 0, scale: 2, .black)
        var turned = Canvas(width: 20, height: 40, background: .white)
        turned.drawTextVertical("Ag", x: 0, y: 0, scale: 2, .black)
        let length = BitmapFont.width(of: "Ag", scale: 2)
        var ink = 0
        for y in 0..<16 {
            for x in 0..<length {
                #expect(channel(flat, x, y) == channel(turned, y, length - 1 - x))
                if channel(flat, x, y) == 0 { ink += 1 }
            }
        }
        #expect(ink > 40)
    }
}
