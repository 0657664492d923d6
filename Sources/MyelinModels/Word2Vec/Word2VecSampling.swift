import Foundation

/// The two distributions word2vec draws from, made from a vocabulary's counts as word2vec.c and
/// gensim make them: how often an occurrence of each word is kept (subsampling of frequent words),
/// and the noise words' distribution (counts to the ¾ power), as an alias table.
public struct Word2VecSampling: Equatable, Sendable {
    /// An occurrence of word w is kept when a uniform 32-bit draw is ≤ `keep[w]`; nil keeps all.
    public let keep: [UInt32]?
    /// The noise distribution as an alias table (Walker 1977, Vose 1991): column i, drawn uniformly,
    /// gives word i when a uniform 32-bit draw is below `noiseThresholds[i]`, else `noiseAliases[i]`.
    public let noiseThresholds: [UInt32]
    public let noiseAliases: [Int32]

    /// The tables for words with `counts` (words with a count of 0, such as a vocabulary's special
    /// tokens, are never drawn as noise). `sample` is the subsampling threshold (0: keep every occurrence).
    public init(counts: [Int], sample: Double) {
        precondition(counts.contains { $0 > 0 }, "Word2VecSampling: no word has a positive count")
        precondition(sample >= 0 && sample.isFinite, "Word2VecSampling: sample must be a number ≥ 0, got \(sample)")
        let total = counts.reduce(0, +)
        keep = sample > 0 ? counts.map { Self.threshold(Self.keepProbability(count: $0, total: total, sample: sample)) } : nil
        (noiseThresholds, noiseAliases) = Self.aliasTable(counts.map { Foundation.pow(Double($0), 0.75) })
    }

    /// The chance that an occurrence of a word seen `count` times out of `total` is kept, gensim's
    /// (and word2vec.c's) formula: with t = sample·total, (√(count / t) + 1)·t / count, at most 1.
    public static func keepProbability(count: Int, total: Int, sample: Double) -> Double {
        guard count > 0 else { return 1 }
        let t = sample * Double(total), c = Double(count)
        return min(1, ((c / t).squareRoot() + 1) * t / c)
    }

    /// A probability as the 32-bit threshold a draw is compared with (≤): p·(2³² − 1), as gensim
    /// stores it, so that 1 keeps every draw.
    static func threshold(_ p: Double) -> UInt32 { UInt32((p * Double(UInt32.max)).rounded(.down)) }

    /// Vose's alias table for the distribution proportional to `weights`: each of the n columns is
    /// filled to 1/n by its own word (probability threshold/2³²) and one alias.
    static func aliasTable(_ weights: [Double]) -> (thresholds: [UInt32], aliases: [Int32]) {
        let n = weights.count, sum = weights.reduce(0, +)
        var scaled = weights.map { $0 * Double(n) / sum }
        var thresholds = [UInt32](repeating: .max, count: n), aliases = (0..<n).map(Int32.init)
        var small = scaled.indices.filter { scaled[$0] < 1 }, large = scaled.indices.filter { scaled[$0] >= 1 }
        while let s = small.popLast(), let l = large.popLast() {
            thresholds[s] = UInt32(min((scaled[s] * 0x1p32).rounded(), Double(UInt32.max - 1)))  // .max means "always"
            aliases[s] = Int32(l)
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 { small.append(l) } else { large.append(l) }
        }
        // What is left is full to rounding: its own word always (thresholds of .max, aliases of itself).
        return (thresholds, aliases)
    }

    /// The probability of each word as a noise word that the alias table gives.
    public var noiseProbabilities: [Double] {
        let n = noiseThresholds.count
        var p = [Double](repeating: 0, count: n)
        for i in 0..<n {
            // A draw u < threshold keeps column i's word; the others go to its alias. .max stands for "always".
            let own = noiseThresholds[i] == .max ? 1 : Double(noiseThresholds[i]) * 0x1p-32
            p[i] += own / Double(n)
            p[Int(noiseAliases[i])] += (1 - own) / Double(n)
        }
        return p
    }
}
