/// Exact-match accuracy by source length: the pairs in buckets of `width` tokens (1…width,
/// width+1…2·width, …), each bucket's count and how many were translated exactly.
public struct ExactMatchByLength: Equatable, Sendable {
    public struct Bucket: Equatable, Sendable {
        public let lengths: ClosedRange<Int>
        public let count: Int
        public let correct: Int
        public var accuracy: Double { Double(correct) / Double(count) }
        /// "11–20", or "9" for a bucket of one length.
        public var name: String { lengths.count == 1 ? "\(lengths.lowerBound)" : "\(lengths.lowerBound)–\(lengths.upperBound)" }
    }

    /// The buckets that hold any pair, shortest first.
    public let buckets: [Bucket]

    public init(lengths: [Int], matches: [Bool], width: Int) {
        precondition(
            lengths.count == matches.count && width > 0,
            "ExactMatchByLength: \(lengths.count) lengths for \(matches.count) matches, width \(width)")
        var tally: [Int: (count: Int, correct: Int)] = [:]
        for (length, match) in zip(lengths, matches) {
            let k = (max(length, 1) - 1) / width
            tally[k, default: (0, 0)].count += 1
            if match { tally[k]!.correct += 1 }
        }
        buckets = tally.keys.sorted().map { k in
            Bucket(lengths: (k * width + 1)...((k + 1) * width), count: tally[k]!.count, correct: tally[k]!.correct)
        }
    }

    public var count: Int { buckets.reduce(0) { $0 + $1.count } }
    public var accuracy: Double { Double(buckets.reduce(0) { $0 + $1.correct }) / Double(count) }
}
