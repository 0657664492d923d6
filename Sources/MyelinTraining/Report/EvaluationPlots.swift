import MyelinData
import MyelinVision

extension LinePlot {
    /// ROC curves, each named with its area in the legend, and the chance diagonal; a curve of many
    /// points is thinned to about 400 (each point kept at least 1/400 from the last in one rate).
    public static func roc(
        _ curves: [(name: String, curve: ROCCurve)], title: String = "ROC curves",
        xLabel: String = "false-positive rate", yLabel: String = "true-positive rate"
    ) -> LinePlot {
        func thinned(_ curve: ROCCurve) -> [(x: Double, y: Double)] {
            var kept: [(x: Double, y: Double)] = []
            for (i, p) in curve.points.enumerated() {
                let point = (x: p.falsePositiveRate, y: p.truePositiveRate)
                if let last = kept.last, i < curve.points.count - 1, max(abs(point.x - last.x), abs(point.y - last.y)) < 1.0 / 400 {
                    continue
                }
                kept.append(point)
            }
            return kept
        }
        let series = curves.map {
            LinePlot.Series(name: "\($0.name): AUC \(String(format: "%.3f", $0.curve.area))", points: thinned($0.curve))
        }
        return LinePlot(
            title: title, xLabel: xLabel, yLabel: yLabel,
            series: series + [LinePlot.Series(name: "chance: AUC 0.5", points: [(0, 0), (1, 1)])])
    }

    /// A figure of a history's evaluations, as dots against the step, beside flat lines for the
    /// `references` that do not learn (plain upsampling, a baseline), drawn from step 0 to the last evaluation.
    public static func evaluations(
        of name: String, in history: TrainingHistory, label: String, references: [(name: String, value: Double)],
        title: String, yLabel: String
    ) -> LinePlot {
        let points = history.points(name).map { (x: Double($0.step), y: $0.value) }
        let steps = [0.0, points.last?.x ?? 1]
        return LinePlot(
            title: title, xLabel: "step", yLabel: yLabel,
            series: [LinePlot.Series(name: label, points: points, markers: true)]
                + references.map { reference in LinePlot.Series(name: reference.name, points: steps.map { (x: $0, y: reference.value) }) })
    }

    /// Each group's distribution of `values` as steps: the share of the group in each of `bins`
    /// equal bins from 0 up to the 99.5th percentile of all values (the last bin also holds what is above).
    public static func histogram(_ groups: [(name: String, values: [Float])], title: String, xLabel: String, bins: Int = 40) -> LinePlot {
        precondition(bins > 0 && groups.allSatisfy { !$0.values.isEmpty }, "LinePlot.histogram: needs bins and values in every group")
        let all = groups.flatMap(\.values).sorted()
        let high = Double(all[min(all.count - 1, Int(Double(all.count) * 0.995))]), width = high / Double(bins)
        let series = groups.map { name, values -> LinePlot.Series in
            var counts = [Int](repeating: 0, count: bins)
            for v in values { counts[min(bins - 1, max(0, Int(Double(v) / width)))] += 1 }
            let points = counts.enumerated().flatMap { i, count -> [(x: Double, y: Double)] in
                let share = Double(count) / Double(values.count)
                return [(Double(i) * width, share), (Double(i + 1) * width, share)]
            }
            return LinePlot.Series(name: name, points: points)
        }
        return LinePlot(title: title, xLabel: xLabel, yLabel: "share of the group", series: series)
    }
}
