import Foundation
import MyelinData

/// The package root: the first folder above this file that holds Package.swift.
let packageRoot: URL = {
    var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
        let parent = folder.deletingLastPathComponent()
        precondition(parent.path != folder.path, "no Package.swift above \(#filePath)")
        folder = parent
    }
    return folder
}()

let mnistDirectory = packageRoot.appendingPathComponent("Data/mnist")

/// A fresh temporary folder for one test's files.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("myelin-data-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `bytes` to `name` in `directory` and returns the path.
@discardableResult
func write(_ bytes: [UInt8], to name: String, in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

/// The `DataError` thrown by `body`, or nil if it throws none (or another error).
func dataError<T>(_ body: () throws -> T) -> DataError? {
    do {
        _ = try body()
        return nil
    } catch let error as DataError {
        return error
    } catch {
        return nil
    }
}

/// Class counts of `labels`.
func histogram(_ labels: [Int], classes: Int = 10) -> [Int] {
    var counts = [Int](repeating: 0, count: classes)
    for l in labels { counts[l] += 1 }
    return counts
}

/// `n` examples: input i is [i, 10 + i], label i; so a batch's labels name its examples.
func countingDataset(_ n: Int = 10) -> TensorDataset {
    TensorDataset(features: (0..<n).flatMap { [Float($0), Float(10 + $0)] }, featureShape: [2], labels: Array(0..<n))
}
