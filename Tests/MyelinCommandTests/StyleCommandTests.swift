import Foundation
import MyelinTensor
import Testing

/// `myelin style` as a user runs it, on the project's sample pictures made tiny (32 pixels), for a
/// few steps: what it writes, that the loss falls, which features it says it used, and how it
/// refuses bad files.
@Suite struct StyleCommandTests {
    static let images = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Data/images").standardized

    static func image(_ name: String) -> String { images.appendingPathComponent(name).path }

    static func metrics(_ url: URL) throws -> [String: Any] {
        let results = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return try #require(results["metrics"] as? [String: Any])
    }

    @Test(arguments: ["lbfgs", "adam"])
    func aTinyRunWritesItsFilesAndLowersTheLoss(_ optimizer: String) throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let result = try runner.run([
            "style", "--content", Self.image("chelsea.png"), "--style", Self.image("hubble_deep_field.png"), "--size", "32",
            "--steps", "12", "--optimizer", optimizer, "--snapshots", "3", "--out", "out",
        ])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("Painting \(Self.image("chelsea.png")) (32×21) in the style of"), "\(result.output)")
        #expect(result.output.contains("Features: random multi-scale ConvNet (Ustyuzhaninov et al. 2017; no trained weights)"))
        for name in ["result.png", "progress.png", "inputs.png", "loss.svg", "loss.png", "report.html", "results.json"] {
            #expect(FileManager.default.fileExists(atPath: runner.url("out/\(name)").path), "style left no \(name)")
        }
        let metrics = try Self.metrics(runner.url("out/results.json"))
        let first = try #require(metrics["loss at start"] as? Double), last = try #require(metrics["loss"] as? Double)
        #expect(last < 0.5 * first, "\(optimizer): \(first) → \(last)")
        let results = try runner.results("out")
        let settings = try #require(results["settings"] as? [String: String])
        #expect(settings["optimizer"] == optimizer && settings["features"]?.hasPrefix("random multi-scale ConvNet") == true)
        // The result is the content's size; the strip holds the start and 3 snapshots (and the end if it is not one).
        let picture = try Data(contentsOf: runner.url("out/result.png"))
        #expect(picture.count > 100)
    }

    @Test func withoutContentItGrowsATexture() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let result = try runner.run(["style", "--style", Self.image("brick.png"), "--size", "32", "--steps", "10"])
        try #require(result.status == 0, "\(result.errors)")
        #expect(
            result.output.contains("Painting a 32×32 texture like \(Self.image("brick.png")) with lbfgs, 10 steps."), "\(result.output)")
        let metrics = try Self.metrics(runner.url("runs/texture-brick/results.json"))
        #expect(metrics["content loss"] as? Double == 0)
        #expect((metrics["loss"] as! Double) < (metrics["loss at start"] as! Double))
    }

    @Test func vgg16WeightsAreUsedWhenGivenAndNamed() throws {
        // A weights file laid out as torchvision's VGG16 (random values: this checks the plumbing, not the art).
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let generator = RandomGenerator(seed: 1)
        var tensors: [(String, Tensor)] = []
        var (index, inputs) = (0, 3)
        for widths in [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]] {
            for width in widths {
                tensors += [
                    ("features.\(index).weight", Tensor.randn([width, inputs, 3, 3], generator: generator) * 0.05),
                    ("features.\(index).bias", Tensor.zeros([width])),
                ]
                (index, inputs) = (index + 2, width)
            }
            index += 1
        }
        let weights = runner.url("vgg16.safetensors")
        try SafeTensors.write(tensors, to: weights)
        let result = try runner.run([
            "style", "--content", Self.image("coffee.png"), "--style", Self.image("gravel.png"), "--size", "32", "--steps", "3",
            "--weights", weights.path, "--out", "vgg",
        ])
        try #require(result.status == 0, "\(result.errors)")
        #expect(
            result.output.contains(
                "Features: VGG16 with torchvision's ImageNet weights from \(weights.path); style: relu1_1, relu2_1, relu3_1, relu4_1, relu5_1, content: relu4_2."
            ), "\(result.output)")
    }

    @Test func badFilesAreRefusedByName() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let text = try runner.write("not a picture\n", to: "notes.png")
        let missing = runner.url("missing.png").path
        let lenet = runner.url("lenet.safetensors")
        try SafeTensors.write([("conv1.weight", Tensor.zeros([6, 1, 5, 5]))], to: lenet)
        let cases: [([String], String)] = [
            (["--content", missing, "--style", Self.image("brick.png")], "Error: \(missing): cannot read"),
            (["--style", text], "Error: \(text): not a PNG file (bad signature)"),
            (
                ["--style", Self.image("brick.png"), "--weights", lenet.path],
                "Error: \(lenet.path) has no 'features.*' tensors, so it is not torchvision VGG16 weights"
            ),
            (["--style", Self.image("brick.png"), "--weights", text], "Error: \(text)"),
            (["--style", Self.image("brick.png"), "--size", "8"], "Error: --size must be from 16 to 2048 pixels"),
        ]
        for (arguments, message) in cases {
            let result = try runner.run(["style", "--steps", "1", "--size", "32"] + arguments)
            #expect(result.status != 0, "\(arguments)")
            // A file's problem is one line; a bad option's is followed by ArgumentParser's usage.
            let lines = result.errors.split(separator: "\n").count
            #expect(result.errors.hasPrefix(message) && (lines == 1 || message.hasPrefix("Error: --")), "\(arguments): \(result.errors)")
        }
    }
}
