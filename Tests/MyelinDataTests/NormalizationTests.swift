import Foundation
import MyelinData
import MyelinTensor
import Testing

@Suite struct NormalizationTests {
    /// Three rows of three features; the last feature is constant.
    static let train: [Float] = [
        1, 10, 5,
        2, 20, 5,
        3, 60, 5,
    ]

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

    /// 0.1 is not exactly representable: E[x²] − m² used to leave a std of about 6e-9, so unseen
    /// values were divided by it (0.2 ↦ 16568197) instead of being only centred.
    @Test func standardizationOfANonRepresentableConstantOnlyCentres() {
        let constant = Standardization(fitting: Array(repeating: 0.1, count: 1000), featureCount: 1)
        #expect(constant.mean == [0.1])
        #expect(constant.standardDeviation == [0])
        #expect(constant.applied(to: [0.1, 0.1]) == [0, 0])
        let unseen = constant.applied(to: [0.2, 0, -0.3])
        #expect(unseen.allSatisfy { $0.isFinite })
        #expect(unseen == [Float(0.2) - Float(0.1), -Float(0.1), -Float(0.3) - Float(0.1)])
        #expect(abs(unseen[0] - 0.1) < 1e-7)
        #expect(constant.inverted(Tensor(shape: [3], scalars: unseen)).scalars == [0.2, 0, -0.3])

        // Per feature: the constant column is centred, the varying one standardised; globally too.
        let rows: [Float] = (0..<999).flatMap { [0.1, Float($0 % 3)] }
        let mixed = Standardization(fitting: rows, featureCount: 2)
        #expect(mixed.standardDeviation[0] == 0)
        #expect(abs(mixed.standardDeviation[1] - Float((2.0 / 3).squareRoot())) < 1e-6)
        let z = mixed.applied(to: [0.2, 1, 0.1, 2])
        #expect(z.allSatisfy { $0.isFinite })
        #expect(z[0] == Float(0.2) - Float(0.1) && z[2] == 0)
        #expect(z[1] == 0 && abs(z[3] - Float((1.5).squareRoot())) < 1e-5)
        let global = Standardization(fitting: Array(repeating: 1.7, count: 3 * 1000), featureCount: 3, perFeature: false)
        #expect(global.standardDeviation == [0])
        for (z, expected) in zip(global.applied(to: [1.7, 2.7, 0.7]), [Float(0), 1, -1]) {
            #expect(abs(z - expected) < 1e-6)
        }
    }

    /// The negligible-spread guard is relative to the mean: a small but real spread is standardised.
    @Test func standardizationKeepsASmallButRealSpread() {
        // Around 0: std 1e-4, far below 1 in absolute terms.
        let nearZero = Standardization(fitting: [-1e-4, 1e-4, -1e-4, 1e-4], featureCount: 1)
        #expect(abs(nearZero.standardDeviation[0] - 1e-4) < 1e-9)
        let z = nearZero.applied(to: [-1e-4, 1e-4, 3e-4])
        #expect(abs(z[0] + 1) < 1e-4 && abs(z[1] - 1) < 1e-4 && abs(z[2] - 3) < 1e-4)
        // Around 100: 100 and 100 + 2⁻¹⁰ (both exact in float32), std 2⁻¹¹ ≈ 4.9e-6 × the mean.
        let step = Float(1) / 1024
        let nearHundred = Standardization(fitting: (0..<1000).map { 100 + Float($0 % 2) * step }, featureCount: 1)
        #expect(nearHundred.mean == [100 + step / 2])
        #expect(nearHundred.standardDeviation == [step / 2])
        #expect(nearHundred.applied(to: [100, 100 + step, 100 + 2 * step]) == [-1, 1, 3])
        // One float32 ulp apart (std ≈ 6e-8 × the mean) is rounding, not spread: only centred.
        let ulpApart = Standardization(fitting: [1, Float(1).nextUp], featureCount: 1)
        #expect(ulpApart.standardDeviation == [0])
        #expect(ulpApart.applied(to: [2]).allSatisfy { abs($0 - 1) < 1e-6 })
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
