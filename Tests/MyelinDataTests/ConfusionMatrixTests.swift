import MyelinData
import MyelinTensor
import Testing

/// Six examples of three classes: labels 0 0 1 1 1 2, predicted 0 1 1 1 0 1.
private let labels = [0, 0, 1, 1, 1, 2]
private let predicted = [0, 1, 1, 1, 0, 1]

/// Scores [N, 3] whose arg-max is `predicted`.
private func scores(_ predicted: [Int]) -> Tensor {
    Tensor(shape: [predicted.count, 3], scalars: predicted.flatMap { p in (0..<3).map { $0 == p ? 2.5 : -Float($0) } })
}

private func handMatrix() -> ConfusionMatrix {
    var m = ConfusionMatrix(classes: 3)
    m.add(predictions: Tensor(integers: predicted), labels: Tensor(integers: labels))
    return m
}

@Suite struct ConfusionMatrixTests {
    @Test func countsAccuracyRecallAndPrecisionOnHandData() {
        let m = handMatrix()
        #expect(m.classCount == 3)
        #expect(m.classNames == ["0", "1", "2"])
        #expect(m.counts == [[1, 1, 0], [1, 2, 0], [0, 1, 0]])
        #expect(m[actual: 1, predicted: 0] == 1)
        #expect(m[actual: 2, predicted: 1] == 1)
        #expect(m.total == 6)
        #expect(m.correct == 3)
        #expect(m.accuracy == 0.5)
        #expect(m.recall == [0.5, 2.0 / 3, 0])
        // Class 2 is never predicted: its precision is undefined.
        #expect(m.precision == [0.5, 0.5, nil])

        let empty = ConfusionMatrix(classes: 2)
        #expect(empty.total == 0 && empty.accuracy == 0)
        #expect(empty.recall == [nil, nil] && empty.precision == [nil, nil])
    }

    @Test func logitsAndIndicesCountTheSame() {
        var fromScores = ConfusionMatrix(classes: 3)
        fromScores.add(predictions: scores(predicted), labels: Tensor(integers: labels))
        #expect(fromScores == handMatrix())
        // int32 labels, float class indices, and one example at a time agree too.
        var mixed = ConfusionMatrix(classes: 3)
        mixed.add(predictions: Tensor(predicted.map(Float.init)), labels: Tensor(shape: [6], integers: labels, dtype: .int32))
        #expect(mixed == handMatrix())
        var single = ConfusionMatrix(classes: 3)
        for (p, l) in zip(predicted, labels) { single.add(prediction: p, label: l) }
        #expect(single == handMatrix())
        // Adding more keeps counting.
        fromScores.add(predictions: Tensor(integers: [2]), labels: Tensor(integers: [2]))
        #expect(fromScores.counts[2] == [0, 1, 1])
        #expect(fromScores.precision[2] == 1)
    }

    @Test func tableShowsTheNumbersInTheirPlaces() {
        let table = handMatrix().table
        #expect(
            table == """
                actual \\ predicted      0      1      2 │ total  recall
                0                       1      1      0 │     2   50.0%
                1                       1      2      0 │     3   66.7%
                2                       0      1      0 │     1    0.0%
                ────────────────────────────────────────┼──────────────
                total                   2      4      0 │     6
                precision           50.0%  50.0%      - │ accuracy 50.0%
                """)
        #expect(handMatrix().description == table)

        // Names widen the columns; every row still puts its counts under the right class.
        var named = ConfusionMatrix(classes: 3, names: ["cat", "dog", "axolotl"])
        named.add(predictions: Tensor(integers: predicted), labels: Tensor(integers: labels))
        let lines = named.table.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines[0] == ["actual", "\\", "predicted", "cat", "dog", "axolotl", "│", "total", "recall"])
        #expect(lines[1] == ["cat", "1", "1", "0", "│", "2", "50.0%"])
        #expect(lines[2] == ["dog", "1", "2", "0", "│", "3", "66.7%"])
        #expect(lines[3] == ["axolotl", "0", "1", "0", "│", "1", "0.0%"])
        #expect(lines[5] == ["total", "2", "4", "0", "│", "6"])
        #expect(lines[6] == ["precision", "50.0%", "50.0%", "-", "│", "accuracy", "50.0%"])
        // Columns line up: each line's divider is at the same place.
        let rows = named.table.split(separator: "\n").map(String.init)
        #expect(Set(rows.map { Array($0).firstIndex { $0 == "│" || $0 == "┼" } }).count == 1)
    }

    @Test func matrixOfAPredictorOverADatasetInAnyBatchSize() {
        // The single feature is the predicted class; the labels are the hand data's.
        let data = TensorDataset(features: predicted.map(Float.init), featureShape: [1], labels: labels)
        let predict: (Tensor) -> Tensor = { scores($0.integers) }
        for batchSize in [1, 2, 4, 1000] {
            #expect(ConfusionMatrix(of: predict, on: data, batchSize: batchSize) == handMatrix())
        }
        #expect(classificationAccuracy(of: predict, on: data) == 0.5)
        let named = ConfusionMatrix(of: predict, on: data, names: ["a", "b", "c"])
        #expect(named.classNames == ["a", "b", "c"] && named.counts == handMatrix().counts)
        let empty = TensorDataset(features: [], featureShape: [1], labels: [])
        #expect(ConfusionMatrix(of: predict, on: empty).classCount == 0)
        #expect(ConfusionMatrix(of: predict, on: empty, names: ["a", "b"]).counts == [[0, 0], [0, 0]])
    }

    @Test func aLabelOutOfRangeIsAPreconditionFailure() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var m = ConfusionMatrix(classes: 3)
            m.add(predictions: Tensor(integers: [0, 1]), labels: Tensor(integers: [0, 3]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("ConfusionMatrix.add: label 3 is out of range for 3 classes"), "\(message)")
    }

    @Test func scoresOfTheWrongWidthAreAPreconditionFailure() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var m = ConfusionMatrix(classes: 3)
            m.add(predictions: Tensor.zeros([2, 4]), labels: Tensor(integers: [0, 1]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("ConfusionMatrix.add: scores of shape [2, 4] for 3 classes"), "\(message)")
    }
}
