import Foundation

/// What a child process printed and how it ended.
public struct ChildProcessResult {
    public var status: Int32
    public var output: String
    public var errors: String
}

/// Runs `executable ARGUMENTS` in `folder` (with `environment` added to this process's) until it
/// ends; returns its exit status and what it printed on standard output and standard error.
public func runChildProcess(
    _ executable: URL, _ arguments: [String], environment: [String: String] = [:], in folder: URL? = nil
) throws -> ChildProcessResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    if let folder { process.currentDirectoryURL = folder }
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Read both pipes while the process runs, so that neither fills up and blocks it.
    let errorData = ErrorBytes()
    let reader = Thread { errorData.bytes = errors.fileHandleForReading.readDataToEndOfFile() }
    reader.start()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !reader.isFinished { Thread.sleep(forTimeInterval: 0.001) }
    return ChildProcessResult(
        status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
        errors: String(decoding: errorData.bytes, as: UTF8.self))
}

/// The folder of the products built with the tests (executables a test target depends on).
public var builtProducts: URL {
    Bundle.main.executableURL?.deletingLastPathComponent()
        ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
}

/// What the reader thread collects from stderr; read only after the thread has finished.
private final class ErrorBytes: @unchecked Sendable {
    var bytes = Data()
}
