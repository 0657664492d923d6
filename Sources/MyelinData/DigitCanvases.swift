import MyelinTensor

/// A semantic-segmentation data set made from MNIST: square canvases (64×64 by default) holding 1–3
/// digits at random places and sizes, with a class for every pixel — 0 for the background, 1 + d
/// for the pixels of a digit d. Later digits are drawn over earlier ones.
///
/// Each canvas is laid out once, when the set is made, by a generator of `seed`: how many digits,
/// which source images, their sizes (each 28×28 digit resized bilinearly to a side in one of
/// `digitSizeBands`) and their places (wholly inside the canvas, each square overlapping an earlier
/// one by at most `maximumOverlap` of the smaller, and its centre `separation` clear of the
/// diagonals through the earlier ones' centres). Pixels are drawn on demand, so a set
/// of any size costs only its layouts, and the same seed gives the same canvases, in any order and
/// on any thread. A pixel's intensity is the brightest digit's there; its class is that of the
/// last digit whose resized intensity there is above `threshold` (the anti-aliased rims below it
/// are background).
///
/// Examples: input [1, side, side] float32 in 0…1, label [side, side] int64 in 0..<11. Batches:
/// [B, 1, side, side] and [B, side, side], as `crossEntropy` and `diceLoss` take labels.
///
/// ```swift
/// let train = DigitCanvases(try MNIST(split: .train), count: 10_000, seed: 1)
/// let test = DigitCanvases(try MNIST(split: .test), count: 1_000, seed: 2)
/// ```
public struct DigitCanvases: Dataset {
    /// How canvases are laid out.
    public struct Configuration: Codable, Equatable, Sendable {
        /// The canvas's width and height in pixels.
        public var side: Int
        /// How many digits a canvas holds (uniformly drawn).
        public var digitsPerCanvas: ClosedRange<Int>
        /// The sides a 28×28 digit may be resized to (MNIST's digit fills about 20 of its 28): a band
        /// is drawn uniformly, then a side in it. Bands with gaps between them make sizes that can
        /// be told apart ("small", "large").
        public var digitSizeBands: [ClosedRange<Int>]
        /// A resized digit's pixels above this intensity are the digit's; the rest are background.
        public var threshold: Float
        /// How much of a digit's square may lie under or over an earlier digit's, as a fraction of
        /// the smaller square (1: any overlap).
        public var maximumOverlap: Float
        /// Every two digits' centres lie at least this many pixels further apart along one axis than
        /// along the other, so that which lies left of or above which is never a toss-up (0: no rule).
        public var separation: Int

        // Digits may touch and cross, but one hidden under another could not be named by anyone:
        // a quarter of the smaller square is as far as they go.
        public init(
            side: Int = 64, digitsPerCanvas: ClosedRange<Int> = 1...3, digitSizes: ClosedRange<Int> = 20...36, threshold: Float = 0.5,
            maximumOverlap: Float = 0.25, separation: Int = 0
        ) {
            self.init(
                side: side, digitsPerCanvas: digitsPerCanvas, digitSizeBands: [digitSizes], threshold: threshold,
                maximumOverlap: maximumOverlap, separation: separation)
        }

        public init(
            side: Int, digitsPerCanvas: ClosedRange<Int>, digitSizeBands: [ClosedRange<Int>], threshold: Float = 0.5,
            maximumOverlap: Float, separation: Int
        ) {
            self.side = side
            self.digitsPerCanvas = digitsPerCanvas
            self.digitSizeBands = digitSizeBands
            self.threshold = threshold
            self.maximumOverlap = maximumOverlap
            self.separation = separation
        }

        /// Whether canvases can be laid out: at least one digit each, and every size fits the canvas.
        public var isValid: Bool {
            side > 0 && side <= 4096 && digitsPerCanvas.lowerBound >= 1 && !digitSizeBands.isEmpty
                && digitSizeBands.allSatisfy { $0.lowerBound >= 1 && $0.upperBound <= side } && threshold >= 0 && threshold < 1
                && maximumOverlap >= 0 && maximumOverlap <= 1 && separation >= 0
        }

        /// The band of `digitSizeBands` that holds `size`, if any.
        public func band(ofSize size: Int) -> Int? { digitSizeBands.firstIndex { $0.contains(size) } }
    }

    /// One digit on a canvas: which source image, its class, its top-left corner and its side.
    public struct Placement: Equatable, Sendable {
        /// The index of the digit's 28×28 image among the source images.
        public var source: Int
        /// The digit, 0…9 (its pixels are class 1 + digit).
        public var digit: Int
        public var x: Int
        public var y: Int
        public var size: Int

        public init(source: Int, digit: Int, x: Int, y: Int, size: Int) {
            self.source = source
            self.digit = digit
            self.x = x
            self.y = y
            self.size = size
        }

        /// The area two digits' squares share, as a fraction of the smaller square.
        public func overlap(with other: Placement) -> Float {
            let width = min(x + size, other.x + other.size) - max(x, other.x)
            let height = min(y + size, other.y + other.size) - max(y, other.y)
            guard width > 0 && height > 0 else { return 0 }
            return Float(width * height) / Float(min(size, other.size) * min(size, other.size))
        }

        /// How much further apart two digits' centres lie along one axis than along the other, in pixels.
        public func axisSeparation(from other: Placement) -> Float {
            // Twice the centres, to stay in whole numbers.
            let dx = abs(2 * x + size - 2 * other.x - other.size), dy = abs(2 * y + size - 2 * other.y - other.size)
            return Float(abs(dx - dy)) / 2
        }
    }

    /// Background and the ten digits.
    public static let classCount = 11
    /// The classes' names, in class order: "background", "0", …, "9".
    public static let classNames = ["background"] + (0...9).map(String.init)

    public let configuration: Configuration
    /// Each canvas's digits, in drawing order.
    public let layouts: [[Placement]]
    /// The source digits: 784 pixels in 0…1 each, row-major.
    private let sourcePixels: [Float]

    /// `count` canvases of the digits of `mnist` (which must be scaled to 0…1, its default), laid
    /// out by a generator of `seed`.
    public init(_ mnist: MNIST, count: Int, seed: UInt64, configuration: Configuration = Configuration()) {
        precondition(mnist.scaling == .unitInterval, "DigitCanvases: MNIST must be scaled to 0…1 (.unitInterval), got \(mnist.scaling)")
        self.init(digits: mnist.images, labels: mnist.labels, count: count, seed: seed, configuration: configuration)
    }

    /// `count` canvases of `digits` (28×28 images in 0…1, one after another) labelled `labels`
    /// (0…9), laid out by a generator of `seed`.
    public init(digits: [Float], labels: [Int], count: Int, seed: UInt64, configuration: Configuration = Configuration()) {
        precondition(configuration.isValid, "DigitCanvases: configuration \(configuration) cannot be laid out")
        precondition(
            !labels.isEmpty && digits.count == labels.count * 784,
            "DigitCanvases: \(digits.count) pixels are not 784 for each of \(labels.count) digits")
        precondition(labels.allSatisfy { (0...9).contains($0) }, "DigitCanvases: labels must be digits 0…9")
        precondition(count >= 0, "DigitCanvases: count must be ≥ 0, got \(count)")
        let random = RandomGenerator(seed: seed)
        func draw(_ range: ClosedRange<Int>) -> Int { range.lowerBound + random.integer(below: range.count) }
        let side = configuration.side, bands = configuration.digitSizeBands
        layouts = (0..<count).map { _ in
            var placed: [Placement] = []
            for _ in 0..<draw(configuration.digitsPerCanvas) {
                let source = random.integer(below: labels.count)
                // One band draws none, so that canvases laid out before there were bands stay the same.
                let size = draw(bands.count == 1 ? bands[0] : bands[random.integer(below: bands.count)])
                // A digit that finds no place within the overlap allowed in 20 tries is left out.
                for _ in 0..<20 {
                    let candidate = Placement(
                        source: source, digit: labels[source], x: random.integer(below: side - size + 1),
                        y: random.integer(below: side - size + 1), size: size)
                    if placed.allSatisfy({
                        $0.overlap(with: candidate) <= configuration.maximumOverlap
                            && $0.axisSeparation(from: candidate) >= Float(configuration.separation)
                    }) {
                        placed.append(candidate)
                        break
                    }
                }
            }
            return placed
        }
        self.configuration = configuration
        sourcePixels = digits
    }

    public var count: Int { layouts.count }

    /// Canvas `index`'s pixels and classes, row-major, `side × side` each.
    public func render(_ index: Int) -> (pixels: [Float], classes: [Int]) {
        precondition(index >= 0 && index < count, "DigitCanvases: index \(index) is out of range for \(count) canvases")
        let side = configuration.side
        var pixels = [Float](repeating: 0, count: side * side), classes = [Int](repeating: 0, count: side * side)
        for placement in layouts[index] {
            let digit = resized(placement.source, to: placement.size)
            for row in 0..<placement.size {
                for column in 0..<placement.size {
                    let value = digit[row * placement.size + column], at = (placement.y + row) * side + placement.x + column
                    pixels[at] = max(pixels[at], value)
                    if value > configuration.threshold { classes[at] = 1 + placement.digit }
                }
            }
        }
        return (pixels, classes)
    }

    /// Source digit `source` resized to `size`×`size` by bilinear interpolation between pixel
    /// centres (PyTorch's `align_corners=False`), edges clamped.
    private func resized(_ source: Int, to size: Int) -> [Float] {
        let base = source * 784, scale = 28 / Float(size)
        // Where each output row or column samples the source: the two neighbours and the weight of the second.
        let taps = (0..<size).map { i -> (Int, Int, Float) in
            let position = min(max((Float(i) + 0.5) * scale - 0.5, 0), 27)
            let low = Int(position)
            return (low, min(low + 1, 27), position - Float(low))
        }
        var out = [Float](repeating: 0, count: size * size)
        for (row, (top, bottom, wy)) in taps.enumerated() {
            for (column, (left, right, wx)) in taps.enumerated() {
                let upper = sourcePixels[base + top * 28 + left] * (1 - wx) + sourcePixels[base + top * 28 + right] * wx
                let lower = sourcePixels[base + bottom * 28 + left] * (1 - wx) + sourcePixels[base + bottom * 28 + right] * wx
                out[row * size + column] = upper * (1 - wy) + lower * wy
            }
        }
        return out
    }

    public func example(at index: Int) -> (input: Tensor, label: Tensor) {
        let (pixels, classes) = render(index)
        let side = configuration.side
        return (Tensor(shape: [1, side, side], scalars: pixels), Tensor(shape: [side, side], integers: classes))
    }

    public func batch(at indices: [Int]) -> (inputs: Tensor, labels: Tensor) {
        let side = configuration.side
        var pixels: [Float] = [], classes: [Int] = []
        pixels.reserveCapacity(indices.count * side * side)
        classes.reserveCapacity(indices.count * side * side)
        for index in indices {
            let canvas = render(index)
            pixels += canvas.pixels
            classes += canvas.classes
        }
        return (
            Tensor(shape: [indices.count, 1, side, side], scalars: pixels), Tensor(shape: [indices.count, side, side], integers: classes)
        )
    }
}
