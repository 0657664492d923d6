import Foundation
import MyelinTensor
import MyelinTraining
import Testing

/// `myelin train MODEL --resume DIR`: N steps straight and N/2 + resume + N/2 end with the same
/// bits in every tensor of the checkpoint — weights, optimizer moments, carried state.
@Suite(.serialized) struct ResumeTests {
    /// A small text with enough variety for a vocabulary of 30-odd characters.
    static let text = (0..<40).map { "Line \($0): the quick brown fox jumps over the lazy dog, again and again.\n" }.joined()

    /// Trains `model` with `options` for `steps` in one run and in two halves with --resume, and
    /// returns the tensors whose values differ between the two final checkpoints.
    /// With `metricsSteps`, the resumed run's metrics.csv must have rows at those steps: the one
    /// the first half ended on is kept.
    func straightAndResumed(
        _ model: String, checkpoint: String, stepOption: String, steps: Int,
        options: [String], metricsSteps: [Int]? = nil
    ) throws -> [String] {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let straight = try runner.run(["train", model] + options + [stepOption, String(steps), "--out", "straight"])
        try #require(straight.status == 0, "\(straight.errors)")
        let first = try runner.run(["train", model] + options + [stepOption, String(steps / 2), "--out", "halves"])
        try #require(first.status == 0, "\(first.errors)")
        let second = try runner.run(["train", model, "--resume", "halves", stepOption, String(steps)])
        try #require(second.status == 0, "\(second.errors)")
        #expect(second.output.contains("Resuming from"))
        if let metricsSteps {
            let rows = try String(contentsOf: runner.url("halves/metrics.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            #expect(rows.compactMap { $0.split(separator: ",").first.flatMap { Int($0) } } == metricsSteps, "\(rows)")
        }
        return try CommandRunner.differingTensors(runner.url("straight/\(checkpoint)"), runner.url("halves/\(checkpoint)"))
    }

    @Test(arguments: ["gpt", "bert"])
    func transformerResumesBitIdentically(_ model: String) throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let text = try runner.write(Self.text, to: "text.txt")
        let options = [
            "--text", text, "--context", "16", "--embed-dim", "16", "--heads", "2", "--layers", "1",
            "--batch-size", "4",
        ]
        let differing = try straightAndResumed(
            model, checkpoint: "\(model).safetensors", stepOption: "--steps", steps: 8,
            options: options, metricsSteps: [4, 8])
        #expect(differing.isEmpty, "tensors that differ: \(differing)")
    }

    @Test func charRNNResumesBitIdenticallyAcrossEpochs() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        // 4 streams of about 670 characters, 16 at a time: an epoch is about 42 steps.
        let text = try runner.write(Self.text, to: "text.txt")
        let options = ["--text", text, "--window", "16", "--hidden-size", "16", "--batch-size", "4"]
        let differing = try straightAndResumed(
            "charrnn", checkpoint: "charrnn.safetensors", stepOption: "--steps",
            steps: 100, options: options)
        #expect(differing.isEmpty, "tensors that differ: \(differing)")
    }

    @Test func aNewLearningRateTakesEffectOnResume() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let text = try runner.write(Self.text, to: "text.txt")
        let first = try runner.run([
            "train", "gpt", "--text", text, "--context", "8", "--embed-dim", "8", "--heads", "2",
            "--layers", "1", "--batch-size", "2", "--steps", "2", "--out", "run",
        ])
        try #require(first.status == 0, "\(first.errors)")
        let resumed = try runner.run(["train", "gpt", "--resume", "run", "--steps", "4", "--learning-rate", "0.0005"])
        try #require(resumed.status == 0, "\(resumed.errors)")
        let metadata = try SafeTensors.read(contentsOf: runner.url("run/gpt.safetensors")).metadata
        #expect(
            metadata["myelin.optimizer.model"]?.contains("\"learningRate\":0.0005") == true,
            "\(metadata["myelin.optimizer.model"] ?? "none")")
        #expect(metadata["myelin.progress"].flatMap { CheckpointMetadata.decode(TrainingProgress.self, from: $0) }?.step == 4)
    }

    @Test func anImageModelResumesFromTheResumeFolderIntoAnother() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let mnist = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Data/mnist").path
        let first = try runner.run(["train", "mlp", "--data", mnist, "--epochs", "1", "--out", "a"])
        try #require(first.status == 0, "\(first.errors)")
        // Read from a (which has trained its one epoch), not from the empty b.
        let again = try runner.run(["train", "mlp", "--data", mnist, "--resume", "a", "--out", "b", "--epochs", "1"])
        #expect(again.status == 1)
        #expect(again.errors.contains("a/mlp.safetensors already trained for 1 epoch;"), "\(again.errors)")
    }

    @Test func resumeNeedsAnEarlierRunAndKeepsItsSettings() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let missing = try runner.run(["train", "gpt", "--resume", "nowhere"])
        #expect(missing.status != 0)
        #expect(missing.errors.contains("nowhere/gpt.safetensors does not exist"))

        let text = try runner.write(Self.text, to: "text.txt")
        let first = try runner.run([
            "train", "gpt", "--text", text, "--context", "8", "--embed-dim", "8", "--heads", "2",
            "--layers", "1", "--batch-size", "2", "--steps", "2", "--out", "run",
        ])
        try #require(first.status == 0, "\(first.errors)")
        // Every option that would change the run is named at once; the file stays as it was.
        let before = try Data(contentsOf: runner.url("run/gpt.safetensors"))
        let changed = try runner.run(["train", "gpt", "--resume", "run", "--steps", "4", "--layers", "2", "--seed", "5"])
        #expect(changed.status != 0)
        #expect(changed.errors.contains("--layers 2 (the run's is 1), --seed 5 (the run's is 0) differ"), "\(changed.errors)")
        #expect(try Data(contentsOf: runner.url("run/gpt.safetensors")) == before)
        // Restating the run's own settings is fine.
        let same = try runner.run(["train", "gpt", "--resume", "run", "--steps", "3", "--layers", "1", "--text", text])
        #expect(same.status == 0, "\(same.errors)")
    }
}
