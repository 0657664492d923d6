import Foundation
import Testing

// The code follows the repository's .swift-format: `swift format lint --strict` finds nothing. To
// fix what it finds, run `swift format --in-place --recursive Sources Tests Examples Package.swift`.
@Suite struct FormatTests {
    @Test func theCodeFollowsTheFormatConfiguration() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "swift", "format", "lint", "--strict", "--recursive", "--parallel", "Sources", "Tests", "Examples", "Package.swift",
        ]
        process.currentDirectoryURL = ReadmeTests.root
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        try process.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(
            process.terminationStatus == 0 && output.isEmpty,
            "swift format lint found lines that differ from .swift-format (fix them with swift format --in-place --recursive Sources Tests Examples Package.swift):\n\(output.prefix(4000))"
        )
    }
}
