import Foundation

/// A file that could not be written: which file, at which step, and why.
public struct FileWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The step of an atomic write that failed.
    public enum Step: String, Sendable {
        case createTemporaryFile = "creating the temporary file"
        case write = "writing the temporary file"
        case syncFile = "syncing the temporary file"
        case close = "closing the temporary file"
        case rename = "renaming the temporary file over the destination"
        case syncFolder = "syncing the folder"
    }

    /// The destination file.
    public var path: String
    /// The step that failed.
    public var step: Step
    /// The system's reason (`strerror`).
    public var reason: String

    public init(path: String, step: Step, reason: String) {
        self.path = path
        self.step = step
        self.reason = reason
    }

    public var description: String { "\(path): cannot write (\(step.rawValue)): \(reason)" }

    /// The error for `step`, with the reason that `errno` holds now.
    static func current(path: String, step: Step) -> FileWriteError {
        FileWriteError(path: path, step: step, reason: String(cString: strerror(errno)))
    }
}

/// Writes `data` to `url` so that a crash or power cut leaves either the old file or the whole new
/// one, never part of it: the bytes go to a temporary file in the same folder, which is synced
/// to disk, renamed over `url`, and then the folder is synced so that the rename itself is durable.
///
/// Throws a `FileWriteError` naming the file and the step that failed; the temporary file is
/// removed on failure.
public func writeFileAtomically(_ data: Data, to url: URL) throws {
    let path = url.path
    let folder = url.deletingLastPathComponent().path
    let temporary = folder + "/." + url.lastPathComponent + ".tmp-" + UUID().uuidString
    func failure(_ step: FileWriteError.Step) -> FileWriteError { .current(path: path, step: step) }

    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw failure(.createTemporaryFile) }
    var error: FileWriteError?
    data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
        var written = 0
        while written < buffer.count {
            let n = write(fd, buffer.baseAddress! + written, buffer.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                error = failure(.write)
                return
            }
            written += n
        }
    }
    // fsync before the rename: otherwise a power cut can leave the new name on an empty file.
    if error == nil && fsync(fd) != 0 { error = failure(.syncFile) }
    if close(fd) != 0 && error == nil { error = failure(.close) }
    if error == nil && rename(temporary, path) != 0 { error = failure(.rename) }
    if let error {
        unlink(temporary)
        throw error
    }
    try syncFolder(folder, for: path)
}

/// Syncs a folder's entries (a rename is durable only once its folder is synced). File systems
/// that cannot sync a folder say EINVAL; there is nothing more to do on those.
private func syncFolder(_ folder: String, for path: String) throws {
    let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw FileWriteError.current(path: path, step: .syncFolder) }
    defer { close(fd) }
    if fsync(fd) != 0 && errno != EINVAL { throw FileWriteError.current(path: path, step: .syncFolder) }
}

/// Removes the temporary files that atomic writes to `url` left behind when their process died
/// mid-write (the destination itself is untouched: it is still the last whole file). Returns how
/// many it removed. Call it only while nothing else is writing to `url`, e.g. when a run starts.
@discardableResult
public func removeAbandonedTemporaryFiles(for url: URL) -> Int {
    let folder = url.deletingLastPathComponent()
    let prefix = "." + url.lastPathComponent + ".tmp-"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { $0.hasPrefix(prefix) }.reduce(0) { removed, name in
        removed + (unlink(folder.appendingPathComponent(name).path) == 0 ? 1 : 0)
    }
}
