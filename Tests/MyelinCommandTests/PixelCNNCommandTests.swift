import Foundation
import Testing

/// `myelin train pixelcnn` and `myelin sample pixelcnn` as a user runs them, on a small MNIST (512
/// training and 200 test digits) and a small network, for seconds: the figures they print, the
/// files they leave, results.json, and the argument errors.
@Suite(.serialized) struct PixelCNNCommandTests {
    static let smallNetwork = ["--channels", "8", "--residual-blocks", "1"]

    /// A PNG's width and height, from its header.
    func pngSize(_ url: URL) throws -> (width: Int, height: Int) {
        let bytes = [UInt8](try Data(contentsOf: url))
        try #require(bytes.count > 24 && bytes[12..<16].elementsEqual("IHDR".utf8), "\(url.path) is not a PNG")
        func word(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (word(16), word(20))
    }

    @Test func trainsReportsTheTestNLLAndDraws() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        try TrainCommandTests.writeSmallMNIST(to: runner.url("mnist"))
        let result = try runner.run(
            [
                "train", "pixelcnn", "--epochs", "1", "--batch-size", "16", "--learning-rate", "0.01", "--samples", "16", "--data",
                runner.url("mnist").path,
            ]
                + ["--out", "px"] + Self.smallNetwork)
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("512 training and 200 test digits, binarised (sampled:"), "\(result.output)")
        for name in [
            "pixelcnn.safetensors", "samples.png", "completions.png", "nll.png", "nll.svg", "loss.png", "metrics.csv", "report.html",
        ] {
            #expect(FileManager.default.fileExists(atPath: runner.url("px/\(name)").path), "no \(name)")
        }
        let results = try runner.results("px")
        let metrics = try #require(results["metrics"] as? [String: Any])
        let nats = try #require(metrics["test NLL (nats per image)"] as? Double)
        // 32 steps of a small network: well below a coin toss per pixel (543 nats), far from trained.
        #expect(nats > 90 && nats < 450, "\(nats)")
        #expect(metrics["test NLL after epoch 1 (nats)"] as? Double == nats)
        #expect(abs(try #require(metrics["test bits per pixel"] as? Double) - nats / (784 * log(2))) < 1e-4)
        #expect(try #require(metrics["sampling (images/s)"] as? Double) > 0)
        #expect(result.output.contains(String(format: "test NLL (nats per image): %.3f", nats)), "\(result.output)")
        // 16 samples 8 to a row, tripled with 2 pixels between; 8 completed digits of 6 tiles each.
        #expect(try pngSize(runner.url("px/samples.png")) == (8 * 86 + 2, 2 * 86 + 2))
        #expect(try pngSize(runner.url("px/completions.png")) == (6 * 86 + 2, 8 * 86 + 2))

        let sampled = try runner.run([
            "sample", "pixelcnn", runner.url("px/pixelcnn.safetensors").path, "--count", "3", "--complete", "2",
            "--data", runner.url("mnist").path, "--out", "drawn",
        ])
        try #require(sampled.status == 0, "\(sampled.errors)")
        #expect(sampled.output.contains("Drew 3 digits at"), "\(sampled.output)")
        #expect(try pngSize(runner.url("drawn/samples.png")) == (3 * 86 + 2, 86 + 2))
        #expect(try pngSize(runner.url("drawn/completions.png")) == (6 * 86 + 2, 2 * 86 + 2))
    }

    @Test func argumentErrorsNameTheOption() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let cases: [([String], String)] = [
            (["train", "pixelcnn", "--channels", "3"], "--channels must be an even number, at least 2"),
            (["train", "pixelcnn", "--samples", "0"], "--samples must be at least 1"),
            (["train", "pixelcnn", "--binarization", "dither"], "'dither' is invalid for '--binarization"),
            (["train", "pixelcnn", "--resume", "nowhere"], "nowhere/pixelcnn.safetensors does not exist: --resume needs the folder of"),
            (["sample", "pixelcnn", "x.safetensors", "--prime", "a"], "Unknown option '--prime'"),
            (["sample", "pixelcnn", "x.safetensors", "--count", "0"], "--count must be at least 1"),
            (["sample", "pixelcnn", "x.safetensors"], "x.safetensors"),
        ]
        for (arguments, message) in cases {
            let failed = try runner.run(arguments)
            #expect(
                failed.status != 0 && failed.errors.hasPrefix("Error: ") && failed.errors.contains(message),
                "\(arguments): \(failed.errors)")
        }
    }
}
