import Foundation
import MyelinData
import Testing

/// The trapezoids under a curve's points.
private func trapezoidArea(_ curve: ROCCurve) -> Double {
    zip(curve.points, curve.points.dropFirst()).reduce(0) { area, pair in
        area + (pair.1.falsePositiveRate - pair.0.falsePositiveRate) * (pair.0.truePositiveRate + pair.1.truePositiveRate) / 2
    }
}

@Suite struct ROCTests {
    @Test func perfectReversedAndAllTied() {
        let positives = [false, false, true, true]
        #expect(rocAUC(scores: [0.1, 0.2, 0.8, 0.9] as [Float], positives: positives) == 1)
        #expect(rocAUC(scores: [0.9, 0.8, 0.2, 0.1] as [Float], positives: positives) == 0)
        // Every pair tied: each counts one half.
        #expect(rocAUC(scores: [3, 3, 3, 3] as [Double], positives: positives) == 0.5)
    }

    @Test func handExampleWithTies() {
        // Positives score 0.9, 0.5, 0.5; negatives 0.7, 0.5, 0.1. Of the 9 (positive, negative) pairs,
        // 0.9 beats all three (3); each 0.5 beats 0.1 (1) and ties 0.5 (½) and loses to 0.7: 1.5 each.
        // U = 3 + 1.5 + 1.5 = 6, AUC = 6 / 9.
        let scores: [Float] = [0.9, 0.7, 0.5, 0.5, 0.5, 0.1]
        let positives = [true, false, true, true, false, false]
        #expect(abs(rocAUC(scores: scores, positives: positives) - 6.0 / 9) < 1e-15)

        let curve = ROCCurve(scores: scores, positives: positives)
        #expect(curve.positiveCount == 3 && curve.negativeCount == 3)
        // Thresholds +∞, 0.9, 0.7, 0.5 (two positives and a negative at once), 0.1.
        let third = 1.0 / 3, twoThirds = 2.0 / 3
        let falsePositiveRates: [Double] = [0, 0, third, twoThirds, 1], truePositiveRates: [Double] = [0, third, third, 1, 1]
        let thresholds: [Double] = [.infinity, Double(Float(0.9)), Double(Float(0.7)), 0.5, Double(Float(0.1))]
        #expect(curve.points.map(\.falsePositiveRate) == falsePositiveRates)
        #expect(curve.points.map(\.truePositiveRate) == truePositiveRates)
        #expect(curve.points.map(\.threshold) == thresholds)
        #expect(abs(curve.area - 6.0 / 9) < 1e-15)
        #expect(abs(trapezoidArea(curve) - curve.area) < 1e-12)
    }

    @Test func orderOfExamplesDoesNotMatterAndScaleDoesNot() {
        // A pseudo-random set with many ties: the rank statistic and the curve's trapezoids agree,
        // and a monotone rescaling of the scores changes nothing.
        var state: UInt64 = 12345
        func next() -> UInt64 { state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407; return state >> 33 }
        let scores = (0..<500).map { _ in Double(next() % 40) }
        let positives = scores.map { $0 + Double(next() % 30) > 35 }
        let auc = rocAUC(scores: scores, positives: positives)
        #expect(auc > 0.6 && auc < 1)
        #expect(abs(trapezoidArea(ROCCurve(scores: scores, positives: positives)) - auc) < 1e-12)
        #expect(rocAUC(scores: scores.map { Float(exp($0 / 10)) }, positives: positives) == auc)
        let reversed = rocAUC(scores: scores.reversed(), positives: positives.reversed())
        #expect(abs(reversed - auc) < 1e-15)
        // Swapping which side counts as positive mirrors the area.
        #expect(abs(rocAUC(scores: scores.map { -$0 }, positives: positives) - (1 - auc)) < 1e-12)
    }

    @Test func oneClassIsAProgrammerError() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = rocAUC(scores: [1, 2] as [Float], positives: [true, true])
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("rocAUC: needs at least one positive and one negative, got 2 positives among 2 examples"), "\(message)")
    }

    @Test func emptyOrNaNIsAProgrammerError() async {
        let empty = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = ROCCurve(scores: [Float](), positives: [])
        }
        let emptyMessage = String(decoding: empty?.standardErrorContent ?? [], as: UTF8.self)
        #expect(emptyMessage.contains("ROCCurve: needs at least one positive"), "\(emptyMessage)")
        let nan = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = rocAUC(scores: [1, .nan] as [Float], positives: [true, false])
        }
        let nanMessage = String(decoding: nan?.standardErrorContent ?? [], as: UTF8.self)
        #expect(nanMessage.contains("rocAUC: score 1 is NaN"), "\(nanMessage)")
    }
}
