import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train autoencoder`: a convolutional autoencoder learns to redraw MNIST digits through
/// a small code; trained on some digits only, its reconstruction error finds the others.
struct TrainAutoencoder: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autoencoder",
        abstract: "Train a convolutional autoencoder on MNIST; with --normal-digits, use it to find the digits it never saw.",
        discussion: """
            The encoder squeezes each 28×28 digit through two stride-2 convolutions and a 7×7 one into a code \
            of --code-size numbers; the decoder draws it back with transposed convolutions. OUT gets \
            reconstructions.png (test digits above their reconstructions), the loss curves and \
            autoencoder.safetensors, saved after every epoch (continue with --resume OUT).

            With --normal-digits 0,1,2,3,4 it learns those digits only, scores every test image by its \
            reconstruction error, prints the ROC AUC of that score for telling the other digits from them, \
            and draws roc.png, scores.png (the scores' distributions) and anomalies.png: the highest-scoring \
            test images, the unseen digits it scores lowest and the lowest-scoring images, each above its \
            reconstruction and the map of |input − reconstruction|.
            """)

    @Option(help: "Folder holding the MNIST files (default: the project's Data/mnist).")
    var data: String?

    @Option(help: "Passes over the training images (default 10; with --resume, the epoch to stop after).")
    var epochs: Int?

    @Option(help: "Images per step (default 128).")
    var batchSize: Int?

    @Option(help: "Step size of Adam (default 0.001).")
    var learningRate: Float?

    @Option(help: "Reconstruction loss: mse (mean squared error, the anomaly score itself; default) or bce (binary cross-entropy).")
    var loss: ConvAutoencoder.Loss?

    @Option(help: "Numbers in the code every image is squeezed through (default 8).")
    var codeSize: Int?

    @Option(
        help: ArgumentHelp(
            "Train only on these digits (e.g. 0,1,2,3,4 or 0-4) and report how well reconstruction error finds the others.",
            valueName: "digits"))
    var normalDigits: String?

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        try requirePositive(("--epochs", epochs), ("--batch-size", batchSize), ("--code-size", codeSize))
        try requirePositive(learningRate: learningRate)
        if let codeSize, codeSize > 4096 { throw ValidationError("--code-size must be at most 4096") }
        _ = try normalDigits.map(Self.parseDigits)
    }

    /// "0,1,2" or "0-4" (or a mix) as sorted digits; an error names what is wrong.
    static func parseDigits(_ text: String) throws -> [Int] {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("--normal-digits needs at least one digit, e.g. 0,1,2,3,4")
        }
        var digits: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard (1...2).contains(ends.count), let first = ends.first!, let last = ends.last!,
                (0...9).contains(first), (0...9).contains(last), first <= last
            else {
                throw ValidationError("--normal-digits: '\(part)' is not a digit 0…9 or a range such as 0-4 (give a list like 0,1,2,3,4)")
            }
            for digit in first...last {
                if digits.contains(digit) { throw ValidationError("--normal-digits names \(digit) twice") }
                digits.append(digit)
            }
        }
        if digits.count == 10 {
            throw ValidationError("--normal-digits names all ten digits, which leaves none to find; leave it out to train on every digit")
        }
        return digits.sorted()
    }

    static let checkpointName = "autoencoder.safetensors"

    func run() throws {
        let group = try runOptions.processGroup()
        let directory = data.map { URL(fileURLWithPath: $0) }
        let train = try MNIST(split: .train, directory: directory)
        let test = try MNIST(split: .test, directory: directory)
        let saved = try runOptions.savedRun(named: Self.checkpointName, format: ConvAutoencoder.checkpointFormat, command: "autoencoder")
        let (configuration, recipe) = try settings(resuming: saved)
        let folder = try runOptions.folder(defaultName: "autoencoder")
        let shard = try group.shard(ofBatch: recipe.batchSize)

        let normal = Set(recipe.normalDigits ?? Array(0...9))
        let trainLabels = train.labels, testLabels = test.labels
        let trainSet = train.subset(trainLabels.indices.filter { normal.contains(trainLabels[$0]) })
        let normalTest = test.subset(testLabels.indices.filter { normal.contains(testLabels[$0]) })
        let unseen = testLabels.map { !normal.contains($0) }
        if let digits = recipe.normalDigits {
            let others = (0...9).filter { !normal.contains($0) }
            print(
                "MNIST from \(train.directory.path): learning \(digits.count == 1 ? "digit" : "digits") \(list(digits)) from their \(trainSet.count) training images; the \(unseen.filter { $0 }.count) test images of \(others.count == 1 ? "digit" : "digits") \(list(others)) are the anomalies to find."
            )
        } else {
            print("MNIST from \(train.directory.path): \(train.count) training and \(test.count) test images.")
        }
        manualSeed(recipe.seed)
        let model = ConvAutoencoder(configuration, generator: RandomGenerator(seed: recipe.seed))
        let task = ConvAutoencoderTask(
            model, optimizer: Adam(model.parameters, learningRate: recipe.learningRate), loss: recipe.loss,
            on: DataLoader(
                trainSet, batchSize: recipe.batchSize, shuffle: true,
                generator: RandomGenerator(seed: recipe.seed), shard: shard),
            test: normalTest, anomalies: recipe.normalDigits == nil ? nil : (test, unseen))
        let c = model.configuration
        print(
            "Model autoencoder: 1×28×28 → conv /2 → \(c.channels[0])×14×14 → conv /2 → \(c.channels[1])×7×7 → conv 7×7 → code of \(c.codeSize) → transposed convolutions back; \(model.parameterCount) parameters; Adam lr \(recipe.learningRate), batch \(recipe.batchSize), \(recipe.loss.rawValue.uppercased()) loss, \(recipe.epochs) epochs."
        )

        let firstTest =
            recipe.normalDigits == nil
            ? [Array(0..<16), Array(16..<32)]
            : [Array(unseen.indices.filter { !unseen[$0] }.prefix(16)), Array(unseen.indices.filter { unseen[$0] }.prefix(16))]
        let testName = recipe.normalDigits.map { "test, digits \(list($0))" } ?? "test"
        let report = ReportWriter(to: folder) { [self] trainer in
            model.eval()
            var outputs = RunOutputs(
                title: "myelin train autoencoder",
                summary: recipe.normalDigits.map {
                    "A convolutional autoencoder learns MNIST digits \(list($0)) only; reconstruction error then tells the other digits apart."
                }
                    ?? "A convolutional autoencoder squeezes MNIST digits into \(c.codeSize) numbers and rebuilds them.",
                settings: [
                    (
                        "model",
                        "conv /2 → \(c.channels[0]) → conv /2 → \(c.channels[1]) → conv 7×7 → code \(c.codeSize) → transposed convolutions back; \(model.parameterCount) parameters"
                    ),
                    ("loss", recipe.loss.rawValue.uppercased()), ("optimizer", "Adam lr \(recipe.learningRate)"),
                    ("batch size", String(recipe.batchSize)), ("epochs", String(recipe.epochs)),
                    ("training digits", recipe.normalDigits.map(list) ?? "all ten"), ("seed", String(recipe.seed)),
                ],
                metrics: [("test reconstruction loss", String(format: "%.4f", trainer.history.last("test loss") ?? .nan))],
                plots: [RunPlot(name: "loss", plot: autoencoderLossPlot(trainer.history, loss: recipe.loss, testName: testName))],
                pictures: [
                    RunPicture(
                        name: "reconstructions",
                        caption: recipe.normalDigits == nil
                            ? "test digits, each row above its reconstructions"
                            : "seen digits (left) and unseen ones (right), each row above its reconstructions",
                        image: reconstructionPicture(of: model, blocks: firstTest.map { test.batch(at: $0).inputs }))
                ])
            if let digits = recipe.normalDigits {
                let anomalies = reportAnomalies(model: model, test: test, normalDigits: digits)
                outputs.metrics += anomalies.metrics
                outputs.plots += anomalies.plots
                outputs.pictures += anomalies.pictures
            }
            return outputs
        }
        let (trainer, written) = try trainRun(
            task, length: .epochs(recipe.epochs), recipe: recipe, metadata: model.checkpointMetadata,
            checkpoint: folder.appendingPathComponent(Self.checkpointName),
            progress: ProgressLogger(speed: .samples("images")), report: report, resuming: saved,
            newLearningRate: learningRate != nil, group: group)
        let epochsRun = trainer.progress.epoch
        print(
            "Trained \(epochsRun) \(epochsRun == 1 ? "epoch" : "epochs")"
                + String(format: " in %.1f s; test loss %.4f.", trainer.progress.seconds, trainer.history.last("test loss") ?? .nan))
        printWritten(written)
    }

    /// The model's configuration and the recipe: a fresh run's from the options, a resumed run's
    /// from its checkpoint (whose settings an option may not contradict), with a new length and
    /// learning rate applied.
    private func settings(resuming saved: SavedRun?) throws -> (ConvAutoencoder.Configuration, AutoencoderRecipe) {
        guard let saved else {
            var recipe = AutoencoderRecipe(normalDigits: try normalDigits.map(Self.parseDigits), seed: runOptions.seed)
            recipe.loss = loss ?? recipe.loss
            recipe.epochs = epochs ?? recipe.epochs
            recipe.batchSize = batchSize ?? recipe.batchSize
            recipe.learningRate = learningRate ?? recipe.learningRate
            var configuration = ConvAutoencoder.Configuration()
            configuration.codeSize = codeSize ?? configuration.codeSize
            return (configuration, recipe)
        }
        let configuration = try ConvAutoencoder.configuration(in: saved.file.metadata, of: saved.url)
        var recipe = try runOptions.resumedRecipe(
            AutoencoderRecipe.self, of: saved,
            settings: { [self] other in
                [
                    ResumedSetting("--code-size", given: codeSize, saved: configuration.codeSize),
                    ResumedSetting("--loss", given: loss?.rawValue, saved: other.loss.rawValue),
                    ResumedSetting("--batch-size", given: batchSize, saved: other.batchSize),
                    ResumedSetting(
                        "--normal-digits", given: try normalDigits.map { list(try Self.parseDigits($0)) },
                        saved: list(other.normalDigits ?? Array(0...9))),
                ]
            }, learningRate: learningRate)
        recipe.epochs = epochs ?? recipe.epochs
        return (configuration, recipe)
    }

    /// Scores every test image by reconstruction error, prints how well that finds the digits
    /// outside `normalDigits` (overall and per digit), and draws the ROC curves, the scores'
    /// histogram and the worst- and best-reconstructed test images.
    private func reportAnomalies(model: ConvAutoencoder, test: MNIST, normalDigits: [Int])
        -> (metrics: [(String, String)], plots: [RunPlot], pictures: [RunPicture])
    {
        let report = AnomalyReport(scores: reconstructionErrors(of: model, on: test), labels: test.labels, seen: normalDigits)
        let unseenDigits = report.unseenClasses
        print(report.summary(score: "reconstruction error", unit: "MSE per pixel", classNoun: "digit").joined(separator: "\n"))
        // Square, as ROC curves are drawn: both axes are rates from 0 to 1.
        let roc = RunPlot(
            name: "roc",
            plot: .roc(
                [("all unseen", report.overall)] + report.perClass.map { ("digit \($0.label)", $0.curve) },
                title: "Finding unseen digits", xLabel: "false-positive rate (seen digits flagged)",
                yLabel: "true-positive rate (unseen digits flagged)"), width: 800, height: 800)
        let (seen, unseen) = report.seenAndUnseenScores
        let histogram = RunPlot(
            name: "scores",
            plot: .histogram(
                [
                    ("seen digits \(list(normalDigits))", seen),
                    ("unseen digits \(list(unseenDigits))", unseen),
                ],
                title: "Anomaly scores of the test images",
                xLabel: "reconstruction error, MSE per pixel (last bin: all above)"))
        // The 12 highest scores, the unseen digits that scored lowest (the anomalies it misses) and
        // the 12 lowest scores overall, for contrast.
        let groups = [report.highest(12), report.missed(12), report.lowest(12)]
        let anomalies = RunPicture(
            name: "anomalies",
            caption:
                "test images above their reconstructions and |difference| (heat map): top, the highest scores; middle, the unseen digits scored lowest; bottom, the lowest scores",
            image: differencePicture(of: model, groups: groups.map { test.batch(at: $0).inputs }))
        func describe(_ indices: [Int]) -> String {
            indices.map { "\(report.labels[$0])\(report.unseen[$0] ? "" : "*")" }.joined(separator: " ")
        }
        print(
            """
            anomalies.png (each test image above its reconstruction and |difference|; * marks a seen digit):
              top, the highest scores:                 \(describe(groups[0]))
              middle, the unseen digits scored lowest: \(describe(groups[1]))
              bottom, the lowest scores:               \(describe(groups[2]))
            """)
        let metrics = report.areas(classNoun: "digit").map { ($0.name, String(format: "%.4f", $0.area)) }
        return (metrics, [roc, histogram], [anomalies])
    }
}

/// Digits as "0, 1, 2".
private func list(_ digits: [Int]) -> String { digits.map(String.init).joined(separator: ", ") }

extension ConvAutoencoder.Loss: ExpressibleByArgument {}

/// How `myelin train autoencoder` trains. The checkpoint keeps it (metadata `myelin.recipe`), so a
/// resumed run goes on with the settings it started with.
struct AutoencoderRecipe: RunRecipe, Equatable {
    // MSE trains on exactly what the anomaly score measures; BCE found the unseen digits no better
    // (AUC 0.895 against 0.906 at code size 8, 10 epochs, digits 0–4).
    var loss: ConvAutoencoder.Loss = .mse
    /// The digits it learns from; nil for all ten (and no anomaly report).
    var normalDigits: [Int]? = nil
    /// The epoch to stop after (a resumed run may be given a later one).
    var epochs = 10
    var batchSize = 128
    var learningRate: Float = 1e-3
    var seed: UInt64 = 0
}
