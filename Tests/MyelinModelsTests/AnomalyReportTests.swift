import MyelinModels
import Testing

@Suite struct AnomalyReportTests {
    // Class 0 is seen; 1 and 2 are the anomalies. Worked by hand: every unseen score beats both
    // seen ones but 0.15, which beats 0.1 only (5 of 6 pairs); class 1 alone wins 3 of 4.
    let report = AnomalyReport(scores: [0.1, 0.2, 0.9, 0.8, 0.15], labels: [0, 0, 1, 2, 1], seen: [0])

    @Test func curvesMeansAndRanks() {
        #expect(report.unseenClasses == [1, 2])
        #expect(report.unseen == [false, false, true, true, true])
        #expect(abs(report.overall.area - 5.0 / 6) < 1e-12)
        #expect(report.perClass.map(\.label) == [1, 2])
        #expect(report.perClass.map(\.curve.area) == [0.75, 1])
        #expect(abs(report.meanScore(of: 1) - 0.525) < 1e-7)
        #expect(report.highest(2) == [2, 3] && report.lowest(2) == [0, 4] && report.missed(1) == [4])
    }

    @Test func namedAreasAndSummary() {
        #expect(
            report.areas(classNoun: "digit").map(\.name) == [
                "ROC AUC, unseen digits 1, 2 against seen", "ROC AUC, digit 1 against seen", "ROC AUC, digit 2 against seen",
            ])
        #expect(
            report.summary(score: "error", unit: "per pixel", classNoun: "digit") == [
                "ROC AUC of error, unseen digits (1, 2) against seen (0): 0.8333",
                "Per digit — mean error (per pixel) and, for unseen digits, AUC against the seen ones:",
                "  0 seen    0.15000",
                "  1 unseen  0.52500  AUC 0.7500",
                "  2 unseen  0.80000  AUC 1.0000",
            ])
    }
}
