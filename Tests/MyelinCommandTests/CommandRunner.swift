import Foundation
import MyelinTensor
import MyelinTestSupport
import Testing

/// Runs the `myelin` executable (built beside the test binary; this target depends on it) in a
/// fresh temporary folder, for tests of what a user types.
struct CommandRunner {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-command-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func removeFolder() { try? FileManager.default.removeItem(at: folder) }

    static var executable: URL { builtProducts.appendingPathComponent("myelin") }

    /// Runs `myelin ARGUMENTS` in the folder (with `environment` added to this process's);
    /// returns its exit status and what it printed.
    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String, errors: String) {
        let result = try runChildProcess(Self.executable, arguments, environment: environment, in: folder)
        return (result.status, result.output, result.errors)
    }

    /// Runs `myelin ARGUMENTS` as `processes` ranks under Open MPI's mpirun, in the folder.
    func runParallel(_ processes: Int, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let result = try MPIRun.run(processes, Self.executable, arguments, in: folder)
        return (result.status, result.output, result.errors)
    }

    func url(_ path: String) -> URL { folder.appendingPathComponent(path) }

    /// The results.json that a command wrote into the folder `run` (within the runner's folder).
    func results(_ run: String) throws -> [String: Any] {
        let data = try Data(contentsOf: url(run).appendingPathComponent("results.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(run)/results.json is not an object")
    }

    /// Writes `text` to `name` in the folder and returns its path.
    func write(_ text: String, to name: String) throws -> String {
        let url = url(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// The largest difference between two safetensors files' float tensors of the same name, and
    /// that tensor's name; tensors only one file has count as infinitely different. A difference
    /// is relative to the value where the value is larger than 1 (Adam's second moments of a loss
    /// summed over 784 pixels run into the hundreds, and rounding differs in their seventh digit).
    static func largestDifference(_ a: URL, _ b: URL) throws -> (value: Float, name: String) {
        let first = try SafeTensors.read(contentsOf: a), second = try SafeTensors.read(contentsOf: b)
        var largest: (value: Float, name: String) = (0, "")
        for name in Set(first.names).union(second.names).sorted() {
            guard let x = first.tensors[name], let y = second.tensors[name], x.shape == y.shape else { return (.infinity, name) }
            guard x.dtype == .float32 else { continue }
            let difference = zip(x.scalars, y.scalars).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
            if difference > largest.value || difference.isNaN { largest = (difference, name) }
        }
        return largest
    }

    /// The names of the tensors of two safetensors files whose values differ (or that only one has).
    static func differingTensors(_ a: URL, _ b: URL) throws -> [String] {
        let first = try SafeTensors.read(contentsOf: a), second = try SafeTensors.read(contentsOf: b)
        let names = Set(first.names).union(second.names)
        return names.sorted().filter { name in
            guard let x = first.tensors[name], let y = second.tensors[name], x.shape == y.shape, x.dtype == y.dtype else { return true }
            return x.dtype == .float32 ? x.scalars.map(\.bitPattern) != y.scalars.map(\.bitPattern) : x.integers != y.integers
        }
    }
}
