import MyelinData
import MyelinTensor
import Testing

/// Ten pixels of three classes (0 the background): counts[actual][predicted] =
/// [[5, 1, 0], [1, 2, 0], [0, 1, 0]] — 6 background pixels, one taken for class 1; 3 of class 1,
/// one taken for background; the one pixel of class 2 taken for class 1, which nothing is predicted as.
private let matrix = ConfusionMatrix(counts: [[5, 1, 0], [1, 2, 0], [0, 1, 0]], names: ["background", "1", "2"])

@Suite struct SegmentationScoresTests {
    @Test func iouAndDiceByHand() {
        // Background: TP 5, FP 1, FN 1. Class 1: TP 2, FP 2, FN 1. Class 2: TP 0, FP 0, FN 1.
        #expect(matrix.actualTotals == [6, 3, 1] && matrix.predictedTotals == [6, 4, 0])
        let iou: [Double?] = [5.0 / 7, 2.0 / 5, 0], dice: [Double?] = [10.0 / 12, 4.0 / 7, 0]
        #expect(matrix.intersectionOverUnion == iou)
        #expect(matrix.diceCoefficient == dice)
        let scores = SegmentationScores(matrix, background: 0)
        #expect(scores.objectClasses == [1, 2])
        #expect(scores.meanIoU == 0.2)
        #expect(scores.meanDice == 2.0 / 7)
        #expect(scores.backgroundIoU == 5.0 / 7)
        #expect(scores.pixelAccuracy == 0.7)
        // Without a background every class counts.
        let all: Double = (5.0 / 7 + 2.0 / 5) / 3
        #expect(SegmentationScores(matrix, background: nil).meanIoU == all)
        #expect(SegmentationScores(matrix, background: nil).backgroundIoU == nil)
    }

    @Test func aClassNeitherPresentNorPredictedIsLeftOutOfTheMean() {
        // Class 3 never appears and is never predicted: its IoU is undefined, not 0 or 1.
        let four = ConfusionMatrix(counts: [[5, 1, 0, 0], [1, 2, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]])
        let scores = SegmentationScores(four)
        #expect(scores.intersectionOverUnion[3] == nil && scores.dice[3] == nil)
        #expect(scores.meanIoU == 0.2)
        // A perfect labelling scores 1 everywhere.
        let perfect = SegmentationScores(ConfusionMatrix(counts: [[7, 0], [0, 3]]))
        let ones: [Double?] = [1, 1]
        #expect(perfect.intersectionOverUnion == ones && perfect.dice == ones)
        #expect(perfect.meanIoU == 1 && perfect.pixelAccuracy == 1)
    }

    @Test func pixelScoresWithTheClassesLastFillTheMatrix() {
        // A 2×3 label map and scores [1, 2, 3, 3] whose arg-max is the prediction.
        let labels = Tensor(shape: [1, 2, 3], integers: [0, 0, 1, 1, 2, 0])
        let predicted = [0, 1, 1, 0, 1, 0]
        let scores = Tensor(shape: [1, 2, 3, 3], scalars: predicted.flatMap { p in (0..<3).map { $0 == p ? 1 : 0 } })
        var pixels = ConfusionMatrix(classes: 3, names: ["background", "1", "2"])
        pixels.add(predictions: scores.reshaped([-1, 3]), labels: labels.reshaped([-1]))
        #expect(pixels.counts == [[2, 1, 0], [1, 1, 0], [0, 1, 0]])
    }

    @Test func theTableListsEveryClass() {
        #expect(
            SegmentationScores(matrix).table == """
                class                    IoU    Dice  pixels
                background            0.7143  0.8333       6
                1                     0.4000  0.5714       3
                2                     0.0000  0.0000       1
                mean (no background)  0.2000  0.2857
                pixel accuracy 0.7000
                """)
    }
}
