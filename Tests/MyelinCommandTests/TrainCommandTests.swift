import Foundation
import MyelinTraining
import Testing

/// Every `myelin train` subcommand and `myelin demo`, run as a user runs them, on a small MNIST
/// (the first 512 training and 200 test digits, written as IDX files), for seconds each: what they
/// print and the files they leave; and resumes through the executable.
@Suite(.serialized) struct TrainCommandTests {
    /// Writes `train` training and `test` test digits of the project's MNIST as raw IDX files into `folder`.
    static func writeSmallMNIST(to folder: URL, train: Int = 512, test: Int = 200) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Data/mnist")
        for (split, count) in [(MNIST.Split.train, train), (.test, test)] {
            let data = try MNIST(split: split, directory: project)
            let (images, labels) = data.batch(at: Array(0..<count))
            func header(_ magic: UInt8, _ dims: [Int]) -> Data {
                Data([0, 0, 8, magic]) + dims.flatMap { d in (0..<4).reversed().map { UInt8((d >> (8 * $0)) & 255) } }
            }
            try (header(3, [count, 28, 28]) + Data(images.scalars.map { UInt8(($0 * 255).rounded()) }))
                .write(to: folder.appendingPathComponent(split.imagesFileName))
            try (header(1, [count]) + Data(labels.integers.map { UInt8($0) })).write(
                to: folder.appendingPathComponent(split.labelsFileName))
        }
    }

    func expectFiles(_ names: [String], in folder: URL, _ command: String) {
        for name in names {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "\(command) left no \(name)")
        }
    }

    @Test(arguments: ["mlp", "lenet", "cnn", "vgg-mini"])
    func imageModels(_ model: String) throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        try Self.writeSmallMNIST(to: runner.url("mnist"))
        let result = try runner.run(["train", model, "--data", runner.url("mnist").path, "--epochs", "1", "--out", "run"])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("epoch 1/1 [████████████████████████]") && result.output.contains("test accuracy"))
        #expect(result.output.contains("Test accuracy: 0.") && result.output.contains("Confusion matrix of the test set"))
        var files = ["\(model).safetensors", "metrics.csv", "report.html", "results.json", "loss.png", "loss.svg", "accuracy.png"]
        if model != "mlp" { files += ["filters.png", "feature-maps.png"] }
        expectFiles(files, in: runner.url("run"), model)
        let log = try String(contentsOf: runner.url("run/metrics.csv"), encoding: .utf8)
        #expect(log.hasPrefix("step,epoch,loss,mean loss,test loss,test accuracy\n"), "\(log.prefix(80))")
    }

    @Test func demo() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let result = try runner.run(["demo", "--epochs", "3", "--out", "demo"])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("epoch 3/3 [") && result.output.contains("Test accuracy: 0."))
        expectFiles(
            ["first-layer-weights.png", "loss.png", "accuracy.png", "report.html", "results.json", "metrics.csv"], in: runner.url("demo"),
            "demo")
        // results.json holds the accuracy the command printed, as a number.
        let results = try runner.results("demo")
        let accuracy = try #require((results["metrics"] as? [String: Any])?["test accuracy"] as? Double)
        #expect(result.output.contains(String(format: "Test accuracy: %.4f", accuracy)), "\(results)")
        #expect(results["epochs"] as? Int == 3)
    }

    @Test(arguments: ["mlp", "dcgan"])
    func gan(_ variant: String) throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        try Self.writeSmallMNIST(to: runner.url("mnist"), train: 256)
        let result = try runner.run([
            "train", "gan", "--variant", variant, "--data", runner.url("mnist").path, "--epochs", "2",
            "--out", "gan",
        ])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("epoch 2/2 [") && result.output.contains("mean D(G(z))"))
        expectFiles(
            [
                "gan.safetensors", "samples/epoch-001.png", "samples/epoch-002.png", "evolution.png", "evolution.gif",
                "loss.png", "report.html", "results.json",
            ], in: runner.url("gan"), "gan \(variant)")
    }

    @Test func conditionalGANAndSampleGAN() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        try Self.writeSmallMNIST(to: runner.url("mnist"), train: 256)
        let result = try runner.run([
            "train", "gan", "--conditional", "--data", runner.url("mnist").path, "--epochs", "1", "--out", "cgan",
        ])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("GAN mlp, z 64, G 256-512, D 512-256, conditional"))
        #expect(result.output.contains("G's digits read by the classifier as the digit asked for (1,000 of each):"))
        expectFiles(
            ["gan.safetensors", "samples/epoch-001.png", "report.html", "results.json"], in: runner.url("cgan"), "gan --conditional")
        // Ten rows of the ten digits.
        let grid = try Image(contentsOfPNG: runner.url("cgan/samples/epoch-001.png"))
        #expect(grid.width == 10 * 58 + 2 && grid.height == grid.width)
        let results = try runner.results("cgan")
        let rate = try #require((results["metrics"] as? [String: Any])?["recognised as the digit asked for, 7"] as? Double)
        #expect(rate >= 0 && rate <= 1)

        let sample = try runner.run([
            "sample", "gan", runner.url("cgan/gan.safetensors").path, "--digit", "7", "--count", "16", "--arithmetic", "slant",
            "--out", "drawn",
        ])
        try #require(sample.status == 0, "\(sample.errors)")
        #expect(sample.output.contains("Mean slant of 1,000 new digits moved k times along it:"))
        expectFiles(["digit-7.png", "arithmetic-slant.png", "report.html", "results.json"], in: runner.url("drawn"), "sample gan")
        let rows = try runner.run(["sample", "gan", runner.url("cgan/gan.safetensors").path, "--count", "20", "--out", "rows"])
        try #require(rows.status == 0, "\(rows.errors)")
        #expect(try Image(contentsOfPNG: runner.url("rows/digits.png")).height == 2 * 58 + 2)

        // An unconditional GAN cannot be asked for a digit.
        let plain = try runner.run(["train", "gan", "--data", runner.url("mnist").path, "--epochs", "1", "--out", "plain"])
        try #require(plain.status == 0, "\(plain.errors)")
        let refused = try runner.run(["sample", "gan", runner.url("plain/gan.safetensors").path, "--digit", "3"])
        #expect(
            refused.status == 1 && refused.errors.hasPrefix("Error: \(runner.url("plain/gan.safetensors").path) holds an unconditional GAN")
        )
        #expect(refused.errors.split(separator: "\n").count == 1, "\(refused.errors)")
    }

    @Test func vaeReportsItsNegativeELBOAndDrawsTheManifold() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        try Self.writeSmallMNIST(to: runner.url("mnist"))
        let result = try runner.run(["train", "vae", "--latent", "2", "--epochs", "2", "--data", runner.url("mnist").path, "--out", "vae"])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("Test negative ELBO after 2 epochs"))
        expectFiles(
            [
                "vae.safetensors", "samples.png", "reconstructions.png", "manifold.png", "latent-means.png", "elbo.png", "report.html",
                "results.json",
            ],
            in: runner.url("vae"), "vae")
        let manifold = try Image(contentsOfPNG: runner.url("vae/manifold.png"))
        #expect(manifold.width == 20 * 28 && manifold.height == 20 * 28)
        let results = try runner.results("vae")
        let elbo = try #require((results["metrics"] as? [String: Any])?["test negative ELBO (nats per image)"] as? Double)
        // Between a model that knows nothing (784 ln 2 ≈ 543 nats) and a good one (≈ 100).
        #expect(elbo > 100 && elbo < 543, "\(elbo)")
        #expect(result.output.contains(String(format: "%.2f nats per image", elbo)))
    }

    @Test func cycleGANWritesItsGridsAndLowersTheCycleLoss() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        try Self.writeSmallMNIST(to: runner.url("mnist"))
        let result = try runner.run([
            "train", "cyclegan", "--data", runner.url("mnist").path, "--epochs", "2", "--digits", "128", "--test-digits", "50",
            "--batch-size", "8", "--generator-width", "4", "--residual-blocks", "1", "--discriminator-width", "4", "--out", "cyc",
        ])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("epoch 2/2 [") && result.output.contains("Cycle L1 error on 50 test digits"))
        #expect(result.output.contains("classifier accuracy on G_BA(zebra test digits) (50): 0."))
        let grids = ["A-B-A", "B-A-B"].flatMap { ["samples/\($0)/epoch-001.png", "samples/\($0)/epoch-002.png"] }
        expectFiles(
            grids + ["cyclegan.safetensors", "loss.png", "generator-loss.png", "report.html", "results.json", "metrics.csv"],
            in: runner.url("cyc"), "cyclegan")
        // Three rows of ten digits drawn twice their size, 2 pixels apart, beside the rows' labels.
        let grid = try Image(contentsOfPNG: runner.url("cyc/samples/B-A-B/epoch-002.png"))
        #expect(grid.height == 3 * 60 && grid.width > 10 * 58)

        let results = try runner.results("cyc")
        let metrics = try #require(results["metrics"] as? [String: Any])
        for name in ["classifier accuracy on G_BA(zebra test digits)", "classifier accuracy on zebra test digits", "test cycle L1 B→A→B"] {
            let value = try #require(metrics[name] as? Double, "\(name) missing from \(metrics)")
            #expect(value >= 0 && value <= 2, "\(name) \(value)")
        }
        // metrics.csv has a row per epoch: the second epoch's mean cycle loss is well below the first's,
        // and the round trips of the test digits got closer too.
        let rows = try String(contentsOf: runner.url("cyc/metrics.csv"), encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        try #require(rows.count == 3, "\(rows)")
        func column(_ name: Substring) throws -> [Double] {
            let index = try #require(rows[0].firstIndex(of: name), "no \(name) in \(rows[0])")
            return rows.dropFirst().map { Double($0[index])! }
        }
        let cycle = try column("mean cycle loss"), testCycle = try column("test cycle L1 A→B→A")
        #expect(cycle[1] < 0.8 * cycle[0], "mean cycle loss \(cycle)")
        #expect(testCycle[1] < testCycle[0], "test cycle L1 A→B→A \(testCycle)")
    }

    @Test func autoencoderFindsTheDigitsItNeverSaw() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        try Self.writeSmallMNIST(to: runner.url("mnist"))
        let result = try runner.run([
            "train", "autoencoder", "--normal-digits", "0-4", "--epochs", "1", "--data", runner.url("mnist").path,
            "--out", "ae",
        ])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("unseen-digit AUC") && result.output.contains("ROC AUC of reconstruction error"))
        expectFiles(
            ["autoencoder.safetensors", "reconstructions.png", "anomalies.png", "roc.png", "scores.png", "report.html", "results.json"],
            in: runner.url("ae"), "autoencoder")
    }

    @Test func segmentationAndSegment() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        try Self.writeSmallMNIST(to: runner.url("mnist"), train: 256, test: 100)
        let result = try runner.run([
            "train", "segmentation", "--width", "4", "--train-canvases", "64", "--test-canvases", "16", "--epochs", "1",
            "--loss", "dice", "--data", runner.url("mnist").path, "--out", "seg",
        ])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("epoch 1/1 [") && result.output.contains("test mean IoU"))
        #expect(
            result.output.contains("IoU and Dice per class on the 16 test canvases:\nclass ") && result.output.contains("\nbackground "))
        expectFiles(
            ["segmentation.safetensors", "segmentation.png", "iou.png", "loss.png", "metrics.csv", "report.html", "results.json"],
            in: runner.url("seg"), "segmentation")
        let results = try runner.results("seg")
        let metrics = try #require(results["metrics"] as? [String: Any])
        for name in ["test mean IoU (digits)", "test background IoU", "test pixel accuracy", "IoU background", "IoU 9", "Dice 0"] {
            #expect(metrics[name] is Double, "results.json has no number \(name): \(metrics)")
        }
        #expect((results["settings"] as? [String: String])?["loss"] == "soft Dice loss")

        // A picture whose sides are not multiples of 8 is labelled whole: 50 wide, 37 high.
        var picture = Image(width: 50, height: 37, channels: 1)
        for y in 8..<30 { for x in 10..<14 { picture[x: x, y: y, channel: 0] = 255 } }
        try picture.writePNG(to: runner.url("one.png"))
        let segmented = try runner.run(["segment", "seg", runner.url("one.png").path, "--out", "one-labels.png"])
        try #require(segmented.status == 0, "\(segmented.errors)")
        #expect(segmented.output.contains("Labelled \(runner.url("one.png").path) (50×37)"), "\(segmented.output)")
        let labels = try Image(contentsOfPNG: runner.url("one-labels.png"))
        #expect(labels.width == 50 && labels.height == 37 && labels.channels == 3)
        let colours = stride(from: 0, to: labels.pixels.count, by: 3).map { i in
            RGB(labels.pixels[i], labels.pixels[i + 1], labels.pixels[i + 2])
        }
        #expect(Set(colours).isSubset(of: LabelPalette.digits.colors))

        // Missing and malformed files are named with the problem.
        try Data("not a picture".utf8).write(to: runner.url("text.png"))
        let cases: [([String], String)] = [
            (["segment", "seg", runner.url("missing.png").path], "Error: \(runner.url("missing.png").path): cannot read"),
            (["segment", "seg", runner.url("text.png").path], "Error: \(runner.url("text.png").path): not a PNG file"),
            (["segment", runner.url("nowhere").path, runner.url("one.png").path], "Error: \(runner.url("nowhere").path) does not exist"),
            (
                ["segment", runner.url("mnist").path, runner.url("one.png").path],
                "Error: \(runner.url("mnist").path) holds no segmentation.safetensors"
            ),
            (["segment", runner.url("one.png").path, runner.url("one.png").path], "Error: \(runner.url("one.png").path)"),
        ]
        for (arguments, message) in cases {
            let failed = try runner.run(arguments)
            #expect(failed.status == 1 && failed.errors.hasPrefix(message), "\(arguments): \(failed.errors)")
            #expect(failed.errors.split(separator: "\n").count == 1, "\(failed.errors)")
        }
    }

    @Test func captioningAndCaption() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        try Self.writeSmallMNIST(to: runner.url("mnist"), train: 256, test: 100)
        let result = try runner.run([
            "train", "captioning", "--hidden-size", "16", "--train-canvases", "64", "--test-canvases", "16", "--epochs", "1",
            "--beam", "2", "--data", runner.url("mnist").path, "--out", "cap",
        ])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("epoch 1/1 [") && result.output.contains("test BLEU-4"))
        #expect(result.output.contains("On the 16 test canvases:\ndigits  canvases  exact (greedy)  exact (beam 2)\n"), "\(result.output)")
        expectFiles(
            ["captioning.safetensors", "attention.png", "exact.png", "loss.png", "metrics.csv", "report.html", "results.json"],
            in: runner.url("cap"), "captioning")
        let results = try runner.results("cap")
        let metrics = try #require(results["metrics"] as? [String: Any])
        for name in ["test loss", "test BLEU-4 (greedy)", "test exact (greedy)", "test BLEU-4 (beam 2)", "test exact 1 digit (beam 2)"] {
            #expect(metrics[name] is Double, "results.json has no number \(name): \(metrics)")
        }

        // A 128×128 canvas is averaged down to the model's 64×64 and captioned.
        let mnist = try MNIST(split: .test, directory: runner.url("mnist"))
        let canvas = CaptionedDigitCanvases(mnist, count: 1, seed: 3).example(at: 0).input.unsqueezed(axis: 0)
        try Image(canvas.upsampled(scaleFactor: 2)[0], scaling: .range(0, 1)).writePNG(to: runner.url("canvas.png"))
        let captioned = try runner.run(["caption", "cap", runner.url("canvas.png").path, "--beam", "2", "--out", "canvas-attention.png"])
        try #require(captioned.status == 0, "\(captioned.errors)")
        // (A model trained on 64 canvases for one epoch may say nothing at all: "(no words)".)
        #expect(
            captioned.output.hasPrefix("canvas.png: ") && captioned.output.contains("The 2 best of a beam of 2:\n  "), "\(captioned.output)"
        )
        let picture = try Image(contentsOfPNG: runner.url("canvas-attention.png"))
        #expect(picture.channels == 3 && picture.width > 128 && picture.height > 128)

        // Missing, malformed and unusable files are named with the problem.
        try Data("not a picture".utf8).write(to: runner.url("text.png"))
        try Image(width: 64, height: 40, channels: 1).writePNG(to: runner.url("wide.png"))
        let cases: [([String], String)] = [
            (["caption", "cap", runner.url("missing.png").path], "Error: \(runner.url("missing.png").path): cannot read"),
            (["caption", "cap", runner.url("text.png").path], "Error: \(runner.url("text.png").path): not a PNG file"),
            (
                ["caption", "cap", runner.url("wide.png").path],
                "Error: \(runner.url("wide.png").path) is 64×40: the captioner reads square"
            ),
            (
                ["caption", runner.url("mnist").path, runner.url("canvas.png").path],
                "Error: \(runner.url("mnist").path) holds no captioning.safetensors"
            ),
            (["caption", runner.url("canvas.png").path, runner.url("canvas.png").path], "Error: \(runner.url("canvas.png").path)"),
        ]
        for (arguments, message) in cases {
            let failed = try runner.run(arguments)
            #expect(failed.status == 1 && failed.errors.hasPrefix(message), "\(arguments): \(failed.errors)")
            #expect(failed.errors.split(separator: "\n").count == 1, "\(failed.errors)")
        }
    }

    /// Two epochs straight against one, then `--resume` for the second: the same bits, and the
    /// resumed process trains only the second epoch.
    @Test(arguments: [
        ["mlp"], ["lenet", "--adversarial", "pgd", "--attack-steps", "2"], ["gan", "--batch-size", "32"],
        ["gan", "--conditional", "--batch-size", "32"], ["autoencoder"], ["vae", "--architecture", "conv", "--kl-warmup", "2"],
        ["segmentation", "--width", "4", "--train-canvases", "48", "--test-canvases", "8", "--batch-size", "16"],
        ["captioning", "--hidden-size", "16", "--train-canvases", "48", "--test-canvases", "8", "--batch-size", "16", "--beam", "1"],
        ["superres"], ["stn"], ["pixelcnn", "--channels", "8", "--residual-blocks", "1", "--samples", "4", "--gated"],
        [
            "cyclegan", "--digits", "48", "--test-digits", "10", "--batch-size", "8", "--generator-width", "2",
            "--residual-blocks", "1", "--discriminator-width", "2",
        ],
    ])
    func epochRunsResumeBitIdentically(_ command: [String]) throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        try Self.writeSmallMNIST(to: runner.url("mnist"), train: 256, test: 100)
        let data = ["--data", runner.url("mnist").path]
        let name = command[0]
        let straight = try runner.run(["train"] + command + data + ["--epochs", "2", "--out", "straight"])
        try #require(straight.status == 0, "\(straight.errors)")
        let first = try runner.run(["train"] + command + data + ["--epochs", "1", "--out", "halves"])
        try #require(first.status == 0, "\(first.errors)")
        let second = try runner.run(["train", name] + data + ["--resume", "halves", "--epochs", "2"])
        try #require(second.status == 0, "\(second.errors)")
        #expect(second.output.contains("Resuming from") && second.output.contains("after epoch 1."))
        // (An adversarial run then trains its undefended twin: "undefended epoch 1/2", and so on.)
        let bars = second.output.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        #expect(!bars.contains { $0.hasPrefix("epoch 1/2") } && bars.contains { $0.hasPrefix("epoch 2/2") })
        let differing = try CommandRunner.differingTensors(
            runner.url("straight/\(name).safetensors"), runner.url("halves/\(name).safetensors"))
        #expect(differing.isEmpty, "\(name): tensors that differ: \(differing)")
        // The metrics log keeps the first session's rows, the checkpoint's own epoch included.
        let logs = try ["straight", "halves"].map { try String(contentsOf: runner.url("\($0)/metrics.csv"), encoding: .utf8) }
        #expect(logs[0] == logs[1] && logs[0].split(separator: "\n").count == 3, "\(name): \(logs)")
    }
}
