import Foundation
import MyelinTensor

/// The built-in 8×8 handwritten digits (UCI, as scikit-learn ships them): 1,797 images, shipped
/// with the package, so they need no download.
///
/// Examples: input [64] float32 in [0, 1] (pixel ÷ 16; set `imageShape = [1, 8, 8]` for a ConvNet),
/// label [] int64 in 0…9. Batches: [B, 64] and [B].
public struct Digits: Dataset {
    public static let imageSide = 8
    public static let pixelCount = 64
    public static let classCount = 10
    /// The largest pixel value in the source data (pixels are counts 0…16 of a 4×4 block).
    public static let maximumPixel: Float = 16

    var inputColumn: ExampleColumn
    var labelColumn: ExampleColumn

    /// The digits bundled with MyelinData.
    public init() throws {
        guard let url = Digits.resourceURL else {
            throw DataError(.missingFile, path: "digits.csv.gz", "the MyelinData resource bundle has no digits.csv.gz")
        }
        try self.init(contentsOf: url.path)
    }

    /// Digits from a CSV file of the same layout (gzip or plain, no header): 64 pixel values in
    /// 0…16, then the label.
    public init(contentsOf path: String) throws {
        let table = try CSVTable(contentsOf: path, hasHeader: false)
        guard table.columnCount == Digits.pixelCount + 1 else {
            throw DataError(
                .badHeader, path: path, line: 1,
                "expected \(Digits.pixelCount + 1) columns (64 pixels and a label), found \(table.columnCount)")
        }
        let labels = try table.classLabels(-1, classCount: Digits.classCount)
        var (features, _, _) = try table.features(excluding: -1)
        if let bad = features.firstIndex(where: { !($0 >= 0 && $0 <= Digits.maximumPixel) }) {
            throw DataError(
                .invalidValue, path: path, line: table.lineNumbers[bad / 64], column: bad % 64 + 1,
                "pixel value \(features[bad]) is outside 0…16")
        }
        for i in features.indices { features[i] /= Digits.maximumPixel }
        self.init(features: features, labels: labels)
    }

    init(features: [Float], labels: [Int], imageShape: [Int] = [64]) {
        inputColumn = ExampleColumn(floats: features, count: labels.count, rowShape: imageShape)
        labelColumn = ExampleColumn(integers: labels, dtype: .int64, count: labels.count, rowShape: [])
    }

    /// Where the bundled CSV lies.
    public static var resourceURL: URL? {
        Bundle.module.url(forResource: "digits.csv", withExtension: "gz")
    }

    public var count: Int { labelColumn.count }
    /// All pixels, image after image ([count × 64]), in [0, 1] unless normalised since.
    public var features: [Float] { inputColumn.floats }
    /// All labels, 0…9.
    public var labels: [Int] { labelColumn.integers }
    /// Shape of one input: [64] by default; any shape of 64 values (e.g. [1, 8, 8]).
    public var imageShape: [Int] {
        get { inputColumn.rowShape }
        set { inputColumn.setRowShape(newValue, what: "Digits.imageShape") }
    }

    public func example(at index: Int) -> (input: Tensor, label: Tensor) {
        (inputColumn.row(index, what: "Digits"), labelColumn.row(index, what: "Digits"))
    }

    public func batch(at indices: [Int]) -> (inputs: Tensor, labels: Tensor) {
        (inputColumn.gather(indices, what: "Digits"), labelColumn.gather(indices, what: "Digits"))
    }

    /// The examples at `indices`, as a dataset of their own (a copy).
    public func subset(_ indices: [Int]) -> Digits {
        let size = inputColumn.rowSize
        let all = features, allLabels = labels
        var picked = [Float]()
        picked.reserveCapacity(indices.count * size)
        for i in indices {
            precondition(i >= 0 && i < count, "Digits.subset: index \(i) is out of range for \(count) examples")
            picked += all[(i * size)..<((i + 1) * size)]
        }
        return Digits(features: picked, labels: indices.map { allLabels[$0] }, imageShape: imageShape)
    }

    /// A seeded train/test split, holding back `ceil(testFraction × count)` examples (a fifth by
    /// default: 1,437 train, 360 test). The same seed gives the same split.
    public func split(testFraction: Double = 0.2, seed: UInt64 = 0) -> (train: Digits, test: Digits) {
        let (train, test) = splitIndices(count: count, testFraction: testFraction, seed: seed)
        return (subset(train), subset(test))
    }

    /// Applies fitted normalisation statistics to the pixels in place.
    public mutating func normalizeInputs<N: FeatureNormalizer>(with normalizer: N) {
        inputColumn.transformFloats(what: "Digits.normalizeInputs") { normalizer.apply(to: &$0) }
    }
}
