import Foundation

/// The project's own `Data/` folder, where the data sets it uses are committed (`Data/mnist`,
/// `Data/text/shakespeare.txt`), found from the current directory or any folder above it.
public enum ProjectData {
    /// The first `Data/<relativePath>` in `start` or a folder above it that `accept` takes (by
    /// default: that exists). Nil if there is none.
    public static func locate(
        _ relativePath: String,
        startingAt start: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        where accept: (URL) -> Bool = { FileManager.default.fileExists(atPath: $0.path) }
    ) -> URL? {
        var folder = start.standardizedFileURL
        while true {
            let candidate = folder.appendingPathComponent("Data").appendingPathComponent(relativePath)
            if accept(candidate) { return candidate }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return nil }
            folder = parent
        }
    }
}
