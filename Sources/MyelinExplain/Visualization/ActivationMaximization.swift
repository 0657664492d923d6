import Foundation

/// Activation maximisation: an image grown by gradient ascent until it excites what `objective`
/// measures (a class's logit: "what the network thinks a 3 looks like"), kept natural by the
/// regularisers of Yosinski et al. (2015) — each optional, each applied after every step:
///
/// - L2 decay: x ← (1 − `decay`) · x, pulling unneeded pixels back to black.
/// - Gaussian blur of standard deviation `blurSigma` every `blurEvery` steps: no high-frequency noise.
/// - Clipping of pixels with small norm: the `smallNormPercentile` % of pixels nearest black are set
///   to black.
/// - Clipping of pixels with small contribution: the `smallContributionPercentile` % with the
///   smallest |x · ∂objective/∂x| are set to black.
///
/// Before each step the image is shifted by up to `jitter` pixels (and shifted back after), so the
/// picture does not rest on single pixels.
public struct ActivationMaximization: Sendable {
    public var steps: Int
    /// How far one step moves the image, along the gradient scaled to a largest element of 1.
    public var stepSize: Float
    public var decay: Float
    public var blurSigma: Float
    public var blurEvery: Int
    public var smallNormPercentile: Float
    public var smallContributionPercentile: Float
    public var jitter: Int
    public var pixelRange: ClosedRange<Float>

    public init(
        steps: Int = 300, stepSize: Float = 0.05, decay: Float = 0.002, blurSigma: Float = 0.3, blurEvery: Int = 4,
        smallNormPercentile: Float = 0, smallContributionPercentile: Float = 0, jitter: Int = 1, pixelRange: ClosedRange<Float> = 0...1
    ) {
        precondition(steps >= 0 && stepSize > 0, "ActivationMaximization: needs steps ≥ 0 and a positive step size")
        precondition(
            (0...1).contains(decay) && blurSigma >= 0 && blurEvery >= 1 && jitter >= 0,
            "ActivationMaximization: a regulariser is out of range")
        precondition(
            (0...100).contains(smallNormPercentile) && (0...100).contains(smallContributionPercentile),
            "ActivationMaximization: percentiles are between 0 and 100")
        (self.steps, self.stepSize, self.decay, self.blurSigma, self.blurEvery) = (steps, stepSize, decay, blurSigma, blurEvery)
        (self.smallNormPercentile, self.smallContributionPercentile) = (smallNormPercentile, smallContributionPercentile)
        (self.jitter, self.pixelRange) = (jitter, pixelRange)
    }

    /// Grows `start` ([N, C, H, W]) to raise `objective` (a batch of images to one value: sum the
    /// images' own objectives, so each image's gradient is its own). Nothing is recorded.
    public func image(from start: Tensor, maximizing objective: (Tensor) -> Tensor, generator: RandomGenerator = .global) -> Tensor {
        precondition(start.rank == 4, "ActivationMaximization: images must be [N, C, H, W], got \(start.shape)")
        return withoutGrad {
            var x = start.detached()
            for step in stride(from: 1, through: steps, by: 1) {
                let (dy, dx) =
                    jitter > 0
                    ? (generator.integer(below: 2 * jitter + 1) - jitter, generator.integer(below: 2 * jitter + 1) - jitter) : (0, 0)
                let slope = Self.shifted(gradient(at: Self.shifted(x, dy, dx)) { objective($0) }, -dy, -dx)
                let largest = slope.abs().max().item
                if largest > 0 { x = x + slope * (stepSize / largest) }
                x = Self.decayed(x, by: decay, toward: pixelRange.lowerBound)
                if blurSigma > 0 && step % blurEvery == 0 { x = Self.blurred(x, sigma: blurSigma) }
                if smallNormPercentile > 0 {
                    x = Self.clipped(x, below: smallNormPercentile, of: (x - pixelRange.lowerBound).abs(), to: pixelRange.lowerBound)
                }
                if smallContributionPercentile > 0 {
                    x = Self.clipped(
                        x, below: smallContributionPercentile, of: ((x - pixelRange.lowerBound) * slope).abs(), to: pixelRange.lowerBound)
                }
                x = x.clamped(min: pixelRange.lowerBound, max: pixelRange.upperBound)
            }
            return x
        }
    }

    /// One picture per class of "what the classifier thinks it looks like": images of `shape`
    /// ([C, H, W]) grown to raise each class's log-probability (its logit against the others', so
    /// that the picture is that class and no other).
    public func classImages(
        _ classes: [Int], shape: [Int], of classifier: (Tensor) -> Tensor, generator: RandomGenerator = .global
    ) -> Tensor {
        grown(classes.count, shape: shape, generator: generator) { classScore(classifier($0).logSoftmax(axis: -1), classes) }
    }

    /// One picture per channel of a convolution: images of `shape` grown to raise the mean
    /// activation of channel `channels[i]` of `features` ([N, K, h, w]).
    public func channelImages(
        _ channels: [Int], shape: [Int], of features: (Tensor) -> Tensor, generator: RandomGenerator = .global
    ) -> Tensor {
        grown(channels.count, shape: shape, generator: generator) { classScore(features($0).mean(axes: [2, 3]), channels) }
    }

    /// Deep Dream (Mordvintsev, Olah and Tyka, 2015): `picture` ([1, C, H, W], any size the
    /// convolutions take) changed to raise the mean square of `features`' activations, so that
    /// whatever they see in it grows. In `octaves` scales, each `octaveScale` times smaller than the
    /// next, smallest first, the detail dreamed at one scale carried up to the next; the steps are
    /// shared among the octaves.
    public func deepDream(
        _ picture: Tensor, features: (Tensor) -> Tensor, octaves: Int = 3, octaveScale: Float = 1.4,
        generator: RandomGenerator = .global
    ) -> Tensor {
        precondition(
            picture.rank == 4 && picture.shape[0] == 1, "ActivationMaximization.deepDream: one picture [1, C, H, W], got \(picture.shape)")
        precondition(octaves >= 1 && octaveScale >= 1, "ActivationMaximization.deepDream: at least one octave, a scale of at least 1")
        var perOctave = self
        perOctave.steps = max(1, steps / octaves)
        let (height, width) = (picture.shape[2], picture.shape[3])
        var detail: Tensor?
        var dreamed = picture
        for octave in (0..<octaves).reversed() {
            let shrink = Foundation.pow(octaveScale, Float(octave))
            let size = (height: max(1, Int((Float(height) / shrink).rounded())), width: max(1, Int((Float(width) / shrink).rounded())))
            let base = withoutGrad { picture.upsampled(size: size, mode: .bilinear) }
            let start = withoutGrad { detail.map { base + $0.upsampled(size: size, mode: .bilinear) } ?? base }
            dreamed = perOctave.image(from: start, maximizing: { features($0).square().mean() }, generator: generator)
            detail = withoutGrad { dreamed - base }
        }
        return dreamed
    }

    /// `count` images of `shape` ([C, H, W]) grown from gray noise to raise `objective`. (Not from
    /// black: a trained ConvNet's ReLUs are all off on a black image, and its gradient there is zero.)
    private func grown(_ count: Int, shape: [Int], generator: RandomGenerator, objective: (Tensor) -> Tensor) -> Tensor {
        precondition(shape.count == 3, "ActivationMaximization: the image shape is [C, H, W], got \(shape)")
        let (low, span) = (pixelRange.lowerBound, pixelRange.upperBound - pixelRange.lowerBound)
        let start = Tensor.uniform([count] + shape, low: low + 0.3 * span, high: low + 0.7 * span, generator: generator)
        return image(from: start, maximizing: objective, generator: generator)
    }

    // MARK: The regularisers, each a pure function of the image.

    /// x ← floor + (1 − rate) · (x − floor).
    public static func decayed(_ x: Tensor, by rate: Float, toward floor: Float = 0) -> Tensor {
        (x - floor) * (1 - rate) + floor
    }

    /// Each channel blurred by a normalised Gaussian of standard deviation `sigma` (radius ⌈2σ⌉),
    /// zeros beyond the border.
    public static func blurred(_ x: Tensor, sigma: Float) -> Tensor {
        precondition(x.rank == 4 && sigma > 0, "ActivationMaximization.blurred: [N, C, H, W] and a positive sigma")
        let radius = Int((2 * sigma).rounded(.up)), size = 2 * radius + 1
        let line = (0..<size).map { Foundation.exp(-Float(($0 - radius) * ($0 - radius)) / (2 * sigma * sigma)) }
        let total = line.reduce(0, +)
        let kernel = line.flatMap { a in line.map { a * $0 / (total * total) } }
        let channels = x.shape[1]
        let weight = Tensor(shape: [channels, 1, size, size], scalars: Array((0..<channels).map { _ in kernel }.joined()))
        return conv2d(x, weight: weight, padding: Size2D(radius), groups: channels)
    }

    /// `x` with the elements whose `score` is among the lowest `percentile` % of their image set to `value`.
    public static func clipped(_ x: Tensor, below percentile: Float, of score: Tensor, to value: Float) -> Tensor {
        let n = x.shape[0], per = x.count / max(n, 1)
        var pixels = x.contiguous().scalars
        let scores = score.contiguous().scalars
        let cut = Int((Float(per) * percentile / 100).rounded())
        for i in 0..<n where cut > 0 {
            let order = (0..<per).sorted { scores[i * per + $0] < scores[i * per + $1] }
            for k in order.prefix(cut) { pixels[i * per + k] = value }
        }
        return Tensor(shape: x.shape, scalars: pixels)
    }

    /// The images moved `dy` rows down and `dx` columns right, wrapping around.
    static func shifted(_ x: Tensor, _ dy: Int, _ dx: Int) -> Tensor {
        if dy == 0 && dx == 0 { return x }
        let (h, w) = (x.shape[2], x.shape[3]), planes = x.count / (h * w)
        let source = x.contiguous().scalars
        var out = source
        for p in 0..<planes {
            for r in 0..<h {
                for c in 0..<w { out[p * h * w + ((r + dy) % h + h) % h * w + ((c + dx) % w + w) % w] = source[p * h * w + r * w + c] }
            }
        }
        return Tensor(shape: x.shape, scalars: out)
    }
}
