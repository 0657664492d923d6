import Foundation
import MyelinData
import Testing

@Suite struct DigitsTests {
    @Test func bundledDigitsHave1797RowsOf64Features() throws {
        let digits = try Digits()
        #expect(digits.count == 1797)
        #expect(digits.features.count == 1797 * 64)
        #expect(digits.imageShape == [64])
        // scikit-learn's load_digits() class counts.
        #expect(histogram(digits.labels) == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
        #expect(digits.features.min() == 0)
        #expect(digits.features.max() == 1)
        // The first row of the file: 0,0,5,13,9,1,0,0,… label 0.
        #expect(Array(digits.features.prefix(4)) == [0, 0, Float(5) / 16, Float(13) / 16])
        #expect(digits.labels.prefix(3) == [0, 1, 2])
    }

    @Test func batchesAndImageShape() throws {
        var digits = try Digits()
        #expect(digits.batch(at: [0, 1]).inputs.shape == [2, 64])
        digits.imageShape = [1, 8, 8]
        let (inputs, labels) = digits.batch(at: [0, 1, 2])
        #expect(inputs.shape == [3, 1, 8, 8])
        #expect(labels.integers == [0, 1, 2])
    }

    @Test func seededSplitHoldsBackAFifth() throws {
        let digits = try Digits()
        let (train, test) = digits.split(seed: 42)
        #expect(train.count == 1437)
        #expect(test.count == 360)
        let again = digits.split(seed: 42)
        #expect(again.test.labels == test.labels)
        #expect(again.test.features == test.features)
        let other = digits.split(seed: 43)
        #expect(other.test.features != test.features)
        // Together the two halves are the whole set.
        var combined = histogram(train.labels)
        for (i, c) in histogram(test.labels).enumerated() { combined[i] += c }
        #expect(combined == histogram(digits.labels))
        #expect(Set(test.labels).count == 10)
    }

    @Test func badDigitsFilesAreErrors() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let row = Array(repeating: "0", count: 64).joined(separator: ",")
        let wide = try write(Array("\(row),1,1\n".utf8), to: "wide.csv", in: dir)
        #expect(dataError { try Digits(contentsOf: wide) }?.kind == .badHeader)
        let pixel = try write(Array("\(row),1\n17\(row.dropFirst()),2\n".utf8), to: "pixel.csv", in: dir)
        let error = dataError { try Digits(contentsOf: pixel) }
        #expect(error?.line == 2)
        #expect(error?.column == 1)
        let label = try write(Array("\(row),10\n".utf8), to: "label.csv", in: dir)
        #expect(dataError { try Digits(contentsOf: label) }?.column == 65)
    }
}
