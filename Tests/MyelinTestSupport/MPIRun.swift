import Foundation
import Testing

/// Open MPI's `mpirun`, for the tests that start several processes: found on PATH, or nil where
/// MPI is not installed (those tests are then skipped, saying why).
public enum MPIRun {
    public static let executable: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    public static var isAvailable: Bool { executable != nil }

    /// Why the tests that need it are skipped.
    public static let missing: Comment =
        "Open MPI's mpirun is not on PATH: install it (apt-get install openmpi-bin libopenmpi-dev) to run this test"

    /// Runs `processes` copies of `program ARGUMENTS` under mpirun (as root too, more processes
    /// than cores allowed, as CI does), `environment` passed to every rank.
    public static func run(
        _ processes: Int, _ program: URL, _ arguments: [String], environment: [String: String] = [:], in folder: URL? = nil
    ) throws -> ChildProcessResult {
        let exported = environment.keys.sorted().flatMap { ["-x", $0] }
        return try runChildProcess(
            executable!, ["--allow-run-as-root", "--oversubscribe", "-np", String(processes)] + exported + [program.path] + arguments,
            environment: environment, in: folder)
    }
}
