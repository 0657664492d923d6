import Foundation
import Testing

/// What a user sees when a file is not what a command needs: a one-line error naming the file and
/// the problem, a failing exit status, and never a crash.
@Suite struct BadFileTests {
    /// A small checkpoint to damage: two steps of a tiny GPT.
    func makeCheckpoint(_ runner: CommandRunner) throws -> URL {
        let text = try runner.write(ResumeTests.text, to: "text.txt")
        let result = try runner.run([
            "train", "gpt", "--text", text, "--context", "8", "--embed-dim", "8", "--heads", "2",
            "--layers", "1", "--batch-size", "2", "--steps", "2", "--out", "run",
        ])
        try #require(result.status == 0, "\(result.errors)")
        return runner.url("run/gpt.safetensors")
    }

    @Test func damagedCheckpointsAreRefusedByName() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let checkpoint = try makeCheckpoint(runner)
        let bytes = try Data(contentsOf: checkpoint)
        let headerLength = bytes.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        var wrongJSON = bytes
        wrongJSON[8] = UInt8(ascii: "[")
        let cases: [(String, Data, String)] = [
            ("truncated", bytes.prefix(bytes.count - 100), "past the end of the data"),
            ("header only", bytes.prefix(8 + headerLength), "past the end of the data (0 bytes)"),
            ("too short for a header", bytes.prefix(5), "5 bytes is too short for a safetensors file"),
            ("invalid JSON", wrongJSON, "header is not JSON"),
            ("empty", Data(), "0 bytes is too short"),
        ]
        for (name, damaged, problem) in cases {
            let url = runner.url("\(name).safetensors")
            try damaged.write(to: url)
            for command in [["sample", "gpt", url.path, "--length", "3"], ["info", url.path]] {
                let result = try runner.run(command)
                #expect(result.status == 1, "\(name), \(command[0]): exit status \(result.status)")
                #expect(
                    result.errors.hasPrefix("Error: \(url.path): ")
                        || result.errors.hasPrefix("Error: \(url.path) is not a safetensors file: "),
                    "\(name), \(command[0]): \(result.errors)")
                #expect(
                    result.errors.split(separator: "\n").count == 1 && result.errors.contains(problem),
                    "\(name): \(result.errors)")
            }
        }
        // Resuming from a damaged checkpoint leaves it as it was.
        try bytes.prefix(bytes.count - 1).write(to: checkpoint)
        let resumed = try runner.run(["train", "gpt", "--resume", runner.url("run").path, "--steps", "4"])
        #expect(resumed.status == 1 && resumed.errors.contains(checkpoint.path), "\(resumed.errors)")
        #expect(try Data(contentsOf: checkpoint) == bytes.prefix(bytes.count - 1))
    }

    @Test func infoOfATextFileSaysItIsNotASafetensorsFile() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let readme = try runner.write("# Myelin\n\nMyelin is a deep-learning framework written in Swift.\n", to: "README.md")
        let result = try runner.run(["info", readme])
        #expect(result.status == 1)
        #expect(
            result.errors == "Error: \(readme) is not a safetensors file: its first 8 bytes (\"# Myelin\" as text), read as "
                + "the header length a safetensors file starts with, say 7956009399809286179 bytes, over the format's limit "
                + "of 100,000,000\n", "\(result.errors)")
    }

    @Test func aCheckpointOfAnotherModelIsNamedAsSuch() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let checkpoint = try makeCheckpoint(runner)
        let result = try runner.run(["sample", "charrnn", checkpoint.path])
        #expect(result.status == 1)
        #expect(result.errors.contains("\(checkpoint.path): not a char-RNN checkpoint"), "\(result.errors)")
    }

    @Test func infoListsTensorsWithDTypeAndShape() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let checkpoint = try makeCheckpoint(runner)
        let result = try runner.run(["info", checkpoint.path])
        #expect(result.status == 0, "\(result.errors)")
        let lines = result.output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        // tok.weight is the token embedding: vocabulary × 8, float32.
        let token = try #require(lines.first { $0.first == "tok.weight" })
        #expect(token[1] == "F32" && token[2] == "[\(Set(ResumeTests.text).count)," && token[3] == "8]")
        #expect(lines.contains { $0.first == "optimizer.model.exp_avg.0" })
        #expect(result.output.contains("myelin.format = myelin.chargpt"))
    }
}
