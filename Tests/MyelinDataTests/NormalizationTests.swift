import Foundation
import Testing
import MyelinTensor
import MyelinData

@Suite struct NormalizationTests {
    /// Three rows of three features; the last feature is constant.
    static let train: [Float] = [1, 10, 5,
                                 2, 20, 5,
                                 3, 60, 5]

    @Test func minMaxPerFeature() {
        let scaling = MinMaxScaling(fitting: Self.train, featureCount: 3)
        #expect(scaling.minimum == [1, 10, 5])
        #expect(scaling.maximum == [3, 60, 5])
        #expect(scaling.applied(to: Self.train) == [0, 0, 0, 0.5, 0.2, 0, 1, 1, 0])
        // Statistics from training data apply to other data, out of range included.
        #expect(scaling.applied(to: [4, 35, 7]) == [1.5, 0.5, 0])
        var back = scaling.applied(to: Self.train)
        scaling.invert(&back)
        #expect(back == Self.train)
        let symmetric = MinMaxScaling(fitting: Self.train, featureCount: 3, range: -1...1)
        #expect(symmetric.applied(to: [2, 35, 5]) == [0, 0, -1])
    }

    @Test func minMaxGlobally() {
        let scaling = MinMaxScaling(fitting: Self.train, featureCount: 3, perFeature: false)
        #expect(scaling.featureCount == 1)
        #expect(scaling.minimum == [1] && scaling.maximum == [60])
        #expect(scaling.applied(to: [1, 60, 30.5, 1]) == [0, 1, 0.5, 0])
    }

    @Test func standardizationPerFeature() {
        let stats = Standardization(fitting: Self.train, featureCount: 3)
        #expect(stats.mean == [2, 30, 5])
        // Population std: sqrt(2/3) and sqrt(1400/3).
        #expect(abs(stats.standardDeviation[0] - Float((2.0 / 3).squareRoot())) < 1e-6)
        #expect(abs(stats.standardDeviation[1] - Float((1400.0 / 3).squareRoot())) < 1e-4)
        #expect(stats.standardDeviation[2] == 0)
        let z = stats.applied(to: Self.train)
        for f in 0..<2 {
            let column = [z[f], z[3 + f], z[6 + f]]
            let mean = column.reduce(0, +) / 3
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3
            #expect(abs(mean) < 1e-6)
            #expect(abs(variance - 1) < 1e-5)
        }
        #expect([z[2], z[5], z[8]] == [0, 0, 0])  // a constant feature is only centred
        var back = z
        stats.invert(&back)
        for (a, b) in zip(back, Self.train) { #expect(abs(a - b) < 1e-4) }
    }

    @Test func standardizationGloballyAndOnTensors() {
        let tensor = Tensor(shape: [2, 2], scalars: [1, 3, 5, 7])
        let stats = Standardization(fitting: tensor, perFeature: false)
        #expect(stats.mean == [4])
        #expect(abs(stats.standardDeviation[0] - Float(5).squareRoot()) < 1e-6)
        let z = stats.applied(to: tensor)
        #expect(z.shape == [2, 2])
        #expect(z.scalars == [-3, -1, 1, 3].map { Float($0) / Float(5).squareRoot() })
        let perFeature = Standardization(fitting: tensor)
        #expect(perFeature.mean == [3, 5])
        #expect(perFeature.standardDeviation == [2, 2])
        #expect(perFeature.inverted(perFeature.applied(to: tensor)).scalars == tensor.scalars)
        let known = Standardization(mean: [0.1307], standardDeviation: [0.3081])
        #expect(known.applied(to: [0.1307]) == [0])
    }

    @Test func datasetsNormalizeInPlace() throws {
        let digits = try Digits()
        let (train, test) = digits.split(seed: 1)
        let stats = Standardization(fitting: train.features, featureCount: 64)
        var normalized = train
        normalized.normalizeInputs(with: stats)
        #expect(normalized.features == stats.applied(to: train.features))
        #expect(train.features.max() == 1)  // the original is untouched (value semantics)
        var normalizedTest = test
        normalizedTest.normalizeInputs(with: stats)
        #expect(normalizedTest.batch(at: [0]).inputs.scalars == Array(stats.applied(to: test.features).prefix(64)))

        var tensorData = countingDataset(4)
        tensorData.normalizeInputs(with: MinMaxScaling(minimum: [0, 10], maximum: [3, 13]))
        #expect(tensorData.batch(at: [3, 0]).inputs.scalars == [1, 1, 0, 0])
    }
}
