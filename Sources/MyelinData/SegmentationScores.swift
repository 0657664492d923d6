import Foundation

/// How well a segmentation labels pixels, from the confusion matrix of every pixel's class
/// against its predicted class: per class the intersection over union and the Dice coefficient,
/// the mean IoU over the object classes (all but the background), and pixel accuracy.
///
/// ```swift
/// let scores = SegmentationScores(matrix, background: 0)
/// print(scores.table)
/// print(scores.meanIoU, scores.backgroundIoU)
/// ```
public struct SegmentationScores: Equatable {
    /// The pixels counted: `counts[actual][predicted]`.
    public let matrix: ConfusionMatrix
    /// The class of the background, left out of `meanIoU`; nil when every class is an object.
    public let background: Int?

    public init(_ matrix: ConfusionMatrix, background: Int? = 0) {
        precondition(
            background.map { (0..<matrix.classCount).contains($0) } ?? true,
            "SegmentationScores: background class \(background!) is not among the \(matrix.classCount) classes")
        self.matrix = matrix
        self.background = background
    }

    /// Per class, TP / (TP + FP + FN); nil for a class neither present nor predicted.
    public var intersectionOverUnion: [Double?] { matrix.intersectionOverUnion }

    /// Per class, 2·TP / (2·TP + FP + FN); nil for a class neither present nor predicted.
    public var dice: [Double?] { matrix.diceCoefficient }

    /// The classes other than the background.
    public var objectClasses: [Int] { (0..<matrix.classCount).filter { $0 != background } }

    /// The mean IoU over the object classes that are present or predicted (0 when there are none).
    public var meanIoU: Double { mean(objectClasses.compactMap { intersectionOverUnion[$0] }) }

    /// The mean Dice coefficient over the object classes that are present or predicted.
    public var meanDice: Double { mean(objectClasses.compactMap { dice[$0] }) }

    /// The background's IoU (nil without a background, or when it is neither present nor predicted).
    public var backgroundIoU: Double? { background.flatMap { intersectionOverUnion[$0] } }

    /// The fraction of pixels given their own class.
    public var pixelAccuracy: Double { matrix.accuracy }

    private func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

    /// A table for the terminal and the report: a row per class (its IoU, Dice and pixel count),
    /// then the mean over the object classes and the pixel accuracy.
    ///
    /// ```
    /// class                    IoU    Dice   pixels
    /// background            0.9988  0.9994  3898305
    /// 0                     0.9145  0.9554    24874
    /// …
    /// mean (no background)  0.8633  0.9260
    /// pixel accuracy 0.9958
    /// ```
    public var table: String {
        let names = matrix.classNames, pixels = matrix.actualTotals
        let meanName = background == nil ? "mean" : "mean (no \(names[background!]))"
        let nameWidth = (names + [meanName, "class"]).map(\.count).max()!
        let pixelWidth = max(6, (pixels.map { String($0).count }.max() ?? 0))
        func figure(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "     -" }
        func row(_ name: String, _ cells: [String]) -> String {
            name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + cells.map { "  " + $0 }.joined()
        }
        func right(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(width - text.count, 0)) + text }
        var lines = [row("class", [right("IoU", 6), right("Dice", 6), right("pixels", pixelWidth)])]
        for c in 0..<matrix.classCount {
            lines.append(row(names[c], [figure(intersectionOverUnion[c]), figure(dice[c]), right(String(pixels[c]), pixelWidth)]))
        }
        lines.append(row(meanName, [figure(meanIoU), figure(meanDice)]))
        lines.append("pixel accuracy " + figure(pixelAccuracy))
        return lines.joined(separator: "\n")
    }
}
