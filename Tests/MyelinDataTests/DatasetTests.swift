import Foundation
import MyelinData
import MyelinTensor
import Testing

/// A dataset that computes examples on demand: exercises the default `batch(at:)`.
struct SquaresDataset: Dataset {
    var count: Int { 6 }
    func example(at index: Int) -> (input: Tensor, label: Tensor) {
        (Tensor(shape: [2], scalars: [Float(index), Float(index * index)]), Tensor(shape: [], integers: [index % 2]))
    }
}

@Suite struct DatasetTests {
    @Test func classificationAccuracyCountsArgmaxHits() {
        // Five examples whose single feature is the class to predict; labels agree on 3 of 5.
        let data = TensorDataset(features: [0, 1, 2, 1, 0], featureShape: [1], labels: [0, 1, 0, 1, 2])
        // Scores that put the largest value at the feature's class.
        let oneHot: (Tensor) -> Tensor = { inputs in
            Tensor(shape: [inputs.shape[0], 3], scalars: inputs.scalars.flatMap { c in (0..<3).map { Float($0) == c ? 1 : 0 } })
        }
        for batchSize in [1, 2, 5, 1000] {
            #expect(classificationAccuracy(of: oneHot, on: data, batchSize: batchSize) == 0.6)
        }
        let empty = TensorDataset(features: [], featureShape: [1], labels: [])
        #expect(classificationAccuracy(of: oneHot, on: empty) == 0)
    }

    @Test func tensorDatasetKeepsShapesAndDtypes() {
        let inputs = Tensor(shape: [4, 2, 3], scalars: (0..<24).map(Float.init))
        let labels = Tensor(shape: [4], integers: [3, 1, 2, 0], dtype: .int32)
        let data = TensorDataset(inputs: inputs, labels: labels)
        #expect(data.count == 4)
        #expect(data.inputShape == [2, 3])
        let (x, y) = data.batch(at: [3, 0])
        #expect(x.shape == [2, 2, 3])
        #expect(x.scalars == (18..<24).map(Float.init) + (0..<6).map(Float.init))
        #expect(y.dtype == .int32)
        #expect(y.integers == [0, 3])
        let (one, label) = data.example(at: 1)
        #expect(one.shape == [2, 3])
        #expect(one.scalars == (6..<12).map(Float.init))
        #expect(label.shape == [])
        #expect(label.integers == [1])
        // A sequential range is one block copy; the result is the same as row by row.
        #expect(data.batch(at: 1..<4).inputs.scalars == (6..<24).map(Float.init))
        #expect(data.all().inputs.scalars == inputs.scalars)
    }

    @Test func aLargeBatchIsGatheredOnEveryThreadWithTheSameRows() {
        // 1,000 rows of 64 values: enough for the copy to be split between threads.
        let (rows, size) = (1000, 64)
        let inputs = Tensor(shape: [rows, size], scalars: (0..<(rows * size)).map(Float.init))
        let data = TensorDataset(inputs: inputs, labels: Tensor(shape: [rows], integers: Array(0..<rows)))
        // In-order runs that cross any split point, then shuffled rows and repeats.
        let indices = Array(100..<700) + RandomGenerator(seed: 3).permutation(rows) + [5, 5, 999]
        let expected = indices.flatMap { i in (0..<size).map { Float(i * size + $0) } }
        for threads in [1, 2] {
            let (x, y) = Threads.withCount(threads) { data.batch(at: indices) }
            #expect(x.shape == [indices.count, size])
            #expect(x.scalars == expected)
            #expect(y.integers == indices)
        }
    }

    @Test func integerInputsAndFloatTargets() {
        let tokens = Tensor(shape: [3, 4], integers: Array(0..<12))
        let targets = Tensor(shape: [3, 2], scalars: [0.5, 1, 1.5, 2, 2.5, 3])
        let data = TensorDataset(inputs: tokens, labels: targets)
        let (x, y) = data.batch(at: [2])
        #expect(x.dtype == .int64)
        #expect(x.integers == [8, 9, 10, 11])
        #expect(y.shape == [1, 2])
        #expect(y.scalars == [2.5, 3])
    }

    @Test func defaultBatchStacksExamples() {
        let (x, y) = SquaresDataset().batch(at: [2, 5])
        #expect(x.shape == [2, 2])
        #expect(x.scalars == [2, 4, 5, 25])
        #expect(y.shape == [2])
        #expect(y.integers == [0, 1])
        #expect(Array(DataLoader(SquaresDataset(), batchSize: 4)).map { $0.inputs.shape } == [[4, 2], [2, 2]])
    }

    @Test func subsetsAndRandomSplits() {
        let data = countingDataset(20)
        let subset = data.subset([5, 2, 9])
        #expect(subset.count == 3)
        #expect(subset.batch(at: [0, 2]).labels.integers == [5, 9])
        #expect(subset.example(at: 1).label.integers == [2])
        let (train, test) = data.randomSplit(testFraction: 0.25, seed: 9)
        #expect(train.count == 15 && test.count == 5)
        #expect(Set(train.indices).isDisjoint(with: test.indices))
        #expect(data.randomSplit(testFraction: 0.25, seed: 9).test.indices == test.indices)
    }
}
