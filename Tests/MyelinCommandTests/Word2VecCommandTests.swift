import Foundation
import Testing

/// `myelin train word2vec`, `myelin neighbors` and `myelin analogy` as a user runs them, on a small
/// text: what they print, the files they leave, and their one-line errors.
@Suite(.serialized) struct Word2VecCommandTests {
    /// Two topics of words in alternating sentences, so that neighbours have something to find.
    static let text = (0..<200).map { s in
        let words = s % 2 == 0 ? ["king", "queen", "crown", "throne", "court"] : ["apple", "pear", "plum", "fig", "grape"]
        return (0..<6).map { words[($0 * 3 + s) % 5] }.joined(separator: " ") + "."
    }.joined(separator: "\n")

    @Test func trainsThenAnswersNeighboursAndAnalogiesFromEitherFile() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let text = try runner.write(Self.text, to: "text.txt")
        let options = ["--text", text, "--dimensions", "8", "--min-count", "2", "--threads", "1", "--out", "run"]
        let trained = try runner.run(
            ["train", "word2vec"] + options + [
                "--epochs", "10", "--sample", "0", "--neighbors", "king,zebra", "--map", "king,queen,apple,pear", "--save-sentences",
                "s.txt",
            ])
        try #require(trained.status == 0, "\(trained.errors)")
        #expect(trained.output.contains("1200 words in 200 sentences; 10 words seen at least 2 times"), "\(trained.output)")
        #expect(
            trained.output.contains("Nearest neighbours (cosine similarity):\nking: ")
                && trained.output.contains("zebra: not in the vocabulary"))
        for name in [
            "word2vec.safetensors", "vectors.txt", "word-map.png", "word-map.svg", "loss.png", "report.html", "results.json", "metrics.csv",
        ] {
            #expect(FileManager.default.fileExists(atPath: runner.url("run/\(name)").path), "no \(name)")
        }
        let sentences = try String(contentsOf: runner.url("s.txt"), encoding: .utf8).split(separator: "\n")
        #expect(sentences.count == 200 && sentences[1] == "pear grape plum apple fig pear")
        let results = try runner.results("run")
        #expect(((results["metrics"] as? [String: Any])?["words per second"] as? Double ?? 0) > 0)

        // The checkpoint and the text file give the same answers; king's topic comes first.
        let fromCheckpoint = try runner.run(["neighbors", "run/word2vec.safetensors", "King", "--count", "4"])
        let fromText = try runner.run(["neighbors", "run/vectors.txt", "king", "--count", "4"])
        try #require(fromCheckpoint.status == 0 && fromText.status == 0, "\(fromCheckpoint.errors) \(fromText.errors)")
        #expect(fromCheckpoint.output == fromText.output)
        let neighbours = fromText.output.split(separator: "\n").dropFirst().map { $0.split(separator: " ")[0] }
        #expect(Set(neighbours) == ["queen", "crown", "throne", "court"], "\(fromText.output)")
        let analogy = try runner.run(["analogy", "run/vectors.txt", "king", "apple", "pear", "--count", "2"])
        try #require(analogy.status == 0, "\(analogy.errors)")
        #expect(analogy.output.hasPrefix("king − apple + pear ≈\n  "))

        // An unknown word, a wrong number of words, a file of neither kind: one line each.
        let unknown = try runner.run(["neighbors", "run/vectors.txt", "zebra"])
        #expect(unknown.status != 0 && unknown.errors.contains("\"zebra\" is not among its 10 words"), "\(unknown.errors)")
        let two = try runner.run(["analogy", "run/vectors.txt", "king", "apple"])
        #expect(two.status != 0 && two.errors.contains("give three words"))
        let notVectors = try runner.run(["neighbors", text, "king"])
        #expect(notVectors.status != 0 && notVectors.errors.contains("two positive counts"), "\(notVectors.errors)")
    }

    @Test func aResumedRunGoesOnAndRefusesChangedSettings() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let text = try runner.write(Self.text, to: "text.txt")
        let first = try runner.run([
            "train", "word2vec", "--text", text, "--dimensions", "8", "--min-count", "2", "--epochs", "1", "--out", "run",
        ])
        try #require(first.status == 0, "\(first.errors)")
        let changed = try runner.run(["train", "word2vec", "--resume", "run", "--epochs", "2", "--window", "3"])
        #expect(changed.status != 0 && changed.errors.contains("--window 3 (the run's is 5)"), "\(changed.errors)")
        let resumed = try runner.run(["train", "word2vec", "--resume", "run", "--epochs", "2"])
        try #require(resumed.status == 0, "\(resumed.errors)")
        #expect(resumed.output.contains("Resuming from") && resumed.output.contains("Trained 2 epochs"))
    }
}
