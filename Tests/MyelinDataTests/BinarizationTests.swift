import MyelinData
import Testing

@Suite struct BinarizationTests {
    @Test func aThresholdKeepsThePixelsAboveIt() {
        #expect(Binarization.threshold(0.5).binarize([0, 0.25, 0.5, 0.51, 1]) == [0, 0, 0, 1, 1])
    }

    /// A pixel is 1 with probability its intensity: black and white stay as they are, and grey
    /// levels come out 1 as often as they are bright (within 4 standard errors of 20,000 draws).
    @Test func aDrawMakesEachPixelOneWithProbabilityItsIntensity() {
        let intensities =
            [Float](repeating: 0, count: 1000) + [Float](repeating: 1, count: 1000)
            + [Float](repeating: 0.3, count: 20_000) + [Float](repeating: 0.9, count: 20_000)
        let binary = Binarization.sampled(seed: 7).binarize(intensities)
        #expect(binary.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(binary[0..<1000].allSatisfy { $0 == 0 } && binary[1000..<2000].allSatisfy { $0 == 1 })
        for (range, p) in [(2000..<22_000, 0.3), (22_000..<42_000, 0.9)] {
            let ones = Double(binary[range].reduce(0, +)) / 20_000
            #expect(abs(ones - p) < 4 * (p * (1 - p) / 20_000).squareRoot(), "\(ones) ones at intensity \(p)")
        }
        // The same seed and stream draw the same pixels; another seed or stream, others.
        #expect(Binarization.sampled(seed: 7).binarize(intensities) == binary)
        #expect(Binarization.sampled(seed: 8).binarize(intensities) != binary)
        #expect(Binarization.sampled(seed: 7).binarize(intensities, stream: 1) != binary)
    }

    @Test func binarisedMNISTKeepsItsLabelsAndDrawsEachSplitApart() throws {
        let test = try MNISTFixture.test.get(), train = try MNISTFixture.train.get()
        let binary = test.binarized(.sampled(seed: 0))
        #expect(binary.labels == test.labels && binary.count == 10_000 && binary.split == .test)
        #expect(binary.images == Binarization.sampled(seed: 0).binarize(test.images, stream: 1))
        // About 13% of MNIST's pixels are ink, whichever way it is binarised.
        let ink = Double(binary.images.reduce(0, +)) / Double(binary.images.count)
        #expect(abs(ink - 0.1325) < 0.003, "\(ink)")
        let firstTrainingImages = Array(train.binarized(.threshold(0.5)).images.prefix(784))
        #expect(firstTrainingImages == Binarization.threshold(0.5).binarize(Array(train.images.prefix(784))))
    }
}
