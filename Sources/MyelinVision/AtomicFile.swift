import Foundation

/// Writes `data` to `url` through a temporary file in the same folder and a rename, so a crash
/// leaves either the old file or the whole new one, never half of it.
func writeAtomically(_ data: Data, to url: URL) throws {
    let path = url.path
    let folder = url.deletingLastPathComponent().path
    let temp = folder + "/." + url.lastPathComponent + ".tmp-" + UUID().uuidString
    func failure(_ what: String) -> VisionError {
        let reason = String(cString: strerror(errno))
        return VisionError(path: path, problem: .writeFailed("\(what): \(reason)"))
    }
    let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else { throw failure("cannot create temporary file \(temp)") }
    var ok = true
    var what = ""
    data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
        var offset = 0
        while offset < buffer.count {
            let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                ok = false; what = "write failed"; return
            }
            offset += n
        }
    }
    // fsync before rename: otherwise a power cut can leave the new name pointing at an empty file.
    if ok && fsync(fd) != 0 { ok = false; what = "fsync failed" }
    if close(fd) != 0 && ok { ok = false; what = "close failed" }
    if ok && rename(temp, path) != 0 { ok = false; what = "rename from \(temp) failed" }
    if !ok {
        let error = failure(what)
        unlink(temp)
        throw error
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
