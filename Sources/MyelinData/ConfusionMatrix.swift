import Foundation
import MyelinTensor

/// How often each class was predicted as each class: where a classifier is right, and which
/// classes it confuses.
///
/// `counts[actual][predicted]`, filled by `add(predictions:labels:)` with scores [N, classes]
/// (arg-max) or class indices [N], and labels [N]. `description` is a table for the terminal:
/// rows are the actual classes, columns the predicted ones, with each row's total and recall,
/// each column's total and precision, and the accuracy.
///
/// ```swift
/// model.eval()
/// print(ConfusionMatrix(of: { model($0) }, on: testData))
/// ```
public struct ConfusionMatrix: Equatable, CustomStringConvertible {
    /// The classes' names, in class order (their indices, "0", "1", …, unless given).
    public let classNames: [String]
    /// `counts[actual][predicted]`: how many examples of class `actual` were predicted `predicted`.
    public private(set) var counts: [[Int]]

    /// An empty matrix for `classes` classes, named `names` in tables when given.
    public init(classes: Int, names: [String]? = nil) {
        precondition(classes >= 0, "ConfusionMatrix: classes must be ≥ 0, got \(classes)")
        precondition(
            names == nil || names!.count == classes,
            "ConfusionMatrix: \(names?.count ?? 0) names for \(classes) classes")
        classNames = names ?? (0..<classes).map(String.init)
        counts = Array(repeating: Array(repeating: 0, count: classes), count: classes)
    }

    /// The matrix of these counts: `counts[actual][predicted]`, one row and column per class.
    public init(counts: [[Int]], names: [String]? = nil) {
        precondition(
            counts.allSatisfy { $0.count == counts.count && $0.allSatisfy { $0 >= 0 } },
            "ConfusionMatrix(counts:): needs a square table of counts ≥ 0, got rows of \(counts.map(\.count))")
        self.init(classes: counts.count, names: names)
        self.counts = counts
    }

    /// The matrix of `predict` on every example of `data`.
    ///
    /// `predict` maps a batch of inputs [B, …] to scores [B, classes]; it runs batch by batch, in the
    /// dataset's order, without recording gradients. Put a model in evaluation mode before calling.
    /// The number of classes is the scores' width (or the number of `names`).
    public init<D: Dataset>(of predict: (Tensor) -> Tensor, on data: D, names: [String]? = nil, batchSize: Int = 1000) {
        precondition(batchSize > 0, "ConfusionMatrix(of:on:): batchSize must be positive, got \(batchSize)")
        var matrix: ConfusionMatrix? = names.map { ConfusionMatrix(classes: $0.count, names: $0) }
        withoutGrad {
            for start in stride(from: 0, to: data.count, by: batchSize) {
                let (inputs, labels) = data.batch(at: start..<Swift.min(start + batchSize, data.count))
                let scores = predict(inputs)
                precondition(
                    scores.rank == 2, "ConfusionMatrix(of:on:): predictions must be scores [B, classes], got shape \(scores.shape)")
                if matrix == nil { matrix = ConfusionMatrix(classes: scores.shape[1]) }
                matrix!.add(predictions: scores, labels: labels)
            }
        }
        self = matrix ?? ConfusionMatrix(classes: 0)
    }

    public var classCount: Int { classNames.count }

    /// How many examples of class `actual` were predicted `predicted`.
    public subscript(actual actual: Int, predicted predicted: Int) -> Int {
        counts[actual][predicted]
    }

    /// Counts one example.
    public mutating func add(prediction: Int, label: Int) {
        precondition(label >= 0 && label < classCount, "ConfusionMatrix.add: label \(label) is out of range for \(classCount) classes")
        precondition(
            prediction >= 0 && prediction < classCount,
            "ConfusionMatrix.add: prediction \(prediction) is out of range for \(classCount) classes")
        counts[label][prediction] += 1
    }

    /// Counts a batch: `predictions` are scores [N, classes] (the arg-max is the prediction) or
    /// class indices [N]; `labels` are class indices [N].
    public mutating func add(predictions: Tensor, labels: Tensor) {
        let predicted: [Int]
        switch predictions.rank {
        case 2:
            precondition(
                predictions.shape[1] == classCount,
                "ConfusionMatrix.add: scores of shape \(predictions.shape) for \(classCount) classes")
            predicted = predictions.argmax(axis: 1).integers
        case 1:
            predicted = ConfusionMatrix.classIndices(predictions, what: "prediction")
        default:
            preconditionFailure(
                "ConfusionMatrix.add: predictions must be scores [N, \(classCount)] or class indices [N], got shape \(predictions.shape)")
        }
        precondition(
            labels.rank == 1 && labels.shape[0] == predicted.count,
            "ConfusionMatrix.add: predictions of shape \(predictions.shape) need labels [\(predicted.count)], got shape \(labels.shape)")
        for (p, l) in zip(predicted, ConfusionMatrix.classIndices(labels, what: "label")) {
            add(prediction: p, label: l)
        }
    }

    /// The values of a 1-d tensor as class indices; a float one must hold whole numbers.
    private static func classIndices(_ t: Tensor, what: String) -> [Int] {
        guard t.dtype == .float32 else { return t.integers }
        return t.scalars.map { v in
            precondition(
                v == v.rounded() && Swift.abs(v) < 0x1p31,
                "ConfusionMatrix.add: \(what) \(v) is not a class index (scores go in as [N, classes])")
            return Int(v)
        }
    }

    /// Number of examples counted.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }

    /// Number of examples predicted as their own class (the diagonal).
    public var correct: Int { (0..<classCount).reduce(0) { $0 + counts[$1][$1] } }

    /// Fraction of the examples predicted right; 0 when there are none.
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Per actual class, the fraction of its examples predicted right (nil for a class with none).
    public var recall: [Double?] {
        (0..<classCount).map { c in ratio(counts[c][c], actualTotals[c]) }
    }

    /// Per predicted class, the fraction of its predictions that were right (nil for a class never
    /// predicted).
    public var precision: [Double?] {
        (0..<classCount).map { c in ratio(counts[c][c], predictedTotals[c]) }
    }

    /// Per class, the overlap of the examples it holds and those predicted as it over their union
    /// (intersection over union, the Jaccard index): TP / (TP + FP + FN). Nil for a class neither
    /// present nor predicted.
    public var intersectionOverUnion: [Double?] {
        let (actual, predicted) = (actualTotals, predictedTotals)
        return (0..<classCount).map { c in ratio(counts[c][c], actual[c] + predicted[c] - counts[c][c]) }
    }

    /// Per class, the Dice coefficient (F1 score) of its examples and its predictions:
    /// 2·TP / (2·TP + FP + FN). Nil for a class neither present nor predicted.
    public var diceCoefficient: [Double?] {
        let (actual, predicted) = (actualTotals, predictedTotals)
        return (0..<classCount).map { c in ratio(2 * counts[c][c], actual[c] + predicted[c]) }
    }

    /// How many examples of each class there are (the rows' totals).
    public var actualTotals: [Int] { counts.map { $0.reduce(0, +) } }

    /// How many examples were predicted as each class (the columns' totals).
    public var predictedTotals: [Int] {
        (0..<classCount).map { p in counts.reduce(0) { $0 + $1[p] } }
    }

    private func ratio(_ part: Int, _ whole: Int) -> Double? {
        whole == 0 ? nil : Double(part) / Double(whole)
    }

    /// The matrix as an aligned plain-text table: a row per actual class (its counts, total and
    /// recall), then the column totals, each predicted class's precision and the accuracy.
    ///
    /// ```
    /// actual \ predicted      0      1      2 │ total  recall
    /// 0                      50      2      0 │    52   96.2%
    /// 1                       3     45      1 │    49   91.8%
    /// 2                       0      0     48 │    48  100.0%
    /// ────────────────────────────────────────┼──────────────
    /// total                  53     47     49 │   149
    /// precision           94.3%  95.7%  98.0% │ accuracy 96.0%
    /// ```
    public var table: String {
        func percent(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0 * 100) } ?? "-" }
        func padLeft(_ s: String, _ width: Int) -> String { String(repeating: " ", count: Swift.max(width - s.count, 0)) + s }
        func padRight(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: Swift.max(width - s.count, 0)) }

        let corner = "actual \\ predicted"
        let precisions = precision.map(percent), recalls = recall.map(percent)
        let rowTotals = actualTotals.map(String.init), columnTotals = predictedTotals.map(String.init)
        let labelWidth = ([corner, "precision"] + classNames).map(\.count).max()!
        let cellWidth = (classNames + counts.joined().map(String.init) + columnTotals + precisions).map(\.count).max() ?? 1
        let totalWidth = (["total", String(total)] + rowTotals).map(\.count).max()!
        let recallWidth = (["recall"] + recalls).map(\.count).max()!

        func line(_ label: String, _ cells: [String], _ right: String) -> String {
            let left = padRight(label, labelWidth) + cells.map { "  " + padLeft($0, cellWidth) }.joined()
            return left + " │ " + right
        }
        var lines = [line(corner, classNames, padLeft("total", totalWidth) + "  " + padLeft("recall", recallWidth))]
        for c in 0..<classCount {
            lines.append(
                line(
                    classNames[c], counts[c].map(String.init),
                    padLeft(rowTotals[c], totalWidth) + "  " + padLeft(recalls[c], recallWidth)))
        }
        let leftWidth = labelWidth + classCount * (cellWidth + 2)
        lines.append(String(repeating: "─", count: leftWidth + 1) + "┼" + String(repeating: "─", count: totalWidth + recallWidth + 3))
        lines.append(line("total", columnTotals, padLeft(String(total), totalWidth)))
        lines.append(line("precision", precisions, "accuracy " + percent(total == 0 ? nil : accuracy)))
        return lines.joined(separator: "\n")
    }

    public var description: String { table }
}

/// Saved with a run's history (checked on reading: a file may hold anything).
extension ConfusionMatrix: Codable {
    private enum CodingKeys: String, CodingKey { case classNames, counts }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let names = try container.decode([String].self, forKey: .classNames)
        let counts = try container.decode([[Int]].self, forKey: .counts)
        guard counts.count == names.count, counts.allSatisfy({ $0.count == names.count && $0.allSatisfy { $0 >= 0 } }) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "a confusion matrix needs one row and column of counts ≥ 0 per class"))
        }
        self.init(counts: counts, names: names)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(classNames, forKey: .classNames)
        try container.encode(counts, forKey: .counts)
    }
}
