import Foundation
import Testing

/// `myelin train seq2seq` and `myelin translate` as a user runs them, with small networks for a
/// few dozen steps: the table, the files, results.json, resume, translation and the errors.
@Suite(.serialized) struct Seq2SeqCommandTests {
    static let small = ["--hidden-size", "8", "--embedding-size", "8", "--batch-size", "8"]

    @Test func datesWithAttentionTrainResumeAndTranslate() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let straight = try runner.run(
            ["train", "seq2seq", "--attention", "--steps", "20", "--evaluate-every", "10", "--beam", "2", "--out", "straight"] + Self.small)
        try #require(straight.status == 0, "\(straight.errors)")
        #expect(straight.output.contains("Exact-match accuracy on the 2000 held-out test pairs, greedy decoding:"), "\(straight.output)")
        #expect(straight.output.contains("source length (characters)") && straight.output.contains("attention: additive"))
        #expect(straight.output.contains("Beam search of width 2:"))
        for name in ["seq2seq.safetensors", "attention.png", "loss.png", "accuracy.png", "metrics.csv", "report.html", "results.json"] {
            #expect(FileManager.default.fileExists(atPath: runner.url("straight/\(name)").path), "no \(name)")
        }
        let figures = try #require(try runner.results("straight")["metrics"] as? [String: Any])
        let greedy = try #require(figures["test exact-match accuracy (greedy)"] as? Double)
        #expect((0...1).contains(greedy) && figures["test exact-match accuracy (beam 2)"] is Double, "\(figures)")
        // The buckets of 10 characters hold the 2,000 test pairs, each with its accuracy.
        let counts = figures.filter { $0.key.hasPrefix("test pairs, ") }.compactMap { $0.value as? Double }
        #expect(counts.reduce(0, +) == 2000 && figures["exact match, 1–10 characters"] is Double, "\(figures.keys.sorted())")

        // Ten steps, then ten more after --resume: the same bits as twenty straight.
        let first = try runner.run(
            ["train", "seq2seq", "--attention", "--steps", "10", "--evaluate-every", "10", "--beam", "2", "--out", "halves"] + Self.small)
        try #require(first.status == 0, "\(first.errors)")
        let second = try runner.run(["train", "seq2seq", "--resume", "halves", "--steps", "20", "--beam", "2"])
        try #require(second.status == 0, "\(second.errors)")
        #expect(second.output.contains("Resuming from"))
        let differing = try CommandRunner.differingTensors(
            runner.url("straight/seq2seq.safetensors"), runner.url("halves/seq2seq.safetensors"))
        #expect(differing.isEmpty, "tensors that differ: \(differing)")
        let changed = try runner.run(["train", "seq2seq", "--resume", "halves", "--steps", "30", "--hidden-size", "16"])
        #expect(changed.status != 0 && changed.errors.contains("--hidden-size 16 (the run's is 8)"), "\(changed.errors)")

        // Translation: ten characters per date, one line per text; the run folder or the file.
        let translated = try runner.run(["translate", "straight", "3 March 2015", "Tuesday, March 3, 2015", "--beam", "3"])
        try #require(translated.status == 0, "\(translated.errors)")
        let lines = translated.output.split(separator: "\n")
        #expect(lines.count == 2 && lines.allSatisfy { $0.allSatisfy { "0123456789-".contains($0) } }, "\(translated.output)")
        let verbose = try runner.run(["translate", runner.url("straight/seq2seq.safetensors").path, "03/03/15", "--verbose"])
        #expect(verbose.status == 0 && verbose.output.hasPrefix("03/03/15 → ") && verbose.output.contains("log-probability"))
        let unknown = try runner.run(["translate", "straight", "3 März 2015"])
        #expect(unknown.status != 0 && unknown.errors.contains("has 2 characters the model never saw: \"ä\", \"z\""), "\(unknown.errors)")
        #expect(unknown.errors.contains("trained on dates"))
    }

    @Test func numbersWithoutAttentionCompareWithAnotherRun() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let words = try runner.run(["train", "seq2seq", "--task", "numbers", "--steps", "6", "--out", "words"] + Self.small)
        try #require(words.status == 0, "\(words.errors)")
        #expect(words.output.contains("Task words-to-digits: words → characters") && words.output.contains("source length (words)"))
        #expect(!FileManager.default.fileExists(atPath: runner.url("words/attention.png").path), "no attention, no picture")
        let dot = try runner.run(
            [
                "train", "seq2seq", "--task", "numbers", "--attention", "--score", "dot", "--steps", "6", "--compare", "words", "--out",
                "dot",
            ]
                + Self.small)
        try #require(dot.status == 0, "\(dot.errors)")
        #expect(dot.output.contains("attention: dot   attention: none"), "\(dot.output)")
        let settings = try #require(try runner.results("dot")["settings"] as? [String: String])
        #expect(settings["attention"] == "dot" && settings["task"] == "words-to-digits")
        let back = try runner.run(
            ["train", "seq2seq", "--task", "numbers", "--direction", "to-words", "--steps", "4", "--out", "back"] + Self.small)
        try #require(back.status == 0, "\(back.errors)")
        #expect(back.output.contains("Task digits-to-words: characters → words"))
        let translated = try runner.run(["translate", "words", "forty-two", "seventeen"])
        #expect(translated.status == 0 && translated.output.split(separator: "\n").count == 2, "\(translated.errors)")
        let unknown = try runner.run(["translate", "words", "fourty-two"])
        #expect(unknown.status != 0 && unknown.errors.contains("has 1 word the model never saw: \"fourty-two\""), "\(unknown.errors)")
    }

    @Test func argumentErrorsNameTheOption() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let cases: [([String], String)] = [
            (["train", "seq2seq", "--direction", "to-words"], "--direction goes with --task numbers"),
            (["train", "seq2seq", "--score", "dot"], "--score chooses the attention's score: give --attention too"),
            (["train", "seq2seq", "--hidden-size", "0"], "--hidden-size must be at least 1"),
            (["train", "seq2seq", "--learning-rate", "0"], "--learning-rate must be a positive number"),
            (["train", "seq2seq", "--compare", "nowhere", "--steps", "1"], "nowhere/results.json does not exist: --compare needs"),
            (
                ["train", "seq2seq", "--resume", "nowhere"],
                "does not exist: --resume needs the folder of an earlier `myelin train seq2seq` run"
            ),
            (["translate", "nowhere", "3 March 2015"], "does not exist: give a `myelin train seq2seq` run folder or its checkpoint file"),
            (["translate", ".", "3 March 2015"], "holds no seq2seq.safetensors: train one with `myelin train seq2seq --out .`"),
            (["translate", ".", "x", "--beam", "0"], "--beam must be at least 1"),
        ]
        for (arguments, message) in cases {
            let result = try runner.run(arguments)
            #expect(result.status != 0 && result.errors.contains(message), "\(arguments): \(result.errors)")
        }
    }
}
