import MyelinTensor

/// A fixed colour per class, for drawing a segmentation's labels: the same class is the same
/// colour in every picture, so a truth and a prediction can be compared at a glance.
public struct LabelPalette: Equatable, Sendable {
    /// Class k's colour is `colors[k]`.
    public let colors: [RGB]

    public init(_ colors: [RGB]) {
        precondition(!colors.isEmpty, "LabelPalette: needs at least one colour")
        self.colors = colors
    }

    /// Background grey, then the ten digits in matplotlib's tab10 colours (its grey, which the
    /// background has, swapped for white): 0 blue, 1 orange, 2 green, 3 red, 4 purple, 5 brown,
    /// 6 pink, 7 olive, 8 cyan, 9 white.
    public static let digits = LabelPalette([
        RGB(80, 80, 80),
        RGB(31, 119, 180), RGB(255, 127, 14), RGB(44, 160, 44), RGB(214, 39, 40), RGB(148, 103, 189),
        RGB(140, 86, 75), RGB(227, 119, 194), RGB(188, 189, 34), RGB(23, 190, 207), RGB(245, 245, 245),
    ])

    /// The RGB picture of `classes` (`height` rows of `width`, row-major), each pixel its class's
    /// colour, enlarged `upscale` times.
    public func image(classes: [Int], height: Int, width: Int, upscale: Int = 1) -> Image {
        precondition(
            height > 0 && width > 0 && classes.count == height * width,
            "LabelPalette.image: \(classes.count) classes for \(height)×\(width) pixels")
        var pixels = [UInt8](repeating: 0, count: classes.count * 3)
        for (i, label) in classes.enumerated() {
            precondition(label >= 0 && label < colors.count, "LabelPalette.image: class \(label) has no colour (\(colors.count) colours)")
            let color = colors[label]
            pixels[3 * i] = color.red
            pixels[3 * i + 1] = color.green
            pixels[3 * i + 2] = color.blue
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels).upscaled(by: upscale)
    }

    /// The RGB picture of a class map [H, W] (integers).
    public func image(_ classes: Tensor, upscale: Int = 1) -> Image {
        precondition(
            classes.rank == 2 && !classes.dtype.isFloatingPoint,
            "LabelPalette.image: classes must be integers [H, W], got \(classes.dtype) of shape \(classes.shape)")
        return image(classes: classes.integers, height: classes.shape[0], width: classes.shape[1], upscale: upscale)
    }

    /// A key to the colours: a swatch per class, `side` pixels square, with its name written on it
    /// in black or white (whichever reads better), in one row.
    public func legend(names: [String], side: Int = 24, padding: Int = 2) -> Image {
        precondition(names.count == colors.count, "LabelPalette.legend: \(names.count) names for \(colors.count) colours")
        let swatches = zip(colors, names).map { color, name -> Image in
            var swatch = Image(
                width: side, height: side, channels: 3,
                pixels: Array((0..<(side * side)).map { _ in [color.red, color.green, color.blue] }.joined()))
            let luminance = 0.299 * Double(color.red) + 0.587 * Double(color.green) + 0.114 * Double(color.blue)
            swatch.drawText(name, x: 2, y: 2, value: luminance > 128 ? 0 : 255)
            return swatch
        }
        return Image.grid(swatches, columns: swatches.count, padding: padding, background: 255)
    }
}
