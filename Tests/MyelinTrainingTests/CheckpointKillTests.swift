import Foundation
import MyelinTensor
import Testing

/// Kills a training process at random moments while it checkpoints after every step (the
/// `checkpoint-writer` executable, Tests/CheckpointWriter) and checks each time that the file left
/// behind is a whole checkpoint that loads, and no older than the last one the writer announced.
@Suite struct CheckpointKillTests {
    static let kills = 25

    /// The writer, built beside this test binary (the test target depends on it).
    static var writer: URL {
        let folder =
            Bundle.main.executableURL?.deletingLastPathComponent()
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return folder.appendingPathComponent("checkpoint-writer")
    }

    /// Runs the writer until `delay` after its `saves`-th announced checkpoint, then SIGKILLs it;
    /// returns the last step it announced.
    func killWriter(file: URL, afterSaves saves: Int, delay: TimeInterval) throws -> Int {
        let process = Process()
        process.executableURL = Self.writer
        process.arguments = [file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var announced = 0, buffer = Data()
        while announced < saves {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            buffer += chunk
            let lines = String(decoding: buffer, as: UTF8.self).split(separator: "\n")
            announced = lines.compactMap { $0.hasPrefix("saved ") ? Int($0.dropFirst(6)) : nil }.last ?? 0
        }
        Thread.sleep(forTimeInterval: delay)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let rest = String(decoding: buffer + output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return rest.split(separator: "\n").compactMap { $0.hasPrefix("saved ") ? Int($0.dropFirst(6)) : nil }.last ?? 0
    }

    /// Loads the checkpoint in a fresh writer process (`--verify`); returns its step.
    func verify(_ file: URL) throws -> Int? {
        let process = Process()
        process.executableURL = Self.writer
        process.arguments = ["--verify", file.path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "the checkpoint did not load: \(problem)")
        return text.hasPrefix("ok ") ? Int(text.dropFirst(3).trimmingCharacters(in: .whitespacesAndNewlines)) : nil
    }

    @Test func everyKillLeavesALoadableCheckpoint() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.writer.path), "no writer at \(Self.writer.path)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kill-test-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("run.safetensors")
        let random = RandomGenerator(seed: 2024)
        var survived = 0, insideWrite = 0
        for kill in 1...Self.kills {
            // A save takes a few milliseconds; random delays up to 40 ms land before, inside and
            // after writes. The first kill waits for one save so that a file exists.
            let delay = Double(random.integer(below: 40_000)) / 1_000_000
            let announced = try killWriter(file: file, afterSaves: kill == 1 ? 1 : 0, delay: delay)
            guard FileManager.default.fileExists(atPath: file.path) else {
                Issue.record("kill \(kill): the checkpoint file is gone")
                continue
            }
            // A kill inside a write leaves its temporary file; the checkpoint must not care.
            insideWrite += removeAbandonedTemporaryFiles(for: file)
            let step = try verify(file)
            // The file is the last announced checkpoint or a later one, never an older or a partial one.
            if let step, step >= announced {
                survived += 1
            } else {
                Issue.record("kill \(kill): the file holds step \(step.map(String.init) ?? "none"), the writer had announced \(announced)")
            }
        }
        #expect(survived == Self.kills)
        print("CheckpointKillTests: \(survived) of \(Self.kills) kills left a loadable checkpoint; \(insideWrite) landed inside a write")
    }
}
