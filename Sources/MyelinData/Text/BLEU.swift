import Foundation

/// Corpus BLEU (Papineni et al. 2002), the score machine translation and captioning report: the
/// geometric mean of the modified n-gram precisions for n = 1…maxOrder, times a brevity penalty.
///
/// Counts are summed over the whole corpus before dividing, as sacrebleu's `corpus_bleu` does: an
/// n-gram of a candidate counts at most as often as it occurs in any one of its references. The
/// brevity penalty is exp(1 − r/c) when the candidates' total length c is below r, the sum of each
/// candidate's closest reference length (the shorter one on a tie). With `smoothed`, precisions for
/// n ≥ 2 are (matches + 1) / (total + 1) (Lin and Och 2004; sacrebleu's add-k with k = 1), so that
/// a short sentence without a 4-gram match does not score 0. (NLTK's `corpus_bleu` gives the same
/// except where a candidate is shorter than n, which it counts as having one n-gram.)
public struct BLEU: Equatable, Sendable {
    /// The score in [0, 1].
    public let score: Double
    /// The modified n-gram precisions, n = 1…maxOrder.
    public let precisions: [Double]
    /// exp(1 − r/c) when c < r, else 1.
    public let brevityPenalty: Double
    /// c: the candidates' total length.
    public let candidateLength: Int
    /// r: the sum of the closest reference lengths.
    public let referenceLength: Int

    /// The BLEU of `candidates[i]` against its references `references[i]` (one or more each).
    public init<Token: Hashable>(candidates: [[Token]], references: [[[Token]]], maxOrder: Int = 4, smoothed: Bool = false) {
        precondition(maxOrder >= 1, "BLEU: maxOrder must be at least 1, got \(maxOrder)")
        precondition(
            candidates.count == references.count,
            "BLEU: \(candidates.count) candidates but \(references.count) lists of references")
        precondition(references.allSatisfy { !$0.isEmpty }, "BLEU: every candidate needs at least one reference")
        var matches = [Int](repeating: 0, count: maxOrder), totals = [Int](repeating: 0, count: maxOrder)
        var c = 0, r = 0
        for (candidate, candidateReferences) in zip(candidates, references) {
            c += candidate.count
            // The closest reference length, the shorter on a tie.
            r += candidateReferences.map(\.count).min { (abs($0 - candidate.count), $0) < (abs($1 - candidate.count), $1) }!
            for n in 1...maxOrder {
                let counts = Self.nGrams(candidate, n)
                var clip: [ArraySlice<Token>: Int] = [:]
                for reference in candidateReferences {
                    for (gram, count) in Self.nGrams(reference, n) { clip[gram] = max(clip[gram] ?? 0, count) }
                }
                matches[n - 1] += counts.reduce(0) { $0 + min($1.value, clip[$1.key] ?? 0) }
                totals[n - 1] += max(0, candidate.count - n + 1)
            }
        }
        precisions = (0..<maxOrder).map { i in
            if smoothed && i > 0 { return Double(matches[i] + 1) / Double(totals[i] + 1) }
            return totals[i] == 0 ? 0 : Double(matches[i]) / Double(totals[i])
        }
        brevityPenalty = c == 0 ? 0 : (c < r ? exp(1 - Double(r) / Double(c)) : 1)
        candidateLength = c
        referenceLength = r
        score = precisions.contains(0) ? 0 : brevityPenalty * exp(precisions.map { log($0) }.reduce(0, +) / Double(maxOrder))
    }

    private static func nGrams<Token: Hashable>(_ tokens: [Token], _ n: Int) -> [ArraySlice<Token>: Int] {
        var counts: [ArraySlice<Token>: Int] = [:]
        if tokens.count >= n {
            for start in 0...(tokens.count - n) { counts[tokens[start..<start + n], default: 0] += 1 }
        }
        return counts
    }
}
