/// An 8-bit raster image: `height` rows of `width` pixels, each `channels` bytes (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA).
///
/// Pixels are interleaved and row-major: the byte of channel `c` at column `x`, row `y` is
/// `pixels[(y * width + x) * channels + c]`; row 0 is the top of the picture.
public struct Image: Equatable, Sendable {
    /// Pixels per row.
    public let width: Int
    /// Number of rows.
    public let height: Int
    /// Bytes per pixel: 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA).
    public let channels: Int
    /// Interleaved, row-major pixel bytes; `width * height * channels` of them.
    public var pixels: [UInt8]

    /// Wraps existing pixel bytes; their count must be `width * height * channels`.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(
            width > 0 && height > 0,
            "Image(width:height:channels:pixels:): width \(width) and height \(height) must be positive")
        precondition(
            (1...4).contains(channels),
            "Image(width:height:channels:pixels:): channels must be 1...4, got \(channels)")
        precondition(
            pixels.count == width * height * channels,
            "Image(width:height:channels:pixels:): \(pixels.count) bytes for \(width)x\(height)x\(channels) (expected \(width * height * channels))"
        )
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image with every channel of every pixel set to `value`.
    public init(width: Int, height: Int, channels: Int, fill value: UInt8 = 0) {
        precondition(
            width > 0 && height > 0 && width.multipliedReportingOverflow(by: height).overflow == false,
            "Image(width:height:channels:fill:): width \(width) and height \(height) must be positive")
        self.init(
            width: width, height: height, channels: channels,
            pixels: [UInt8](repeating: value, count: width * height * channels))
    }

    /// The byte of `channel` at column `x`, row `y` (row 0 at the top).
    public subscript(x x: Int, y y: Int, channel channel: Int) -> UInt8 {
        get {
            precondition(
                x >= 0 && x < width && y >= 0 && y < height && channel >= 0 && channel < channels,
                "Image[x:y:channel:]: (\(x), \(y), \(channel)) outside \(width)x\(height)x\(channels)")
            return pixels[(y * width + x) * channels + channel]
        }
        set {
            precondition(
                x >= 0 && x < width && y >= 0 && y < height && channel >= 0 && channel < channels,
                "Image[x:y:channel:]: (\(x), \(y), \(channel)) outside \(width)x\(height)x\(channels)")
            pixels[(y * width + x) * channels + channel] = newValue
        }
    }

    /// All channels of the pixel at column `x`, row `y`.
    public func pixel(x: Int, y: Int) -> [UInt8] {
        precondition(
            x >= 0 && x < width && y >= 0 && y < height,
            "Image.pixel(x:y:): (\(x), \(y)) outside \(width)x\(height)")
        let start = (y * width + x) * channels
        return Array(pixels[start..<start + channels])
    }

    /// This image enlarged `factor` times in each direction, each pixel repeated as a block (nearest neighbour).
    public func upscaled(by factor: Int) -> Image {
        precondition(factor >= 1, "Image.upscaled(by:): factor must be at least 1, got \(factor)")
        if factor == 1 { return self }
        let outWidth = width * factor
        var out = [UInt8](repeating: 0, count: outWidth * height * factor * channels)
        out.withUnsafeMutableBufferPointer { dst in
            pixels.withUnsafeBufferPointer { src in
                for y in 0..<height {
                    // Build one enlarged row, then copy it to the `factor` output rows it covers.
                    let rowStart = y * factor * outWidth * channels
                    for x in 0..<width {
                        let s = (y * width + x) * channels
                        for k in 0..<factor {
                            let d = rowStart + (x * factor + k) * channels
                            for c in 0..<channels { dst[d + c] = src[s + c] }
                        }
                    }
                    let rowBytes = outWidth * channels
                    for k in 1..<factor {
                        let d = rowStart + k * rowBytes
                        for i in 0..<rowBytes { dst[d + i] = dst[rowStart + i] }
                    }
                }
            }
        }
        return Image(width: outWidth, height: height * factor, channels: channels, pixels: out)
    }

    /// This image as RGB (gray is copied to all three channels, alpha is dropped).
    public func rgb() -> Image {
        if channels == 3 { return self }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            let s = i * channels
            if channels >= 3 {
                out[i * 3] = pixels[s]; out[i * 3 + 1] = pixels[s + 1]; out[i * 3 + 2] = pixels[s + 2]
            } else {
                out[i * 3] = pixels[s]; out[i * 3 + 1] = pixels[s]; out[i * 3 + 2] = pixels[s]
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: out)
    }
}

extension Image {
    /// Writes `text` in the plots' bitmap font, each font pixel a `scale`×`scale` block of `value`
    /// in every channel, its top-left corner at (x, y); what falls outside the image is left out.
    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int = 1, value: UInt8 = 255) {
        precondition(scale > 0, "Image.drawText: scale must be positive, got \(scale)")
        for cell in BitmapFont.setCells(of: text) {
            for dy in 0..<scale {
                for dx in 0..<scale {
                    let px = x + cell.x * scale + dx, py = y + cell.y * scale + dy
                    guard px >= 0 && px < width && py >= 0 && py < height else { continue }
                    for c in 0..<channels { pixels[(py * width + px) * channels + c] = value }
                }
            }
        }
    }
}
