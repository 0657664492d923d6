import Foundation
import MyelinTensor

/// Writes `data` to `url` atomically (MyelinTensor's `writeFileAtomically`: a synced temporary
/// file renamed over `url`), reporting a failure as a `VisionError` naming the file.
func writeAtomically(_ data: Data, to url: URL) throws {
    do {
        try writeFileAtomically(data, to: url)
    } catch let error as FileWriteError {
        throw VisionError(path: error.path, problem: .writeFailed("\(error.step.rawValue): \(error.reason)"))
    }
}

/// Reads the whole file at `url`, or throws a `VisionError` naming it.
func readFile(_ url: URL) throws -> Data {
    do {
        return try Data(contentsOf: url)
    } catch {
        let reason = (error as NSError).localizedDescription
        throw VisionError(path: url.path, problem: .readFailed(reason))
    }
}
