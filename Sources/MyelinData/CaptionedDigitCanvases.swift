import MyelinTensor

/// An image-captioning data set made from MNIST: `DigitCanvases` of 1–3 digits, each with a caption
/// made in code from its layout, such as "a 3 left of a large 7" or "an 8 above a small 2".
///
/// The grammar has one caption per layout, so an exact match is a fair test:
/// - each digit is named "a" (or "an" before 8) [size] DIGIT, with "small" for a digit of the
///   first size band, "large" for one of the last and no word for the bands between (with one
///   band, no size words at all);
/// - the digits are named in the order of x + y of their centres (left to right and top to bottom
///   at once), and between two named one after the other stands "left of" when their centres lie
///   further apart across than down, "above" otherwise. (In that order the first is never right of
///   or below the second, so the grammar needs no "right of" or "below".)
/// With a `separation` in the layout, no two digits lie near a diagonal of each other, so neither
/// the order nor the relation is ever a toss-up.
///
/// Examples: input [1, side, side] float32 in 0…1, label [maxLength] int64: the caption's ids in
/// `vocabulary`, padded with `WordVocabulary.paddingID` (no start or end token). Batches: [B, 1,
/// side, side] and [B, maxLength]; `PaddedBatch.teacherForcing` makes a decoder's input and target.
///
/// ```swift
/// let train = CaptionedDigitCanvases(try MNIST(split: .train), count: 20_000, seed: 1)
/// train.caption(at: 0)  // "a small 3 left of an 8"
/// ```
public struct CaptionedDigitCanvases: Dataset {
    /// Every word the grammar writes.
    public static let words = ["a", "an", "small", "large", "left", "of", "above"] + (0...9).map(String.init)
    /// The caption vocabulary: the four special tokens, then `words` in code-point order.
    public static let vocabulary = WordVocabulary(counting: words)

    /// The layout the captions are made for: 64×64 canvases, digits of three sizes with gaps
    /// between (14–17 "small", 22–26 unnamed, 31–36 "large" pixels, scaled with `side`), squares
    /// overlapping by at most a tenth, centres 6 pixels (scaled) clear of each other's diagonals.
    public static func standardConfiguration(side: Int = 64, digitsPerCanvas: ClosedRange<Int> = 1...3) -> DigitCanvases.Configuration {
        func scaled(_ pixels: Int) -> Int { max(1, (pixels * side + 32) / 64) }
        return DigitCanvases.Configuration(
            side: side, digitsPerCanvas: digitsPerCanvas,
            digitSizeBands: [14...17, 22...26, 31...36].map { scaled($0.lowerBound)...scaled($0.upperBound) },
            maximumOverlap: 0.1, separation: scaled(6))
    }

    /// The canvases and their layouts.
    public let canvases: DigitCanvases
    /// Each canvas's caption, as words.
    public let captions: [[String]]
    /// The padded length of a label: the longest caption the configuration allows.
    public let maxLength: Int

    /// `count` captioned canvases of the digits of `mnist` (scaled to 0…1), laid out by a generator of `seed`.
    public init(_ mnist: MNIST, count: Int, seed: UInt64, configuration: DigitCanvases.Configuration = standardConfiguration()) {
        self.init(DigitCanvases(mnist, count: count, seed: seed, configuration: configuration))
    }

    /// Captions for `canvases`.
    public init(_ canvases: DigitCanvases) {
        self.canvases = canvases
        captions = canvases.layouts.map { Self.caption(of: $0, configuration: canvases.configuration) }
        maxLength = Self.longestCaption(digits: canvases.configuration.digitsPerCanvas.upperBound)
    }

    /// The caption of a layout under the grammar above.
    public static func caption(of layout: [DigitCanvases.Placement], configuration: DigitCanvases.Configuration) -> [String] {
        // Twice the centres, to stay in whole numbers; a stable sort keeps drawing order on a tie.
        let named = layout.enumerated().sorted { a, b in
            let (ka, kb) = (2 * (a.element.x + a.element.y) + 2 * a.element.size, 2 * (b.element.x + b.element.y) + 2 * b.element.size)
            return ka < kb || (ka == kb && a.offset < b.offset)
        }.map(\.element)
        var words = [String]()
        for (k, digit) in named.enumerated() {
            if k > 0 {
                let previous = named[k - 1]
                let dx = abs(2 * digit.x + digit.size - 2 * previous.x - previous.size)
                let dy = abs(2 * digit.y + digit.size - 2 * previous.y - previous.size)
                words += dx > dy ? ["left", "of"] : ["above"]
            }
            let size = sizeWord(for: digit.size, configuration: configuration)
            words.append((size ?? String(digit.digit)) == "8" ? "an" : "a")
            if let size { words.append(size) }
            words.append(String(digit.digit))
        }
        return words
    }

    /// "small" for a size in the first band, "large" in the last, nil between (and with one band).
    public static func sizeWord(for size: Int, configuration: DigitCanvases.Configuration) -> String? {
        let bands = configuration.digitSizeBands.count
        guard bands > 1, let band = configuration.band(ofSize: size) else { return nil }
        return band == 0 ? "small" : band == bands - 1 ? "large" : nil
    }

    /// The most words a caption of `digits` digits can have: "a small 3" each, "left of" between.
    public static func longestCaption(digits: Int) -> Int { 3 * digits + 2 * max(digits - 1, 0) }

    public var count: Int { canvases.count }

    /// Canvas `index`'s caption as text ("a 3 left of a large 7").
    public func caption(at index: Int) -> String { WordTokenizer().text(captions[index]) }

    /// How many digits canvas `index` holds.
    public func digitCount(at index: Int) -> Int { canvases.layouts[index].count }

    /// Canvas `index`'s caption as ids of `vocabulary`.
    public func captionIDs(at index: Int) -> [Int32] { Self.vocabulary.encode(captions[index]) }

    public func example(at index: Int) -> (input: Tensor, label: Tensor) {
        let side = canvases.configuration.side
        return (
            Tensor(shape: [1, side, side], scalars: canvases.render(index).pixels),
            PaddedBatch([captionIDs(at: index)], length: maxLength).tokens.reshaped([maxLength])
        )
    }

    public func batch(at indices: [Int]) -> (inputs: Tensor, labels: Tensor) {
        let side = canvases.configuration.side
        var pixels: [Float] = []
        pixels.reserveCapacity(indices.count * side * side)
        for index in indices { pixels += canvases.render(index).pixels }
        return (
            Tensor(shape: [indices.count, 1, side, side], scalars: pixels),
            PaddedBatch(indices.map(captionIDs(at:)), length: maxLength).tokens
        )
    }
}
