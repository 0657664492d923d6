import ArgumentParser
import Foundation
import Myelin

/// `myelin info FILE`: what a safetensors file holds — each tensor's name, stored dtype and shape,
/// the totals, and the metadata — whoever wrote it (Myelin, PyTorch, …).
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the tensors of a safetensors file (a checkpoint) with their dtypes and shapes.",
        discussion: "Example: myelin info runs/gan/gan.safetensors")

    @Argument(help: "A .safetensors file.")
    var file: String

    @Flag(help: "Print metadata values in full (long ones are shortened otherwise).")
    var fullMetadata = false

    func run() throws {
        let url = URL(fileURLWithPath: file)
        let contents = try SafeTensors.read(contentsOf: url)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        print("\(file): \(contents.names.count) tensors, \(formatBytes(bytes))")
        let rows = contents.names.map { name -> [String] in
            let tensor = contents.tensors[name]!
            return [
                name, contents.storedTypes[name]!.rawValue, "[" + tensor.shape.map(String.init).joined(separator: ", ") + "]",
                String(tensor.count),
            ]
        }
        print(table(header: ["tensor", "dtype", "shape", "elements"], rows: rows, rightAligned: [3]))
        let counts = Dictionary(grouping: contents.names) { contents.storedTypes[$0]!.rawValue }
            .mapValues { $0.reduce(0) { $0 + contents.tensors[$1]!.count } }
        print("elements: " + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        guard !contents.metadata.isEmpty else { return }
        print("metadata:")
        for (key, value) in contents.metadata.sorted(by: { $0.key < $1.key }) {
            let shown = fullMetadata || value.count <= 100 ? value : String(value.prefix(97)) + "…"
            print("  \(key) = \(shown)")
        }
    }

    private func formatBytes(_ bytes: Int) -> String {
        bytes < 1 << 20 ? String(format: "%.1f KiB", Double(bytes) / 1024) : String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }
}

/// A plain-text table with columns as wide as their widest cell; the columns in `rightAligned`
/// (numbers) are aligned right.
func table(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> String {
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { column, cell in
            let padding = String(repeating: " ", count: widths[column] - cell.count)
            return rightAligned.contains(column) ? padding + cell : cell + padding
        }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }
    return ([line(header), widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")] + rows.map(line))
        .joined(separator: "\n")
}
