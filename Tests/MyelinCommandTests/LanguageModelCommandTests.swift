import Foundation
import MyelinTensor
import Testing

/// `myelin train bert` and `myelin fill`, and the prime `train charrnn|gpt` and `sample` take from
/// the text trained on, run as a user runs them on small texts.
@Suite(.serialized) struct LanguageModelCommandTests {
    /// A text of 2,279 characters with every letter of "ROMEO:" and "JULIET:" but neither name; its
    /// validation part (the last 228) starts inside a line, then has the whole line "THE CLOWN TO JUNO:".
    static let text =
        (0..<30).map { "Line \($0): the quick brown fox jumps over the lazy dog. MORE JOLLITE?\n" }.joined()
        + "and so the clown's song goes on\nTHE CLOWN TO JUNO:\n" + String(repeating: "Sing more of it, and again.\n", count: 6)
        + "The end of the song and play.\n"

    /// The options of a GPT that trains in a moment.
    static let tinyGPT = ["--context", "8", "--embed-dim", "8", "--heads", "2", "--layers", "1", "--batch-size", "2"]

    @Test(arguments: ["gpt", "charrnn"])
    func theDefaultPrimeComesFromTheTextAndIsKept(_ model: String) throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let text = try runner.write(Self.text, to: "text.txt")
        let options = model == "gpt" ? Self.tinyGPT : ["--window", "8", "--hidden-size", "8", "--batch-size", "2"]
        let trained = try runner.run(["train", model, "--text", text, "--steps", "2", "--out", "run"] + options)
        try #require(trained.status == 0, "\(trained.errors)")
        #expect(!trained.output.contains("ROMEO") && !trained.output.contains("JULIET"), "\(trained.output)")
        #expect(trained.output.contains("A sample (temperature 0.8):\n\nTHE CLOWN TO JUNO:\n"), "\(trained.output)")
        let checkpoint = runner.url("run/\(model).safetensors").path
        #expect(trained.output.contains("Sample more with: myelin sample \(model) \(checkpoint) --length 500"))
        #expect(try SafeTensors.read(contentsOf: runner.url("run/\(model).safetensors")).metadata["myelin.prime"] == "THE CLOWN TO JUNO:\n")
        // `myelin sample` starts from it unless given another prime.
        let sampled = try runner.run(["sample", model, checkpoint, "--length", "5"])
        try #require(sampled.status == 0, "\(sampled.errors)")
        #expect(sampled.output.hasPrefix("THE CLOWN TO JUNO:\n") && sampled.output.count == "THE CLOWN TO JUNO:\n".count + 5 + 1)
        let primed = try runner.run(["sample", model, checkpoint, "--length", "5", "--prime", "MORE"])
        #expect(primed.output.hasPrefix("MORE") && primed.output.count == 4 + 5 + 1, "\(primed.output)")
    }

    @Test func aCheckpointWithoutAPrimeStillSamplesFromALineBreak() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let text = try runner.write(Self.text, to: "text.txt")
        let trained = try runner.run(["train", "gpt", "--text", text, "--steps", "2", "--out", "run"] + Self.tinyGPT)
        try #require(trained.status == 0, "\(trained.errors)")
        // As written before Myelin kept a prime.
        let url = runner.url("run/gpt.safetensors")
        let file = try SafeTensors.read(contentsOf: url)
        try SafeTensors.write(
            file.names.map { ($0, file.tensors[$0]!) }, metadata: file.metadata.filter { $0.key != "myelin.prime" }, to: url)
        let sampled = try runner.run(["sample", "gpt", url.path, "--length", "5"])
        try #require(sampled.status == 0, "\(sampled.errors)")
        #expect(sampled.output.hasPrefix("\n") && sampled.output.count == 1 + 5 + 1)
    }

    @Test func bertTrainsAgainstItsBaselinesAndFills() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let text = try runner.write(Self.text, to: "text.txt")
        let trained = try runner.run([
            "train", "masked-lm", "--text", text, "--context", "32", "--embed-dim", "16", "--heads", "2", "--layers", "1",
            "--batch-size", "8", "--steps", "20", "--out", "run",
        ])
        try #require(trained.status == 0, "\(trained.errors)")
        // The last 228 characters: 7 windows of 32, 5 characters chosen in each.
        #expect(
            trained.output.contains("Validation: 7 windows of 32, 35 chosen characters; baselines on them: always \" \" "),
            "\(trained.output)")
        #expect(trained.output.contains("  model masked accuracy") && trained.output.contains("  unigram baseline accuracy    "))
        for name in ["bert.safetensors", "report.html", "results.json", "metrics.csv", "loss.png", "accuracy.png", "accuracy.svg"] {
            #expect(FileManager.default.fileExists(atPath: runner.url("run/\(name)").path), "no \(name)")
        }
        let results = try runner.results("run")
        let metrics = try #require(results["metrics"] as? [String: Any])
        let model = try #require(metrics["model masked accuracy"] as? Double)
        let majority = try #require(metrics["majority baseline accuracy"] as? Double)
        let unigram = try #require(metrics["unigram baseline accuracy"] as? Double)
        #expect(metrics["majority character"] as? String == "\" \"")
        #expect((0...1).contains(model) && majority > 0 && unigram > 0 && unigram < majority, "\(metrics)")
        // The table's figures have 4 decimals; the history's last evaluation is whole.
        let last = try #require((results["last"] as? [String: Double])?["validation masked accuracy"])
        #expect(abs(last - model) <= 0.00005, "\(last) \(model)")
        // The example is the first validation line of 24 to 32 characters (the context), with 4 of its 27 blanked.
        let checkpoint = runner.url("run/bert.safetensors").path
        let suggestion = try #require(trained.output.split(separator: "\n").first { $0.hasPrefix("Fill blanks with: myelin fill") })
        let example = try #require(suggestion.split(separator: "\"").dropFirst().first)
        #expect(suggestion.hasPrefix("Fill blanks with: myelin fill \(checkpoint) \""), "\(suggestion)")
        #expect(example.count == 27 && example.count { $0 == "_" } == 4, "\(example)")
        #expect(zip(example, "Sing more of it, and again.").allSatisfy { $0 == "_" || $0 == $1 }, "\(example)")

        let filled = try runner.run(["fill", checkpoint, "the quick br_wn fox"])
        try #require(filled.status == 0, "\(filled.errors)")
        let line = filled.output.dropLast()
        #expect(line.count == 19 && line.hasPrefix("the quick br") && line.hasSuffix("wn fox") && !line.contains("_"), "\(filled.output)")
    }

    @Test func fillRefusesATextWithoutBlanksOrWithUnknownCharactersAndOtherCheckpoints() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let text = try runner.write(Self.text, to: "text.txt")
        let trained = try runner.run([
            "train", "bert", "--text", text, "--context", "32", "--embed-dim", "8", "--heads", "2", "--layers", "1",
            "--batch-size", "2", "--steps", "1", "--out", "run",
        ])
        try #require(trained.status == 0, "\(trained.errors)")
        let checkpoint = runner.url("run/bert.safetensors").path
        let noBlank = try runner.run(["fill", checkpoint, "the quick brown fox"])
        #expect(noBlank.status != 0 && noBlank.errors.contains("the text has no blank: write _ for each character"), "\(noBlank.errors)")
        let unknown = try runner.run(["fill", checkpoint, "the quick br_wn fox ~"])
        #expect(
            unknown.status != 0
                && unknown.errors.contains(
                    "character '~' (U+007E) is not in the vocabulary of \(Set(Self.text).count) characters (column 21)"),
            "\(unknown.errors)")
        let gpt = try runner.run(["train", "gpt", "--text", text, "--steps", "1", "--out", "gpt"] + Self.tinyGPT)
        try #require(gpt.status == 0, "\(gpt.errors)")
        let wrong = try runner.run(["fill", runner.url("gpt/gpt.safetensors").path, "the qu_ck"])
        #expect(wrong.status != 0 && wrong.errors.contains("not a char-BERT checkpoint"), "\(wrong.errors)")
    }
}
