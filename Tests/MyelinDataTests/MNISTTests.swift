import Foundation
import MyelinData
import Testing

/// Loaded once and shared: the tests only read them.
enum MNISTFixture {
    static let train = Result { try MNIST(split: .train, directory: mnistDirectory) }
    static let test = Result { try MNIST(split: .test, directory: mnistDirectory) }
}

@Suite struct MNISTTests {
    @Test func trainingSetHas60000ImagesWithTheKnownLabelCounts() throws {
        let train = try MNISTFixture.train.get()
        #expect(train.count == 60_000)
        #expect(train.images.count == 60_000 * 784)
        #expect(histogram(train.labels) == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
        #expect(Array(train.labels.prefix(8)) == [5, 0, 4, 1, 9, 2, 1, 3])
    }

    @Test func testSetHas10000ImagesWithTheKnownLabelCounts() throws {
        let test = try MNISTFixture.test.get()
        #expect(test.count == 10_000)
        #expect(histogram(test.labels) == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        #expect(Array(test.labels.prefix(5)) == [7, 2, 1, 0, 4])
    }

    @Test func pixelsAreScaledToTheUnitInterval() throws {
        let train = try MNISTFixture.train.get()
        #expect(train.images.min() == 0)
        #expect(train.images.max() == 1)
        // Every value is k/255 for a byte k.
        #expect(train.images.prefix(784 * 10).allSatisfy { ($0 * 255).rounded() / 255 == $0 })
        // The familiar MNIST statistics (torchvision's Normalize((0.1307,), (0.3081,))).
        let stats = Standardization(fitting: train.images, featureCount: 784, perFeature: false)
        #expect(abs(stats.mean[0] - 0.1307) < 5e-5)
        #expect(abs(stats.standardDeviation[0] - 0.3081) < 5e-5)
    }

    @Test func batchesAreNCHWFloatsAndInt64Labels() throws {
        let test = try MNISTFixture.test.get()
        let (images, labels) = test.batch(at: [0, 1, 9999])
        #expect(images.shape == [3, 1, 28, 28])
        #expect(images.dtype == .float32)
        #expect(labels.shape == [3])
        #expect(labels.dtype == .int64)
        #expect(labels.integers == [7, 2, test.labels[9999]])
        #expect(Array(images.scalars[784..<1568]) == Array(test.images[784..<1568]))
        let (one, label) = test.example(at: 1)
        #expect(one.shape == [1, 28, 28])
        #expect(label.shape == [])
        #expect(label.integers == [2])
        var flat = test
        flat.imageShape = [784]
        #expect(flat.batch(at: [5, 6]).inputs.shape == [2, 784])
    }

    @Test func symmetricAndRawScaling() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var pixels = [UInt8](repeating: 0, count: 2 * 784)
        pixels[1] = 255
        pixels[2] = 51
        pixels[784] = 128
        // Raw (not gzip) files are accepted too.
        try write(IDXFile.encode(shape: [2, 28, 28], payload: pixels), to: "t10k-images-idx3-ubyte", in: dir)
        try write(GZip.compress(IDXFile.encode(shape: [2], payload: [3, 9])), to: "t10k-labels-idx1-ubyte.gz", in: dir)
        let unit = try MNIST(split: .test, directory: dir.path)
        #expect(Array(unit.images.prefix(3)) == [0, 1, Float(51) / 255])
        #expect(unit.labels == [3, 9])
        let symmetric = try MNIST(split: .test, directory: dir, scaling: .symmetric)
        #expect(Array(symmetric.images.prefix(3)) == [-1, 1, Float(51) / 127.5 - 1])
        #expect(symmetric.images[784] == Float(128) / 127.5 - 1)
        let raw = try MNIST(split: .test, directory: dir, scaling: .raw)
        #expect(raw.images[784] == 128)
    }

    @Test func badFilesAreErrorsNamingTheFile() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let images = dir.appendingPathComponent("t10k-images-idx3-ubyte").path
        let labels = dir.appendingPathComponent("t10k-labels-idx1-ubyte").path

        // Missing images: the error names the file and says what to do.
        var error = dataError { try MNIST(split: .test, directory: dir) }
        #expect(error?.kind == .missingFile)
        #expect(error?.description.contains("t10k-images-idx3-ubyte") == true)
        #expect(error?.description.contains("--data DIR") == true)
        // It says what MNIST is, where the project keeps it and which files a folder must hold.
        #expect(error?.description.contains("MNIST is the data set of 70,000 handwritten digits") == true)
        #expect(error?.description.contains("the repository's Data/mnist") == true)
        #expect(error?.description.contains("a fresh clone has it") == true)
        #expect(
            error?.description.contains("train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte")
                == true)
        #expect(error?.description.contains("../shared") == false)

        try write(IDXFile.encode(shape: [3, 28, 28], payload: .init(repeating: 1, count: 3 * 784)), to: "t10k-images-idx3-ubyte", in: dir)
        error = dataError { try MNIST(split: .test, directory: dir) }
        #expect(error?.kind == .missingFile)
        #expect(error?.description.contains("t10k-labels-idx1-ubyte") == true)

        try write(IDXFile.encode(shape: [2], payload: [1, 2]), to: "t10k-labels-idx1-ubyte", in: dir)
        error = dataError { try MNIST(split: .test, directory: dir) }
        #expect(error?.kind == .mismatch)
        #expect(error?.path == labels)
        #expect(error?.message.contains("2 labels for 3 images") == true)

        try write(IDXFile.encode(shape: [3], payload: [1, 10, 2]), to: "t10k-labels-idx1-ubyte", in: dir)
        error = dataError { try MNIST(split: .test, directory: dir) }
        #expect(error?.kind == .invalidValue)
        #expect(error?.message.contains("label 10 of image 1") == true)

        try write(IDXFile.encode(shape: [3, 27, 27], payload: .init(repeating: 1, count: 3 * 729)), to: "t10k-images-idx3-ubyte", in: dir)
        error = dataError { try MNIST(split: .test, directory: dir) }
        #expect(error?.kind == .badHeader)
        #expect(error?.path == images)
        #expect(error?.message.contains("27×27") == true)

        try write(IDXFile.encode(shape: [3, 784], payload: .init(repeating: 1, count: 3 * 784)), to: "t10k-images-idx3-ubyte", in: dir)
        #expect(dataError { try MNIST(split: .test, directory: dir) }?.message == "IDX rank is 2, expected 3")

        let absent = dir.appendingPathComponent("no-such-folder")
        error = dataError { try MNIST(split: .train, directory: absent) }
        #expect(error?.kind == .missingFile)
        #expect(error?.path == absent.path)
        #expect(error?.message.hasPrefix("MNIST folder does not exist. MNIST is the data set of 70,000 handwritten digits") == true)
        #expect(error?.description.contains("--data DIR") == true)
    }

    @Test func defaultDirectoryIsFoundFromBelowTheProjectRoot() throws {
        let below = packageRoot.appendingPathComponent("Tests/MyelinDataTests")
        #expect(
            MNIST.defaultDirectory(startingAt: below)?.standardizedFileURL.path
                == mnistDirectory.standardizedFileURL.path)
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(MNIST.defaultDirectory(startingAt: dir) == nil)
    }
}
