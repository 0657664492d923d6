import Foundation
import Myelin

// What every `myelin` command shares: its one-line errors, its output folder, the files it wrote, a
// picture of the user's read as grey.

/// Prints the files a run wrote, one a line.
func printWritten(_ paths: [String]) {
    print("Wrote:\n" + paths.map { "  \($0)" }.joined(separator: "\n"))
}

/// Creates `path` (and its parents) if needed, with an error that says which folder failed.
func makeOutputDirectory(_ path: String) throws -> URL {
    let url = URL(fileURLWithPath: path, isDirectory: true)
    do {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
        throw CommandError("cannot create the output folder \(path): \(error.localizedDescription)")
    }
    return url
}

/// The checkpoint file `name` of a `myelin train COMMAND` run folder, or the file `path` itself; an
/// error names a path that does not exist or a folder without the file.
func checkpointFile(_ path: String, named name: String, command: String) throws -> URL {
    let url = URL(fileURLWithPath: path)
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
        throw CommandError("\(url.path) does not exist: give a `myelin train \(command)` run folder or its checkpoint file")
    }
    guard isFolder.boolValue else { return url }
    let file = url.appendingPathComponent(name)
    guard FileManager.default.fileExists(atPath: file.path) else {
        throw CommandError("\(url.path) holds no \(name): train one with `myelin train \(command) --out \(path)`")
    }
    return file
}

/// A failure to report to the user in one line.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A picture as one gray channel in [0, 1] ([1, 1, H, W]): the mean of its colour channels (alpha
/// left aside). What `dream --image` and `segment` read a user's PNG as.
func grayPicture(_ picture: Image) -> Tensor {
    let colours = min(picture.channels, 3), pixels = picture.width * picture.height
    let gray = (0..<pixels).map { p in
        (0..<colours).reduce(Float(0)) { $0 + Float(picture.pixels[p * picture.channels + $1]) } / (255 * Float(colours))
    }
    return Tensor(shape: [1, 1, picture.height, picture.width], scalars: gray)
}
