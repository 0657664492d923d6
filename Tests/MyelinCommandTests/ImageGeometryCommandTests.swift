import Foundation
import Testing

/// `myelin train superres` and `myelin train stn` as a user runs them, on a small MNIST (512
/// training and 200 test digits), for seconds each: the tables they print, the files they leave,
/// results.json's figures, and the argument errors.
@Suite(.serialized) struct ImageGeometryCommandTests {
    func expectFiles(_ names: [String], in folder: URL, _ command: String) {
        for name in names {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "\(command) left no \(name)")
        }
    }

    @Test(arguments: [("2", "14×14"), ("4", "7×7")])
    func superResolution(scale: String, side: String) throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        try TrainCommandTests.writeSmallMNIST(to: runner.url("mnist"))
        let result = try runner.run([
            "train", "superres", "--scale", scale, "--epochs", "1", "--data", runner.url("mnist").path, "--out", "sr",
        ])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("each shrunk to \(side) by averaging"), "\(result.output)")
        #expect(result.output.contains("PSNR of the 200 test digits, \(side) → 28×28"), "\(result.output)")
        expectFiles(
            ["superres.safetensors", "superres.png", "psnr.png", "psnr.svg", "loss.png", "metrics.csv", "report.html", "results.json"],
            in: runner.url("sr"), "superres")
        // The table is in results.json as numbers: the gain is the network's PSNR less bilinear's.
        let figures = try #require(try runner.results("sr")["metrics"] as? [String: Any])
        let network = try #require(figures["PSNR network (dB)"] as? Double)
        let bilinear = try #require(figures["PSNR bilinear (dB)"] as? Double)
        let gain = try #require(figures["PSNR gain over bilinear (dB)"] as? Double)
        #expect(figures["PSNR nearest (dB)"] is Double && abs(gain - (network - bilinear)) < 0.011, "\(figures)")
        #expect(result.output.contains(String(format: "%6.2f", network)))
        // Plain upsampling of average-pooled digits: about 18.5 dB at ×2 and 13.5 dB at ×4 (bilinear).
        #expect(bilinear > (scale == "2" ? 17 : 12) && bilinear < (scale == "2" ? 20 : 15), "\(bilinear)")

        // A resumed run keeps its scale.
        let changed = try runner.run(["train", "superres", "--resume", "sr", "--scale", scale == "2" ? "4" : "2", "--epochs", "2"])
        #expect(
            changed.status != 0 && changed.errors.contains("--scale \(scale == "2" ? "4" : "2") (the run's is \(scale))"),
            "\(changed.errors)")
    }

    @Test func spatialTransformer() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        try TrainCommandTests.writeSmallMNIST(to: runner.url("mnist"))
        let result = try runner.run(["train", "stn", "--epochs", "1", "--data", runner.url("mnist").path, "--out", "stn"])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("STN loss") && result.output.contains("ConvNet loss"), "\(result.output)")
        #expect(result.output.contains("Accuracy on the 200 distorted test digits"), "\(result.output)")
        expectFiles(
            ["stn.safetensors", "rectified.png", "loss.png", "accuracy.png", "metrics.csv", "report.html", "results.json"],
            in: runner.url("stn"), "stn")
        let figures = try #require(try runner.results("stn")["metrics"] as? [String: Any])
        let stn = try #require(figures["STN test accuracy"] as? Double), convNet = try #require(figures["ConvNet test accuracy"] as? Double)
        #expect((0...1).contains(stn) && (0...1).contains(convNet) && figures["STN gain in accuracy"] is Double, "\(figures)")
        #expect(result.output.contains(String(format: "%.4f", stn)) && result.output.contains(String(format: "%.4f", convNet)))
        let log = try String(contentsOf: runner.url("stn/metrics.csv"), encoding: .utf8)
        #expect(
            log.hasPrefix("step,epoch,STN loss,ConvNet loss,mean STN loss,mean ConvNet loss,STN test loss,STN test accuracy,"),
            "\(log.prefix(120))")
    }

    @Test func argumentErrorsNameTheOption() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let cases: [([String], String)] = [
            (["train", "superres", "--scale", "3"], "--scale must be 2 (14×14 → 28×28) or 4 (7×7 → 28×28), got 3"),
            (["train", "superres", "--batch-size", "0"], "--batch-size must be at least 1"),
            (["train", "stn", "--epochs", "0"], "--epochs must be at least 1"),
            (["train", "stn", "--learning-rate", "0"], "--learning-rate must be a positive number"),
            (["train", "stn", "--resume", "nowhere"], "does not exist: --resume needs the folder of an earlier `myelin train stn` run"),
            (
                ["train", "superres", "--resume", "nowhere"],
                "does not exist: --resume needs the folder of an earlier `myelin train superres` run"
            ),
        ]
        for (arguments, message) in cases {
            let result = try runner.run(arguments)
            #expect(result.status != 0 && result.errors.contains(message), "\(arguments): \(result.errors)")
        }
    }
}
