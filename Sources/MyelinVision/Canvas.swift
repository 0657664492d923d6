/// A rectangle of whole pixels: columns `x..<x+width`, rows `y..<y+height`.
package struct PixelRect: Equatable {
    package var x: Int, y: Int, width: Int, height: Int
    package var maxX: Int { x + width }
    package var maxY: Int { y + height }

    package init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// An RGB drawing surface for the PNG plots: rectangles, anti-aliased polylines and dots, bitmap text.
package struct Canvas {
    package let width: Int
    package let height: Int
    package private(set) var pixels: [UInt8]

    package init(width: Int, height: Int, background: RGB) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[i * 3] = background.red; pixels[i * 3 + 1] = background.green; pixels[i * 3 + 2] = background.blue
        }
    }

    package var image: Image { Image(width: width, height: height, channels: 3, pixels: pixels) }

    /// The drawing in gray (each pixel's luminance), for pictures drawn in grays that go into an
    /// animated GIF, whose palette is gray.
    package var grayImage: Image {
        var gray = [UInt8](repeating: 0, count: width * height)
        for i in 0..<(width * height) {
            let luminance = 0.299 * Float(pixels[i * 3]) + 0.587 * Float(pixels[i * 3 + 1]) + 0.114 * Float(pixels[i * 3 + 2])
            gray[i] = UInt8(min(luminance.rounded(), 255))
        }
        return Image(width: width, height: height, channels: 1, pixels: gray)
    }

    package var bounds: PixelRect { PixelRect(x: 0, y: 0, width: width, height: height) }

    /// Mixes `color` into the pixel at (x, y) with opacity `alpha`; points outside are ignored.
    package mutating func blend(_ x: Int, _ y: Int, _ color: RGB, alpha: Float = 1) {
        guard x >= 0, x < width, y >= 0, y < height, alpha > 0 else { return }
        let i = (y * width + x) * 3
        if alpha >= 1 {
            pixels[i] = color.red; pixels[i + 1] = color.green; pixels[i + 2] = color.blue
            return
        }
        func mix(_ old: UInt8, _ new: UInt8) -> UInt8 {
            UInt8((Float(old) + (Float(new) - Float(old)) * alpha).rounded())
        }
        pixels[i] = mix(pixels[i], color.red)
        pixels[i + 1] = mix(pixels[i + 1], color.green)
        pixels[i + 2] = mix(pixels[i + 2], color.blue)
    }

    package mutating func fill(_ rect: PixelRect, _ color: RGB, alpha: Float = 1) {
        for y in max(rect.y, 0)..<max(min(rect.maxY, height), max(rect.y, 0)) {
            for x in max(rect.x, 0)..<max(min(rect.maxX, width), max(rect.x, 0)) {
                blend(x, y, color, alpha: alpha)
            }
        }
    }

    /// The one-pixel outline just inside `rect`.
    package mutating func stroke(_ rect: PixelRect, _ color: RGB) {
        fill(PixelRect(x: rect.x, y: rect.y, width: rect.width, height: 1), color)
        fill(PixelRect(x: rect.x, y: rect.maxY - 1, width: rect.width, height: 1), color)
        fill(PixelRect(x: rect.x, y: rect.y, width: 1, height: rect.height), color)
        fill(PixelRect(x: rect.maxX - 1, y: rect.y, width: 1, height: rect.height), color)
    }

    /// Strokes the polyline through `points` (pixel coordinates, y down) `lineWidth` wide, anti-aliased,
    /// drawing only inside `clip`.
    ///
    /// Coverage is the maximum over segments, blended once, so joints are not darker than the line.
    package mutating func strokePolyline(_ points: [(x: Double, y: Double)], _ color: RGB, lineWidth: Double, clip: PixelRect) {
        guard !points.isEmpty, clip.width > 0, clip.height > 0 else { return }
        let half = lineWidth / 2
        var coverage = [Float](repeating: 0, count: clip.width * clip.height)
        func cover(_ p: (x: Double, y: Double), _ q: (x: Double, y: Double)) {
            let reach = half + 1
            let x0 = max(clip.x, Int((min(p.x, q.x) - reach).rounded(.down)))
            let x1 = min(clip.maxX - 1, Int((max(p.x, q.x) + reach).rounded(.up)))
            let y0 = max(clip.y, Int((min(p.y, q.y) - reach).rounded(.down)))
            let y1 = min(clip.maxY - 1, Int((max(p.y, q.y) + reach).rounded(.up)))
            guard x0 <= x1, y0 <= y1 else { return }
            let vx = q.x - p.x, vy = q.y - p.y
            let length2 = vx * vx + vy * vy
            for py in y0...y1 {
                for px in x0...x1 {
                    // Distance from the pixel centre to the segment; coverage falls off over one pixel.
                    let cx = Double(px) + 0.5 - p.x, cy = Double(py) + 0.5 - p.y
                    let t = length2 > 0 ? min(max((cx * vx + cy * vy) / length2, 0), 1) : 0
                    let dx = cx - t * vx, dy = cy - t * vy
                    let c = Float(min(max(half + 0.5 - (dx * dx + dy * dy).squareRoot(), 0), 1))
                    let i = (py - clip.y) * clip.width + (px - clip.x)
                    if c > coverage[i] { coverage[i] = c }
                }
            }
        }
        if points.count == 1 {
            cover(points[0], points[0])
        } else {
            for k in 1..<points.count { cover(points[k - 1], points[k]) }
        }
        for y in 0..<clip.height {
            for x in 0..<clip.width where coverage[y * clip.width + x] > 0 {
                blend(clip.x + x, clip.y + y, color, alpha: coverage[y * clip.width + x])
            }
        }
    }

    /// A filled, anti-aliased disc.
    package mutating func fillCircle(center: (x: Double, y: Double), radius: Double, _ color: RGB, clip: PixelRect) {
        // A zero-length polyline is exactly a disc of diameter `lineWidth`.
        strokePolyline([center], color, lineWidth: radius * 2, clip: clip)
    }

    /// Draws `text` with its top-left corner at (x, y), each font cell a `scale`×`scale` block.
    package mutating func drawText(_ text: String, x: Int, y: Int, scale: Int, _ color: RGB) {
        for cell in BitmapFont.setCells(of: text) {
            fill(PixelRect(x: x + cell.x * scale, y: y + cell.y * scale, width: scale, height: scale), color)
        }
    }

    /// Draws `text` turned a quarter turn anticlockwise (read bottom to top), its bounding box's
    /// top-left corner at (x, y): the box is 8·scale wide and `BitmapFont.width(of:)` tall.
    package mutating func drawTextVertical(_ text: String, x: Int, y: Int, scale: Int, _ color: RGB) {
        let length = BitmapFont.width(of: text, scale: 1)
        for (k, character) in text.enumerated() {
            for gy in 0..<BitmapFont.cellHeight {
                for gx in 0..<BitmapFont.glyphWidth where BitmapFont.isSet(character, x: gx, y: gy) {
                    // Text-space cell (tx, gy) lands at column gy, row (length - 1 - tx).
                    let tx = k * BitmapFont.advance + gx
                    fill(PixelRect(x: x + gy * scale, y: y + (length - 1 - tx) * scale, width: scale, height: scale), color)
                }
            }
        }
    }
}
