import Foundation

// What every `myelin` command shares: its one-line errors, its output folder, the files it wrote.

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

/// A failure to report to the user in one line.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
