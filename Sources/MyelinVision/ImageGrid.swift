/// How float values become 0...255 bytes.
public enum PixelScaling: Equatable, Sendable {
    /// The smallest finite value becomes 0 and the largest 255; a constant picture becomes all 0.
    case minMax
    /// `low` becomes 0 and `high` 255; values outside are clamped.
    case range(Float, Float)
}

/// Whether the tiles of a grid are scaled each on its own or all with one range.
public enum TileNormalization: Equatable, Sendable {
    /// Each tile uses its own range: every tile shows its full contrast.
    case perTile
    /// One range for all tiles: tiles can be compared with each other.
    case together
}

extension Image {
    /// One picture from planar floats: H×W, or C×H×W with C in {1, 3}.
    ///
    /// Non-finite values are ignored by `.minMax` and drawn as the low end. A `colormap` turns a
    /// one-channel picture into RGB. `upscale` repeats each pixel as a block (nearest neighbour).
    public init(
        floats: [Float], channels: Int = 1, height: Int, width: Int,
        scaling: PixelScaling = .minMax, colormap: Colormap? = nil, upscale: Int = 1
    ) {
        precondition(
            channels == 1 || channels == 3,
            "Image(floats:channels:height:width:): channels must be 1 or 3, got \(channels)")
        precondition(
            height > 0 && width > 0 && floats.count == channels * height * width,
            "Image(floats:channels:height:width:): \(floats.count) floats for \(channels)x\(height)x\(width)")
        let (low, high) = valueRange(floats[...], scaling)
        self = planarToImage(
            floats[...], channels: channels, height: height, width: width,
            low: low, high: high, colormap: colormap
        ).upscaled(by: upscale)
    }

    /// Equal-size images in rows of `columns` (fewer if there are fewer images), `padding` pixels
    /// between and around them, the gaps filled with gray level `background` (alpha, if any, opaque).
    ///
    /// Size: `c * tileWidth + (c + 1) * padding` by `r * tileHeight + (r + 1) * padding`, where
    /// `c = min(columns, images.count)` and `r = ceil(images.count / c)`.
    public static func grid(_ images: [Image], columns: Int = 8, padding: Int = 2, background: UInt8 = 0) -> Image {
        precondition(!images.isEmpty, "Image.grid: no images")
        precondition(
            columns >= 1 && padding >= 0,
            "Image.grid: columns \(columns) must be >= 1 and padding \(padding) >= 0")
        let first = images[0]
        for (i, tile) in images.enumerated() {
            precondition(
                tile.width == first.width && tile.height == first.height && tile.channels == first.channels,
                "Image.grid: image \(i) is \(tile.width)x\(tile.height)x\(tile.channels), image 0 is \(first.width)x\(first.height)x\(first.channels)"
            )
        }
        let columns = min(columns, images.count)
        let rows = (images.count + columns - 1) / columns
        let channels = first.channels
        let outWidth = columns * first.width + (columns + 1) * padding
        let outHeight = rows * first.height + (rows + 1) * padding
        var out = Image(width: outWidth, height: outHeight, channels: channels, fill: background)
        if channels == 2 || channels == 4 {
            for i in stride(from: channels - 1, to: out.pixels.count, by: channels) { out.pixels[i] = 255 }
        }
        let tileRowBytes = first.width * channels
        for (i, tile) in images.enumerated() {
            let left = padding + (i % columns) * (first.width + padding)
            let top = padding + (i / columns) * (first.height + padding)
            for y in 0..<first.height {
                let dst = ((top + y) * outWidth + left) * channels
                out.pixels.replaceSubrange(
                    dst..<(dst + tileRowBytes),
                    with: tile.pixels[(y * tileRowBytes)..<((y + 1) * tileRowBytes)])
            }
        }
        return out
    }

    /// A grid of `count` pictures from planar floats, N×H×W or N×C×H×W with C in {1, 3}.
    ///
    /// Each tile is scaled on its own or with all the others (`normalization`), optionally coloured
    /// (`colormap`, one channel only) and enlarged by `upscale`, then laid out as `grid(_:columns:padding:background:)`.
    public static func grid(
        floats: [Float], count: Int, channels: Int = 1, height: Int, width: Int,
        columns: Int = 8, padding: Int = 2, background: UInt8 = 0,
        scaling: PixelScaling = .minMax, normalization: TileNormalization = .perTile,
        colormap: Colormap? = nil, upscale: Int = 1
    ) -> Image {
        precondition(
            count > 0 && (channels == 1 || channels == 3) && height > 0 && width > 0,
            "Image.grid(floats:count:channels:height:width:): bad shape \(count)x\(channels)x\(height)x\(width)")
        let tileSize = channels * height * width
        precondition(
            floats.count == count * tileSize,
            "Image.grid(floats:count:channels:height:width:): \(floats.count) floats for \(count)x\(channels)x\(height)x\(width)")
        let shared = valueRange(floats[...], scaling)
        let tiles = (0..<count).map { n -> Image in
            let slice = floats[(n * tileSize)..<((n + 1) * tileSize)]
            let (low, high) = normalization == .together ? shared : valueRange(slice, scaling)
            return planarToImage(
                slice, channels: channels, height: height, width: width,
                low: low, high: high, colormap: colormap
            ).upscaled(by: upscale)
        }
        return grid(tiles, columns: columns, padding: padding, background: background)
    }

    /// The first layer of an MLP, weights `[units, tileHeight * tileWidth]`, as `units` tiles in a
    /// diverging map: blue negative, white zero, red positive, symmetric around 0.
    ///
    /// Each tile's limit is its largest |weight| (`.perTile`) or the largest of all (`.together`).
    /// `columns` nil makes the grid as square as it can be.
    public static func filterGrid(
        weights: [Float], units: Int, tileHeight: Int, tileWidth: Int,
        columns: Int? = nil, padding: Int = 1, background: UInt8 = 128,
        normalization: TileNormalization = .perTile, upscale: Int = 4
    ) -> Image {
        let inputs = tileHeight * tileWidth
        precondition(
            units > 0 && tileHeight > 0 && tileWidth > 0 && weights.count == units * inputs,
            "Image.filterGrid: \(weights.count) weights for \(units) units x \(tileHeight)x\(tileWidth) inputs")
        let globalLimit = maxAbsolute(weights[...])
        let tiles = (0..<units).map { u -> Image in
            let row = weights[(u * inputs)..<((u + 1) * inputs)]
            let limit = normalization == .together ? globalLimit : maxAbsolute(row)
            var pixels = [UInt8]()
            pixels.reserveCapacity(inputs * 3)
            for w in row {
                let c = Colormap.diverging(w.isFinite ? w : 0, limit: limit)
                pixels += [c.red, c.green, c.blue]
            }
            return Image(width: tileWidth, height: tileHeight, channels: 3, pixels: pixels).upscaled(by: upscale)
        }
        let columns = columns ?? Int(Double(units).squareRoot().rounded(.up))
        return grid(tiles, columns: columns, padding: padding, background: background)
    }
}

/// The (low, high) that `scaling` asks for over `values`, ignoring non-finite ones.
private func valueRange(_ values: ArraySlice<Float>, _ scaling: PixelScaling) -> (Float, Float) {
    switch scaling {
    case .range(let low, let high):
        precondition(low < high, "PixelScaling.range: low \(low) must be below high \(high)")
        return (low, high)
    case .minMax:
        var low = Float.infinity, high = -Float.infinity
        for v in values where v.isFinite {
            low = min(low, v)
            high = max(high, v)
        }
        return low <= high ? (low, high) : (0, 0)
    }
}

private func maxAbsolute(_ values: ArraySlice<Float>) -> Float {
    var m: Float = 0
    for v in values where v.isFinite { m = max(m, abs(v)) }
    return m
}

/// Planar C×H×W floats to interleaved bytes, `low`→0 and `high`→255 (all 0 when high <= low).
private func planarToImage(
    _ values: ArraySlice<Float>, channels: Int, height: Int, width: Int,
    low: Float, high: Float, colormap: Colormap?
) -> Image {
    let plane = height * width
    let base = values.startIndex
    let span = high - low
    func unit(_ v: Float) -> Float {
        guard v.isFinite, span > 0 else { return 0 }
        return min(max((v - low) / span, 0), 1)
    }
    if let colormap = colormap, channels == 1 {
        var pixels = [UInt8](repeating: 0, count: plane * 3)
        for i in 0..<plane {
            let c = colormap.color(at: unit(values[base + i]))
            pixels[i * 3] = c.red; pixels[i * 3 + 1] = c.green; pixels[i * 3 + 2] = c.blue
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels)
    }
    var pixels = [UInt8](repeating: 0, count: plane * channels)
    for c in 0..<channels {
        for i in 0..<plane {
            pixels[i * channels + c] = UInt8((unit(values[base + c * plane + i]) * 255).rounded())
        }
    }
    return Image(width: width, height: height, channels: channels, pixels: pixels)
}
