/// An 8-bit RGB colour.
public struct RGB: Equatable, Hashable, Sendable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)

    /// `#rrggbb`, as SVG and HTML write colours.
    public var hex: String {
        let digits = Array("0123456789abcdef")
        return "#" + String([red >> 4, red & 15, green >> 4, green & 15, blue >> 4, blue & 15].map { digits[Int($0)] })
    }
}

/// A map from a number in 0...1 to a colour: grayscale, viridis-like, or diverging blue–white–red.
public enum Colormap: Sendable {
    /// Black at 0, white at 1.
    case grayscale
    /// Dark purple through blue and green to yellow; perceptually even and readable in gray.
    case viridis
    /// Blue at 0, exactly white at 0.5, red at 1: for signed values mapped as `0.5 + 0.5 * v / limit`.
    case diverging

    /// The colour at `t`, clamped to 0...1; NaN maps to the colour at 0.5.
    public func color(at t: Float) -> RGB {
        let t = t.isNaN ? 0.5 : min(max(t, 0), 1)
        switch self {
        case .grayscale:
            let v = UInt8((t * 255).rounded())
            return RGB(v, v, v)
        case .viridis:
            return interpolate(Colormap.viridisStops, t)
        case .diverging:
            return interpolate(Colormap.divergingStops, t)
        }
    }

    /// The colour for a signed `value` on a diverging scale symmetric around 0: ±`limit` are the ends.
    public static func diverging(_ value: Float, limit: Float) -> RGB {
        guard limit > 0, limit.isFinite else { return Colormap.diverging.color(at: 0.5) }
        return Colormap.diverging.color(at: 0.5 + 0.5 * value / limit)
    }

    // Samples of matplotlib's viridis at 0, 1/8, ..., 1 (its published values, rounded to bytes).
    private static let viridisStops: [RGB] = [
        RGB(68, 1, 84), RGB(71, 45, 123), RGB(59, 82, 139), RGB(44, 114, 142), RGB(33, 145, 140),
        RGB(40, 174, 128), RGB(94, 201, 98), RGB(173, 220, 48), RGB(253, 231, 37),
    ]

    // Dark blue → light blue → white → light red → dark red; the middle stop makes 0 exactly white.
    private static let divergingStops: [RGB] = [
        RGB(5, 48, 97), RGB(67, 147, 195), RGB(255, 255, 255), RGB(214, 96, 77), RGB(103, 0, 31),
    ]
}

/// Piecewise-linear interpolation between evenly spaced colour stops.
private func interpolate(_ stops: [RGB], _ t: Float) -> RGB {
    let position = t * Float(stops.count - 1)
    let i = min(Int(position), stops.count - 2)
    let f = position - Float(i)
    func mix(_ a: UInt8, _ b: UInt8) -> UInt8 {
        UInt8((Float(a) + (Float(b) - Float(a)) * f).rounded())
    }
    let a = stops[i], b = stops[i + 1]
    return RGB(mix(a.red, b.red), mix(a.green, b.green), mix(a.blue, b.blue))
}
