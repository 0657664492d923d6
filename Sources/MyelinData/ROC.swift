import MyelinTensor

/// The area under the ROC curve of `scores` for telling `positives` from the rest: the chance that a
/// random positive scores higher than a random negative, a tie counting one half (the Mann–Whitney
/// U statistic divided by positives × negatives). 1 separates them perfectly, 0.5 is chance, 0 is
/// perfectly backwards.
///
/// `scores[i]` belongs to example i, which is a positive when `positives[i]`. Both arrays must have
/// the same length and hold at least one positive and one negative; scores may not be NaN.
public func rocAUC<S: BinaryFloatingPoint>(scores: [S], positives: [Bool]) -> Double {
    area(of: tiedGroups(scores: scores, positives: positives, caller: "rocAUC"))
}

/// The ROC curve of `scores` for telling `positives` from the rest: for every threshold, the
/// fraction of positives scoring at or above it (true-positive rate) against the fraction of
/// negatives that do (false-positive rate).
///
/// `points` run from (0, 0) — nothing flagged — through one point per distinct score, highest
/// first, to (1, 1); tied scores move both rates at once, so the trapezoids under the points add up
/// to `area`, which is `rocAUC(scores:positives:)`.
public struct ROCCurve: Sendable {
    public struct Point: Equatable, Sendable {
        public var falsePositiveRate: Double
        public var truePositiveRate: Double
        /// The score at or above which examples are flagged (+∞ for the first point).
        public var threshold: Double
    }

    public let points: [Point]
    public let area: Double
    public let positiveCount: Int
    public let negativeCount: Int

    public init<S: BinaryFloatingPoint>(scores: [S], positives: [Bool]) {
        let groups = tiedGroups(scores: scores, positives: positives, caller: "ROCCurve")
        positiveCount = groups.reduce(0) { $0 + $1.positives }
        negativeCount = groups.reduce(0) { $0 + $1.negatives }
        var points = [Point(falsePositiveRate: 0, truePositiveRate: 0, threshold: .infinity)]
        var truePositives = 0, falsePositives = 0
        for group in groups.reversed() {
            truePositives += group.positives
            falsePositives += group.negatives
            points.append(
                Point(
                    falsePositiveRate: Double(falsePositives) / Double(negativeCount),
                    truePositiveRate: Double(truePositives) / Double(positiveCount), threshold: group.score))
        }
        self.points = points
        area = MyelinData.area(of: groups)
    }
}

/// The Mann–Whitney U of tied groups over positives × negatives: counting the (positive, negative)
/// pairs in order, each positive beats the negatives of every lower score and ties half of those
/// with its own.
private func area(of groups: [(score: Double, positives: Int, negatives: Int)]) -> Double {
    var pairs = 0.0, positives = 0, negativesBelow = 0
    for group in groups {
        pairs += Double(group.positives) * (Double(negativesBelow) + 0.5 * Double(group.negatives))
        positives += group.positives
        negativesBelow += group.negatives
    }
    return pairs / (Double(positives) * Double(negativesBelow))
}

/// The distinct scores in increasing order, with how many positives and negatives have each.
private func tiedGroups<S: BinaryFloatingPoint>(scores: [S], positives: [Bool], caller: String)
    -> [(score: Double, positives: Int, negatives: Int)]
{
    precondition(
        scores.count == positives.count,
        "\(caller): \(scores.count) scores for \(positives.count) positive/negative labels")
    if let bad = scores.firstIndex(where: { $0.isNaN }) { preconditionFailure("\(caller): score \(bad) is NaN") }
    let positiveCount = positives.filter { $0 }.count
    precondition(
        positiveCount > 0 && positiveCount < positives.count,
        "\(caller): needs at least one positive and one negative, got \(positiveCount) positives among \(positives.count) examples")
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    var groups: [(score: Double, positives: Int, negatives: Int)] = []
    for i in order {
        let score = Double(scores[i])
        if groups.last?.score != score { groups.append((score, 0, 0)) }
        if positives[i] { groups[groups.count - 1].positives += 1 } else { groups[groups.count - 1].negatives += 1 }
    }
    return groups
}
