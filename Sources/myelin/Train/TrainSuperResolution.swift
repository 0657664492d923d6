import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train superres`: ESPCN learns to upscale MNIST digits shrunk by 2 or 4, and is measured
/// against nearest and bilinear upsampling of the same inputs by PSNR.
struct TrainSuperResolution: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "superres",
        abstract: "Train a super-resolution network (ESPCN) to upscale MNIST digits 2× or 4×; compare its PSNR with plain upsampling.",
        discussion: """
            Each 28×28 digit is shrunk by averaging 2×2 (--scale 2: 14×14) or 4×4 (--scale 4: 7×7) blocks of \
            pixels; the network learns to draw the 28×28 digit back from it, with three convolutions at the low \
            resolution and a sub-pixel convolution (PixelShuffle) at the end, by mean squared error. After \
            training it prints the mean PSNR of the 10,000 test digits for nearest and bilinear upsampling and \
            for the network, and OUT gets superres.png (test digits: low | bilinear | network | truth), the \
            loss and PSNR curves, report.html, results.json and superres.safetensors, saved after every epoch \
            (continue with --resume OUT).
            """)

    @Option(help: "Folder holding the MNIST files (default: the project's Data/mnist).")
    var data: String?

    @Option(help: "How much the network upscales: 2 (14×14 → 28×28, the default) or 4 (7×7 → 28×28).")
    var scale: Int?

    @Option(help: "Passes over the training images (default 3; with --resume, the epoch to stop after).")
    var epochs: Int?

    @Option(help: "Images per step (default 64).")
    var batchSize: Int?

    @Option(help: "Step size of Adam (default 0.001).")
    var learningRate: Float?

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        try requirePositive(("--epochs", epochs), ("--batch-size", batchSize))
        try requirePositive(learningRate: learningRate)
        if let scale, ![2, 4].contains(scale) {
            throw ValidationError("--scale must be 2 (14×14 → 28×28) or 4 (7×7 → 28×28), got \(scale)")
        }
    }

    static let checkpointName = "superres.safetensors"

    func run() throws {
        let group = try runOptions.processGroup()
        let saved = try runOptions.savedRun(named: Self.checkpointName, format: SuperResolutionNet.checkpointFormat, command: "superres")
        let (configuration, recipe) = try settings(resuming: saved)
        let folder = try runOptions.folder(defaultName: "superres")
        let shard = try group.shard(ofBatch: recipe.batchSize)
        let directory = data.map { URL(fileURLWithPath: $0) }
        let r = configuration.scale, side = MNIST.imageSide / r
        let train = DownsampledImages(try MNIST(split: .train, directory: directory), factor: r)
        let test = DownsampledImages(try MNIST(split: .test, directory: directory), factor: r)
        print(
            "MNIST from \(train.base.directory.path): \(train.count) training and \(test.count) test digits, each shrunk to \(side)×\(side) by averaging \(r)×\(r) blocks."
        )
        // Plain upsampling does not learn: measured once.
        let nearest = upscalingScores(on: test) { $0.upsampled(scaleFactor: Double(r)) }.psnr
        let bilinear = upscalingScores(on: test) { $0.upsampled(scaleFactor: Double(r), mode: .bilinear) }.psnr
        print(String(format: "Test PSNR of plain upsampling: nearest %.2f dB, bilinear %.2f dB.", nearest, bilinear))

        manualSeed(recipe.seed)
        let model = SuperResolutionNet(configuration, generator: RandomGenerator(seed: recipe.seed))
        let task = SuperResolutionTask(
            model, optimizer: Adam(model.parameters, learningRate: recipe.learningRate),
            on: DataLoader(train, batchSize: recipe.batchSize, shuffle: true, generator: RandomGenerator(seed: recipe.seed), shard: shard),
            test: test)
        let c = configuration.channels
        let summary =
            "\(side)×\(side) → conv 5×5 → \(c[0]) → conv 3×3 → \(c[1]) → conv 3×3 → \(r * r) → PixelShuffle(\(r)) → 28×28; \(model.parameterCount) parameters"
        print("Model ESPCN: \(summary); Adam lr \(recipe.learningRate), batch \(recipe.batchSize), MSE loss, \(recipe.epochs) epochs.")

        let report = ReportWriter(to: folder) { trainer in
            let psnr = trainer.history.last("test PSNR") ?? .nan
            return RunOutputs(
                title: "myelin train superres",
                summary: "ESPCN upscales MNIST digits shrunk to \(side)×\(side) back to 28×28, measured by PSNR against plain upsampling.",
                settings: [
                    ("model", summary), ("scale", "\(r)× (\(side)×\(side) → 28×28)"), ("optimizer", "Adam lr \(recipe.learningRate)"),
                    ("batch size", String(recipe.batchSize)), ("epochs", String(recipe.epochs)), ("seed", String(recipe.seed)),
                ],
                metrics: Self.psnrTable(nearest: nearest, bilinear: bilinear, network: psnr).map {
                    ($0.name, String(format: "%.2f", $0.value))
                }
                    + [("test MSE per pixel", String(format: "%.5f", trainer.history.last("test loss") ?? .nan))],
                plots: trainer.history.standardPlots()
                    + [RunPlot(name: "psnr", plot: superResolutionPSNRPlot(trainer.history, nearest: nearest, bilinear: bilinear))],
                pictures: [
                    RunPicture(
                        name: "superres",
                        caption:
                            "test digits, each row: the \(side)×\(side) input | bilinear upsampling | the network | the real 28×28 digit",
                        image: superResolutionPicture(of: model, on: test))
                ])
        }
        let (trainer, written) = try trainRun(
            task, length: .epochs(recipe.epochs), recipe: recipe, metadata: model.checkpointMetadata,
            checkpoint: folder.appendingPathComponent(Self.checkpointName), progress: ProgressLogger(speed: .samples("images")),
            report: report, resuming: saved, newLearningRate: learningRate != nil, group: group)
        let psnr = trainer.history.last("test PSNR") ?? .nan
        print(
            "Trained \(trainer.progress.epoch) \(trainer.progress.epoch == 1 ? "epoch" : "epochs")"
                + String(format: " in %.1f s.", trainer.progress.seconds)
                + " PSNR of the \(test.count) test digits, \(side)×\(side) → 28×28 (mean per image):")
        for (name, value) in Self.psnrTable(nearest: nearest, bilinear: bilinear, network: psnr) {
            print("  \(name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(String(format: "%6.2f", value))")
        }
        printWritten(written)
    }

    /// The PSNR table, as printed and in results.json.
    static func psnrTable(nearest: Double, bilinear: Double, network: Double) -> [(name: String, value: Double)] {
        [
            ("PSNR nearest (dB)", nearest), ("PSNR bilinear (dB)", bilinear), ("PSNR network (dB)", network),
            ("PSNR gain over bilinear (dB)", network - bilinear),
        ]
    }

    /// The model's configuration and the recipe: a fresh run's from the options, a resumed run's
    /// from its checkpoint (whose settings an option may not contradict), with a new length and
    /// learning rate applied.
    private func settings(resuming saved: SavedRun?) throws -> (SuperResolutionNet.Configuration, SuperResolutionRecipe) {
        guard let saved else {
            var recipe = SuperResolutionRecipe(seed: runOptions.seed)
            recipe.epochs = epochs ?? recipe.epochs
            recipe.batchSize = batchSize ?? recipe.batchSize
            recipe.learningRate = learningRate ?? recipe.learningRate
            return (SuperResolutionNet.Configuration(scale: scale ?? 2), recipe)
        }
        let configuration = try SuperResolutionNet.configuration(in: saved.file.metadata, of: saved.url)
        var recipe = try runOptions.resumedRecipe(
            SuperResolutionRecipe.self, of: saved,
            settings: { [self] other in
                [
                    ResumedSetting("--scale", given: scale, saved: configuration.scale),
                    ResumedSetting("--batch-size", given: batchSize, saved: other.batchSize),
                ]
            }, learningRate: learningRate)
        recipe.epochs = epochs ?? recipe.epochs
        return (configuration, recipe)
    }
}

/// How `myelin train superres` trains. The checkpoint keeps it (metadata `myelin.recipe`), so a
/// resumed run goes on with the settings it started with.
struct SuperResolutionRecipe: RunRecipe, Equatable {
    /// The epoch to stop after (a resumed run may be given a later one).
    var epochs = 3
    var batchSize = 64
    var learningRate: Float = 1e-3
    var seed: UInt64 = 0
}
