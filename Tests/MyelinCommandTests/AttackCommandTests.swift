import Foundation
import MyelinTraining
import Testing

/// `myelin attack` on a LeNet trained for eight epochs of the small MNIST (test accuracy ≈ 0.63), as a user runs it.
@Suite(.serialized) struct AttackCommandTests {
    /// A runner whose folder holds the small MNIST and a LeNet run trained on it.
    static func trainedLeNet() throws -> CommandRunner {
        let runner = try CommandRunner()
        try TrainCommandTests.writeSmallMNIST(to: runner.url("mnist"))
        let trained = try runner.run(["train", "lenet", "--data", runner.url("mnist").path, "--epochs", "8", "--out", "lenet"])
        try #require(trained.status == 0, "\(trained.errors)")
        return runner
    }

    @Test func pgdPrintsTheRobustnessTableAndWritesItsPictures() throws {
        let runner = try Self.trainedLeNet()
        defer { runner.removeFolder() }
        let result = try runner.run([
            "attack", "lenet", "--data", runner.url("mnist").path, "--images", "60", "--epsilon", "0.3,0.05", "--steps", "5",
            "--step-size", "0.05", "--out", "attack",
        ])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("with pgd on 60 test digits") && result.output.contains("ε       accuracy  fooled (of those right)"))
        for name in ["robustness.png", "robustness.svg", "adversarial.png", "report.html", "results.json"] {
            #expect(FileManager.default.fileExists(atPath: runner.url("attack/\(name)").path), "attack left no \(name)")
        }
        let results = try runner.results("attack")
        let metrics = try #require(results["metrics"] as? [String: Double])
        let clean = try #require(metrics["clean accuracy"]), small = try #require(metrics["accuracy at epsilon 0.05"])
        let large = try #require(metrics["accuracy at epsilon 0.3"])
        // The table is sorted by ε, its figures are the ones in results.json, and a larger ball fools more.
        #expect(
            result.output.contains(String(format: "0.050   %.4f", small)) && result.output.contains(String(format: "0.300   %.4f", large)))
        #expect(clean > 0.5 && large < small && small <= clean, "\(metrics)")
    }

    @Test func anAdversariallyTrainedRunIsAttackedSideBySide() throws {
        let runner = try Self.trainedLeNet()
        defer { runner.removeFolder() }
        let defended = try runner.run([
            "train", "lenet", "--data", runner.url("mnist").path, "--epochs", "2", "--adversarial", "fgsm", "--epsilon", "0.2",
            "--baseline", "lenet", "--out", "lenet-fgsm",
        ])
        try #require(defended.status == 0, "\(defended.errors)")
        #expect(
            defended.output.contains("Adversarial training: every batch attacked by FGSM at ε 0.2 from a random start, a step of 0.25."))
        #expect(defended.output.contains("The undefended model to compare with: lenet from"))
        #expect(FileManager.default.fileExists(atPath: runner.url("lenet-fgsm/robustness.png").path))
        // The report's undefended curve is the baseline's: its clean accuracy is the baseline's test accuracy.
        let report = try Self.metrics(runner.url("lenet-fgsm/results.json"))
        #expect(report["undefended clean accuracy"] == (try Self.metrics(runner.url("lenet/results.json")))["test accuracy"], "\(report)")
        #expect(report["adversarially trained accuracy at epsilon 0.1"] != nil, "\(report)")
        let result = try runner.run([
            "attack", "lenet", "lenet-fgsm", "--data", runner.url("mnist").path, "--images", "40", "--epsilon", "0.1", "--steps", "3",
        ])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("\nlenet clean accuracy 0.") && result.output.contains("\nlenet-fgsm clean accuracy 0."))
        let folder = "runs/attack-lenet-vs-lenet-fgsm"
        for name in ["robustness.png", "adversarial-lenet.png", "adversarial-lenet-fgsm.png", "results.json"] {
            #expect(FileManager.default.fileExists(atPath: runner.url("\(folder)/\(name)").path), "attack left no \(name)")
        }
        let metrics = try Self.metrics(runner.url("\(folder)/results.json"))
        #expect(metrics["lenet accuracy at epsilon 0.1"] != nil && metrics["lenet-fgsm accuracy at epsilon 0.1"] != nil, "\(metrics)")
    }

    /// Without --baseline, an adversarial run trains its undefended twin by the same recipe: the
    /// very network `myelin train lenet` trains with the same settings.
    @Test func anAdversarialRunComparesWithItsUndefendedTwin() throws {
        let runner = try Self.trainedLeNet()
        defer { runner.removeFolder() }
        let defended = try runner.run([
            "train", "lenet", "--data", runner.url("mnist").path, "--epochs", "8", "--adversarial", "fgsm", "--out", "lenet-fgsm",
        ])
        try #require(defended.status == 0, "\(defended.errors)")
        #expect(defended.output.contains("Training an undefended lenet the same way, without attacks"))
        #expect(defended.output.contains("Undefended under PGD-20 on 200 test digits:"))
        let report = try Self.metrics(runner.url("lenet-fgsm/results.json"))
        #expect(report["undefended clean accuracy"] == (try Self.metrics(runner.url("lenet/results.json")))["test accuracy"], "\(report)")
        #expect(report["adversarially trained clean accuracy"] == report["test accuracy"], "\(report)")
    }

    /// results.json's figures.
    static func metrics(_ url: URL) throws -> [String: Double] {
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        return try #require(results?["metrics"] as? [String: Double], "\(url.path) has no metrics")
    }

    @Test func theOnePixelAttackReportsItsSuccessRate() throws {
        let runner = try Self.trainedLeNet()
        defer { runner.removeFolder() }
        let result = try runner.run([
            "attack", "lenet/lenet.safetensors", "--method", "onepixel", "--data", runner.url("mnist").path, "--images", "4",
        ])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("One pixel changed the answer of") && result.output.contains("generations of 100 candidates"))
        let results =
            try JSONSerialization.jsonObject(with: Data(contentsOf: runner.url("runs/attack-lenet/results.json"))) as? [String: Any]
        let rate = (results?["metrics"] as? [String: Double])?["one-pixel success rate"]
        #expect(rate.map { (0...1).contains($0) } == true, "\(String(describing: results))")
    }

    @Test func badInputGetsAMessageThatSaysWhatToDo() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        try FileManager.default.createDirectory(at: runner.url("empty"), withIntermediateDirectories: true)
        let empty = try runner.run(["attack", "empty"])
        #expect(empty.status != 0 && empty.errors.contains("holds no classifier checkpoint") && empty.errors.contains("myelin train lenet"))
        let radius = try runner.run(["attack", "empty", "--epsilon", "0.1,2"])
        #expect(radius.status != 0 && radius.errors.contains("'2' is not a radius between 0 and 1"))
        let digit = try runner.run(["attack", "empty", "--target", "12"])
        #expect(digit.status != 0 && digit.errors.contains("--target must be a digit 0…9, got 12"))
    }
}

/// `myelin explain` on the small LeNet.
@Suite(.serialized) struct ExplainCommandTests {
    @Test(arguments: ["gradient", "smoothgrad", "integrated", "gradcam"])
    func drawsMapsAndMeasuresWhatDeletingTheirPixelsCosts(_ method: String) throws {
        let runner = try AttackCommandTests.trainedLeNet()
        defer { runner.removeFolder() }
        let result = try runner.run([
            "explain", "lenet", "--method", method, "--data", runner.url("mnist").path, "--images", "6", "--check-images", "50",
        ])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("Deleting the 10 % most salient pixels of 50 test digits lowers the true digit's probability by"))
        for name in ["saliency.png", "report.html", "results.json"] {
            #expect(FileManager.default.fileExists(atPath: runner.url("runs/explain-lenet/\(name)").path), "explain left no \(name)")
        }
        let results =
            try JSONSerialization.jsonObject(with: Data(contentsOf: runner.url("runs/explain-lenet/results.json"))) as? [String: Any]
        let metrics = results?["metrics"] as? [String: Double] ?? [:]
        let salient = try #require(metrics["drop deleting the most salient 10 %"]),
            random = try #require(metrics["drop deleting 10 % at random"])
        #expect(result.output.contains(String(format: "by %.4f on average", salient)) && (-1...1).contains(random), "\(metrics)")
    }
}

/// `myelin dream` on the small LeNet.
@Suite(.serialized) struct DreamCommandTests {
    @Test func drawsEachDigitWithTheProbabilityTheModelGivesIt() throws {
        let runner = try AttackCommandTests.trainedLeNet()
        defer { runner.removeFolder() }
        let result = try runner.run(["dream", "lenet", "--class", "1,3-4", "--steps", "60"])
        try #require(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("Dreaming digits 1, 3, 4 with lenet"))
        let results =
            try JSONSerialization.jsonObject(with: Data(contentsOf: runner.url("runs/dream-lenet/results.json"))) as? [String: Any]
        let metrics = results?["metrics"] as? [String: Double] ?? [:]
        #expect(Set(metrics.keys) == ["probability of 1", "probability of 3", "probability of 4"], "\(metrics)")
        for (digit, p) in metrics {
            #expect(result.output.contains("  \(digit.last!): probability " + String(format: "%.4f", p)))
        }
        #expect(FileManager.default.fileExists(atPath: runner.url("runs/dream-lenet/dream.png").path))
        let bad = try runner.run(["dream", "lenet", "--class", "12"])
        #expect(bad.status != 0 && bad.errors.contains("--class: '12' is not a number 0…9 or a range such as 0-9"))
    }

    @Test func dreamsIntoAPictureOfYourOwn() throws {
        let runner = try AttackCommandTests.trainedLeNet()
        defer { runner.removeFolder() }
        let pixels = (0..<(40 * 30)).map { UInt8(($0 % 40) * 6) }
        try Image(width: 40, height: 30, channels: 1, pixels: pixels).writePNG(to: runner.url("ramp.png"))
        let result = try runner.run(["dream", "lenet", "--image", "ramp.png", "--steps", "30"])
        try #require(result.status == 0, "\(result.errors)")
        #expect(
            result.output.contains("ramp.png (40×30) with the last convolution of lenet")
                && result.output.contains("mean square activation"))
        #expect(FileManager.default.fileExists(atPath: runner.url("runs/dream-lenet/dream.png").path))
        let missing = try runner.run(["dream", "lenet", "--image", "nowhere.png"])
        #expect(missing.status != 0 && missing.errors.contains("nowhere.png"))
    }

    @Test func drawsWhatExcitesChannelsOfTheLastConvolution() throws {
        let runner = try AttackCommandTests.trainedLeNet()
        defer { runner.removeFolder() }
        let result = try runner.run(["dream", "lenet", "--channels", "0-3", "--steps", "30"])
        try #require(result.status == 0, "\(result.errors)")
        #expect(
            result.output.contains("Dreaming channels 0-3 of the last convolution of lenet")
                && result.output.contains("  channel 3: mean activation "))
        // LeNet's second convolution has 16 channels, its first 6.
        let tooMany = try runner.run(["dream", "lenet", "--channels", "16"])
        #expect(tooMany.status != 0 && tooMany.errors.contains("that convolution of lenet has channels 0…15"))
        let first = try runner.run(["dream", "lenet", "--layer", "1", "--channels", "0-5", "--steps", "20"])
        try #require(first.status == 0, "\(first.errors)")
        #expect(
            first.output.contains("Dreaming channels 0-5 of convolution 1 of lenet")
                && first.output.contains("  channel 5: mean activation "))
        let third = try runner.run(["dream", "lenet", "--layer", "3", "--channels", "0"])
        #expect(third.status != 0 && third.errors.contains("--layer: lenet has convolutions 1…2, not 3"))
    }
}
