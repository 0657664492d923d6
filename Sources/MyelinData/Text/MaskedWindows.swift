import MyelinTensor

/// Windows of text with some characters hidden, for a masked language model (BERT): the model sees
/// `input` and learns the characters at `positions`, which are `targets`.
///
/// Shapes: input [N, T] int64 (character ids, or the mask id); positions [M] int64, flat indices
/// b·T + t into the input, in increasing order; targets [M] int64, the original characters there.
public struct MaskedBatch {
    public let input: Tensor
    public let positions: Tensor
    public let targets: Tensor
}

/// BERT's masking rule (Devlin et al. 2019, as Google's create_pretraining_data.py does it): in every
/// window of T characters, exactly max(1, round(0.15·T)) positions are chosen, uniformly without
/// replacement, and only they are learned. Each chosen character, independently, is replaced by
/// the mask id with probability 0.8, by a character drawn uniformly from the V of the vocabulary
/// (possibly itself) with probability 0.1, and left as it is with probability 0.1. The positions
/// not chosen keep their characters and carry no loss.
public struct BERTMasking: Sendable {
    /// The id that stands for a hidden character (V, one past the characters': `CharBERT.maskID`).
    public let maskID: Int
    /// The characters a random replacement is drawn from: ids 0..<V.
    public let vocabularySize: Int
    public static let selectedFraction = 0.15

    public init(maskID: Int, vocabularySize: Int) {
        precondition(vocabularySize > 0, "BERTMasking: vocabularySize must be positive, got \(vocabularySize)")
        self.maskID = maskID
        self.vocabularySize = vocabularySize
    }

    /// The positions chosen in a window of `length`: max(1, round(0.15·length)), at most `length`.
    public static func selectedCount(window length: Int) -> Int {
        min(length, max(1, Int((Self.selectedFraction * Double(length)).rounded())))
    }

    /// Masks each window of `length` ids in `windows` (N·length ids, window after window), drawing
    /// every choice from `generator`: first the chosen positions of a window, then what each becomes.
    public func mask(_ windows: [Int32], window length: Int, generator: RandomGenerator) -> MaskedBatch {
        precondition(
            length > 0 && !windows.isEmpty && windows.count % length == 0,
            "BERTMasking.mask: \(windows.count) ids are not whole windows of \(length)")
        let count = windows.count / length, chosen = Self.selectedCount(window: length)
        var input = windows.map(Int.init), positions: [Int] = [], targets: [Int] = []
        positions.reserveCapacity(count * chosen)
        targets.reserveCapacity(count * chosen)
        var order = Array(0..<length)
        for w in 0..<count {
            // A partial Fisher–Yates shuffle: its first `chosen` entries are a uniform sample.
            for i in 0..<chosen { order.swapAt(i, i + generator.integer(below: length - i)) }
            for t in order[0..<chosen].sorted() {
                let p = w * length + t
                positions.append(p)
                targets.append(input[p])
                switch generator.integer(below: 10) {
                case 0..<8: input[p] = maskID
                case 8: input[p] = generator.integer(below: vocabularySize)
                default: break
                }
            }
        }
        return MaskedBatch(
            input: Tensor(shape: [count, length], integers: input), positions: Tensor(shape: [positions.count], integers: positions),
            targets: Tensor(shape: [targets.count], integers: targets))
    }
}

/// Training batches for a masked language model: `batchSize` windows of `window` characters at
/// random starts s ~ U{0 … n − window}, masked by BERT's rule, all drawn from one seeded generator.
public struct RandomMaskedWindows {
    public let ids: [Int32]
    public let batchSize: Int
    public let window: Int
    public let masking: BERTMasking
    public let generator: RandomGenerator

    public init(_ ids: [Int32], batchSize: Int, window: Int, masking: BERTMasking, generator: RandomGenerator = .global) {
        precondition(
            batchSize > 0 && window > 0 && ids.count >= window,
            "RandomMaskedWindows: \(ids.count) ids cannot make batches of \(batchSize) windows of \(window)")
        self.ids = ids
        self.batchSize = batchSize
        self.window = window
        self.masking = masking
        self.generator = generator
    }

    /// The next batch: fresh starts, fresh masks.
    public func next() -> MaskedBatch {
        var windows: [Int32] = []
        windows.reserveCapacity(batchSize * window)
        for _ in 0..<batchSize {
            let s = generator.integer(below: ids.count - window + 1)
            windows += ids[s..<s + window]
        }
        return masking.mask(windows, window: window, generator: generator)
    }
}

/// The validation set of a masked language model: `ids` cut into non-overlapping windows j = 0 ..< n / window
/// (the rest dropped), masked once by BERT's rule with a generator of `seed`, in batches of up to
/// `batchSize` windows. The same every time, so every evaluation, and every baseline, scores the same positions.
public func maskedValidationWindows(
    _ ids: [Int32], window: Int, masking: BERTMasking, seed: UInt64, batchSize: Int = 256
) -> [MaskedBatch] {
    precondition(batchSize > 0 && window > 0, "maskedValidationWindows: batchSize and window must be positive")
    let generator = RandomGenerator(seed: seed), count = ids.count / window
    return stride(from: 0, to: count, by: batchSize).map { first in
        let last = min(first + batchSize, count)
        return masking.mask(Array(ids[first * window..<last * window]), window: window, generator: generator)
    }
}
