import Foundation

/// Stripes laid across a digit's strokes as a zebra's across a horse: the stroke's intensity is
/// multiplied by a square wave along a direction, 1 on the light stripes and `darkness` on the dark
/// ones. The background stays background and every stroke pixel stays lit (darkness > 0), so the
/// digit's support is kept while its look changes.
///
/// Pixels are in [0, 1] (0 background), an image row-major of `side`×`side`.
public struct ZebraStripes: Equatable, Sendable {
    /// Direction along which the stripes alternate, in radians (0: vertical stripes).
    public var angle: Float
    /// Pixels from one dark stripe to the next.
    public var period: Float
    /// Where the wave starts, as a fraction of a period.
    public var phase: Float
    /// The factor of a stroke on a dark stripe, in (0, 1].
    public var darkness: Float

    public init(angle: Float, period: Float, phase: Float, darkness: Float = 0.15) {
        precondition(period > 0, "ZebraStripes: the period must be positive, got \(period)")
        precondition(darkness > 0 && darkness <= 1, "ZebraStripes: darkness must be in (0, 1], got \(darkness)")
        self.angle = angle
        self.period = period
        self.phase = phase
        self.darkness = darkness
    }

    /// Stripes at a uniform angle in [0, π), a period in [`periods`), a uniform phase: three draws from `generator`.
    public static func random(periods: Range<Float> = 4..<7, darkness: Float = 0.15, generator: RandomGenerator) -> ZebraStripes {
        let angle = generator.uniform(0, .pi), period = generator.uniform(periods.lowerBound, periods.upperBound)
        return ZebraStripes(angle: angle, period: period, phase: generator.uniform(), darkness: darkness)
    }

    /// The factor at pixel (x, y): 1 on the first half of each period, `darkness` on the second.
    public func factor(x: Int, y: Int) -> Float {
        let t = (Float(x) * cos(angle) + Float(y) * sin(angle)) / period + phase
        return t - t.rounded(.down) < 0.5 ? 1 : darkness
    }

    /// `image` (`side`×`side` pixels in [0, 1]) with the stripes laid over its strokes.
    public func apply(to image: ArraySlice<Float>, side: Int) -> [Float] {
        precondition(image.count == side * side, "ZebraStripes.apply: \(image.count) pixels are not \(side)×\(side)")
        var striped = Array(image)
        for y in 0..<side {
            for x in 0..<side { striped[y * side + x] *= factor(x: x, y: y) }
        }
        return striped
    }
}
