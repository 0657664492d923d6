import Foundation
import MyelinData

/// How well an anomaly score (an autoencoder's reconstruction error, say) tells the classes a
/// model never learned from the ones it did: the ROC curve of every unseen class together against
/// the seen ones, one per unseen class against the seen alone, each class's mean score, and the
/// examples ranked by score.
///
/// ```swift
/// let report = AnomalyReport(scores: reconstructionErrors(of: model, on: test), labels: test.labels, seen: [0, 1, 2, 3, 4])
/// print(report.overall.area, report.perClass.map(\.curve.area))
/// ```
public struct AnomalyReport {
    public let scores: [Float]
    public let labels: [Int]
    public let seenClasses: [Int]
    /// The classes among `labels` that are not seen, in order.
    public let unseenClasses: [Int]
    /// Whether each example is of an unseen class (the positives).
    public let unseen: [Bool]
    public let overall: ROCCurve
    /// Each unseen class's examples against the seen ones alone.
    public let perClass: [(label: Int, curve: ROCCurve)]

    public init(scores: [Float], labels: [Int], seen seenClasses: [Int]) {
        precondition(scores.count == labels.count, "AnomalyReport: \(scores.count) scores for \(labels.count) labels")
        self.scores = scores
        self.labels = labels
        self.seenClasses = seenClasses
        let seen = Set(seenClasses)
        unseenClasses = Set(labels).subtracting(seen).sorted()
        let unseen = labels.map { !seen.contains($0) }
        self.unseen = unseen
        overall = ROCCurve(scores: scores, positives: unseen)
        perClass = unseenClasses.map { label in
            let indices = labels.indices.filter { labels[$0] == label || !unseen[$0] }
            return (label, ROCCurve(scores: indices.map { scores[$0] }, positives: indices.map { labels[$0] == label }))
        }
    }

    /// The mean score of the examples of `label` (NaN when there are none).
    public func meanScore(of label: Int) -> Double {
        let own = labels.indices.filter { labels[$0] == label }
        return own.reduce(0) { $0 + Double(scores[$1]) } / Double(own.count)
    }

    /// The indices of the `count` highest-scoring examples, highest first.
    public func highest(_ count: Int) -> [Int] { Array(ranked.prefix(count)) }

    /// The indices of the `count` lowest-scoring examples, lowest first.
    public func lowest(_ count: Int) -> [Int] { Array(ranked.suffix(count).reversed()) }

    /// The unseen examples that scored lowest — the anomalies the score misses — lowest first.
    public func missed(_ count: Int) -> [Int] { Array(ranked.filter { unseen[$0] }.suffix(count).reversed()) }

    /// The scores of the seen examples and of the unseen ones.
    public var seenAndUnseenScores: (seen: [Float], unseen: [Float]) {
        (labels.indices.filter { !unseen[$0] }.map { scores[$0] }, labels.indices.filter { unseen[$0] }.map { scores[$0] })
    }

    /// The areas under the ROC curves, named for a table of results: every unseen class together,
    /// then each alone. `noun` names one class ("digit").
    public func areas(classNoun noun: String) -> [(name: String, area: Double)] {
        [("ROC AUC, unseen \(noun)s \(listed(unseenClasses)) against seen", overall.area)]
            + perClass.map { ("ROC AUC, \(noun) \($0.label) against seen", $0.curve.area) }
    }

    /// The report in words, one line each: the AUC of every unseen class against the seen ones,
    /// then each class's mean score and, for an unseen class, its own AUC. `score` names the score
    /// ("reconstruction error"), `unit` its unit, `noun` one class ("digit").
    public func summary(score: String, unit: String, classNoun noun: String) -> [String] {
        let rows = Set(labels).sorted().map { label in
            let auc = perClass.first { $0.label == label }.map { String(format: "  AUC %.4f", $0.curve.area) } ?? ""
            let kind = seenClasses.contains(label) ? "seen  " : "unseen"
            return "  \(label) \(kind)  \(String(format: "%.5f", meanScore(of: label)))\(auc)"
        }
        return [
            "ROC AUC of \(score), unseen \(noun)s (\(listed(unseenClasses))) against seen (\(listed(seenClasses))): "
                + String(format: "%.4f", overall.area),
            "Per \(noun) — mean \(score) (\(unit)) and, for unseen \(noun)s, AUC against the seen ones:",
        ] + rows
    }

    private var ranked: [Int] { scores.indices.sorted { scores[$0] > scores[$1] } }
}

/// Classes as "0, 1, 2".
private func listed(_ classes: [Int]) -> String { classes.map(String.init).joined(separator: ", ") }
