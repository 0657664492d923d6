import Foundation
import MyelinTensor

/// The MNIST handwritten digits, read from the four IDX files (gzip or raw) in a folder.
///
/// Examples: input [1, 28, 28] float32 (as torchvision gives; set `imageShape = [784]` for
/// flat rows), label [] int64 in 0…9. Batches: [B, 1, 28, 28] and [B]. All images are kept in one
/// contiguous array, scaled as `scaling` says.
public struct MNIST: Dataset {
    /// Which half of MNIST: 60,000 training or 10,000 test images.
    public enum Split: String, Sendable {
        case train, test

        /// The file-name stem: `train` or `t10k`.
        public var filePrefix: String { self == .train ? "train" : "t10k" }
        public var imagesFileName: String { "\(filePrefix)-images-idx3-ubyte" }
        public var labelsFileName: String { "\(filePrefix)-labels-idx1-ubyte" }
    }

    /// How pixel bytes 0…255 become floats (computed in float32, as PyTorch does).
    public enum Scaling: Sendable {
        /// x / 255, in [0, 1] (the MNIST MLP, ConvNet and LeNet-5 benchmarks).
        case unitInterval
        /// x / 127.5 − 1, in [−1, 1] (the GAN benchmark, for a tanh generator).
        case symmetric
        /// x, in [0, 255].
        case raw
    }

    public static let imageSide = 28
    public static let pixelCount = 784
    public static let classCount = 10

    public let split: Split
    public let scaling: Scaling
    /// The folder the files were read from.
    public let directory: URL
    var inputColumn: ExampleColumn
    var labelColumn: ExampleColumn

    /// Loads `split` from `directory` (default: `MNIST.defaultDirectory()`, the project's
    /// `Data/mnist`). Throws a `DataError` naming the file that is missing or malformed.
    public init(split: Split, directory: URL? = nil, scaling: Scaling = .unitInterval) throws {
        guard let directory = directory ?? MNIST.defaultDirectory() else {
            throw DataError(
                .missingFile, path: "Data/mnist",
                "not found in \(FileManager.default.currentDirectoryPath) or any folder above it. \(MNIST.hint)")
        }
        self.split = split
        self.scaling = scaling
        self.directory = directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError(.missingFile, path: directory.path, "MNIST folder does not exist. \(MNIST.hint)")
        }
        let imagesPath = try MNIST.locate(split.imagesFileName, in: directory)
        let labelsPath = try MNIST.locate(split.labelsFileName, in: directory)

        let images = try IDXFile(contentsOf: imagesPath, expectedRank: 3, expectedType: .uint8)
        guard images.shape[1] == MNIST.imageSide && images.shape[2] == MNIST.imageSide else {
            throw DataError(
                .badHeader, path: imagesPath,
                "MNIST images must be 28×28, this file's are \(images.shape[1])×\(images.shape[2])")
        }
        let labels = try IDXFile(contentsOf: labelsPath, expectedRank: 1, expectedType: .uint8)
        guard images.shape[0] == labels.shape[0] else {
            throw DataError(
                .mismatch, path: labelsPath,
                "\(labels.shape[0]) labels for \(images.shape[0]) images in \(imagesPath)")
        }
        if let bad = labels.payload.firstIndex(where: { Int($0) >= MNIST.classCount }) {
            throw DataError(
                .invalidValue, path: labelsPath,
                "label \(labels.payload[bad]) of image \(bad) is not a digit 0…9")
        }
        let count = images.shape[0]
        inputColumn = ExampleColumn(floats: MNIST.scale(images.payload, scaling), count: count, rowShape: [1, 28, 28])
        labelColumn = ExampleColumn(integers: labels.payload.map(Int.init), dtype: .int64, count: count, rowShape: [])
    }

    /// Loads `split` from the folder at `directory`.
    public init(split: Split, directory: String, scaling: Scaling = .unitInterval) throws {
        try self.init(split: split, directory: URL(fileURLWithPath: directory), scaling: scaling)
    }

    public var count: Int { labelColumn.count }
    /// All pixels, image after image, row-major ([count × 784]), scaled as `scaling` says.
    public var images: [Float] { inputColumn.floats }
    /// All labels, 0…9.
    public var labels: [Int] { labelColumn.integers }
    /// Shape of one input: [1, 28, 28] by default; any shape of 784 values (e.g. [784], [28, 28]).
    public var imageShape: [Int] {
        get { inputColumn.rowShape }
        set { inputColumn.setRowShape(newValue, what: "MNIST.imageShape") }
    }

    public func example(at index: Int) -> (input: Tensor, label: Tensor) {
        (inputColumn.row(index, what: "MNIST"), labelColumn.row(index, what: "MNIST"))
    }

    public func batch(at indices: [Int]) -> (inputs: Tensor, labels: Tensor) {
        (inputColumn.gather(indices, what: "MNIST"), labelColumn.gather(indices, what: "MNIST"))
    }

    /// Applies fitted normalisation statistics to the images in place.
    public mutating func normalizeInputs<N: FeatureNormalizer>(with normalizer: N) {
        inputColumn.transformFloats(what: "MNIST.normalizeInputs") { normalizer.apply(to: &$0) }
    }

    /// The project's `Data/mnist`: the first folder named so in the current directory or one above
    /// it that holds MNIST's training images. Nil if there is none.
    public static func defaultDirectory(startingAt start: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) -> URL? {
        ProjectData.locate("mnist", startingAt: start) { (try? locate(Split.train.imagesFileName, in: $0)) != nil }
    }

    /// What MNIST is, where the project keeps it and what to do, said in every missing-file error.
    static let hint: String = {
        let files: [String] = [Split.train, Split.test].flatMap { [$0.imagesFileName, $0.labelsFileName] }
        return "MNIST is the data set of 70,000 handwritten digits (28×28 grey images labelled 0–9). "
            + "Myelin keeps it in the repository's Data/mnist (looked for from the current folder upward), "
            + "and a fresh clone has it: run from inside the repository (`git checkout -- Data/mnist` restores "
            + "deleted files). To read another folder, pass it with --data DIR (or `directory:` in code); it must hold "
            + files.joined(separator: ", ") + ", each raw or gzipped (with .gz added)."
    }()

    /// `name.gz` if it exists, else `name`; an error naming both if neither does.
    static func locate(_ name: String, in directory: URL) throws -> String {
        let gz = directory.appendingPathComponent(name + ".gz").path
        if FileManager.default.fileExists(atPath: gz) { return gz }
        let raw = directory.appendingPathComponent(name).path
        if FileManager.default.fileExists(atPath: raw) { return raw }
        throw DataError(.missingFile, path: gz, "MNIST file missing (neither \(name).gz nor \(name) is in \(directory.path)). \(hint)")
    }

    /// Bytes to floats through a 256-entry table: the same float32 arithmetic as PyTorch's.
    static func scale(_ bytes: [UInt8], _ scaling: Scaling) -> [Float] {
        let table: [Float] = (0..<256).map { (b: Int) -> Float in
            let x = Float(b)
            switch scaling {
            case .unitInterval: return x / 255
            case .symmetric: return x / 127.5 - 1
            case .raw: return x
            }
        }
        return [Float](unsafeUninitializedCapacity: bytes.count) { out, initialized in
            table.withUnsafeBufferPointer { t in
                for (i, b) in bytes.enumerated() { out[i] = t[Int(b)] }
            }
            initialized = bytes.count
        }
    }
}
