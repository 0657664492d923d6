import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train cyclegan`: CycleGAN's "horse ↔ zebra" on digits — two generators learn to add
/// stripes to plain digits and to take them off zebra digits, from pictures that have no partners.
struct TrainCycleGAN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cyclegan",
        abstract: "Train a CycleGAN to turn plain digits into zebra-striped ones and back, without pairs.",
        discussion: """
            Domain A is half of MNIST's training digits as they are; domain B the other half with each \
            digit's strokes striped at a random angle and period (the same domains in every run), so no \
            picture has its partner. G_AB and G_BA (ResNet encoder-decoders with instance norm) learn \
            against PatchGAN discriminators D_B and D_A with the paper's losses: least squares, cycle \
            consistency (λ 10), identity (5), pools of 50 past fakes; Adam 2e-4, betas 0.5, 0.999. \
            After every epoch OUT/samples/A-B-A/epoch-NNN.png and OUT/samples/B-A-B/epoch-NNN.png show \
            test digits, their translation and the way back, and OUT/cyclegan.safetensors is saved. At \
            the end a classifier trained on plain MNIST (--classifier RUN, or a LeNet trained for an \
            epoch here) reads the digits G_BA took the stripes off; its accuracy and the round trips' L1 \
            errors are printed and written to report.html and results.json. --resume OUT continues a run.
            """)

    @Option(help: "Passes over the training digits (default 3; with --resume, the saved plan).")
    var epochs: Int?

    @Option(help: "Digits of each domain per step (default 16).")
    var batchSize: Int?

    @Option(help: "Training digits of each domain; an epoch takes digits ÷ batch size steps (default 30000: all).")
    var digits: Int?

    @Option(help: "Test digits per domain for the evaluation (default 2000, at most 5000).")
    var testDigits: Int?

    @Option(help: "Maps after the generators' first convolution (default 16).")
    var generatorWidth: Int?

    @Option(help: "Residual blocks in each generator (default 3).")
    var residualBlocks: Int?

    @Option(help: "Maps after the discriminators' first convolution (default 32).")
    var discriminatorWidth: Int?

    @Option(help: "Step size of both Adam optimizers (default 0.0002).")
    var learningRate: Float?

    @Option(
        help: ArgumentHelp(
            "A classifier trained by `myelin train MODEL` (its folder or checkpoint) to read the translated digits (default: train a LeNet for one epoch).",
            valueName: "run"))
    var classifier: String?

    @Option(help: "Folder holding MNIST's files (default: the project's Data/mnist).")
    var data: String?

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        try requirePositive(
            ("--epochs", epochs), ("--batch-size", batchSize), ("--digits", digits), ("--test-digits", testDigits),
            ("--generator-width", generatorWidth), ("--discriminator-width", discriminatorWidth))
        try requirePositive(learningRate: learningRate)
        if let residualBlocks, residualBlocks < 0 || residualBlocks > 64 { throw ValidationError("--residual-blocks must be in 0…64") }
    }

    /// What a CycleGAN run was started with, saved in its checkpoint so that --resume goes on the same way.
    struct Recipe: RunRecipe {
        var epochs: Int
        var batchSize: Int
        var digits: Int
        var testDigits: Int
        var learningRate: Float
        /// Draws the initial weights, the data order and the pools' choices.
        var seed: UInt64
    }

    /// The domains are drawn with this seed in every run: the data set, not a choice of the run.
    static let domainSeed: UInt64 = 2017

    func run() throws {
        guard !(try runOptions.processGroup().isDistributed) else {
            throw CommandError(
                "myelin train cyclegan trains on one process only (its image pools would have to be shared): run it without mpirun"
            )
        }
        let directory = data.map { URL(fileURLWithPath: $0) }
        let (train, test) = (try MNIST(split: .train, directory: directory), try MNIST(split: .test, directory: directory))
        let folder = try runOptions.folder(defaultName: "cyclegan")
        let checkpointURL = folder.appendingPathComponent("cyclegan.safetensors")
        let saved = try runOptions.savedRun(named: "cyclegan.safetensors", format: CycleGANTrainer.checkpointFormat, command: "cyclegan")
        var recipe = Recipe(
            epochs: epochs ?? 3, batchSize: batchSize ?? 16, digits: digits ?? train.count / 2,
            testDigits: testDigits ?? min(2000, test.count / 2), learningRate: learningRate ?? 2e-4, seed: runOptions.seed)
        var configuration = CycleGANConfiguration(
            generatorWidth: generatorWidth ?? 16, residualBlocks: residualBlocks ?? 3, discriminatorWidth: discriminatorWidth ?? 32)
        if let saved {
            let savedConfiguration = try CycleGANTrainer.configuration(in: saved.file.metadata, path: saved.url.path)
            recipe = try runOptions.resumedRecipe(
                Recipe.self, of: saved,
                settings: { [self] other in
                    [
                        ResumedSetting("--batch-size", given: batchSize, saved: other.batchSize),
                        ResumedSetting("--digits", given: digits, saved: other.digits),
                        ResumedSetting("--test-digits", given: testDigits, saved: other.testDigits),
                        ResumedSetting("--generator-width", given: generatorWidth, saved: savedConfiguration.generatorWidth),
                        ResumedSetting("--residual-blocks", given: residualBlocks, saved: savedConfiguration.residualBlocks),
                        ResumedSetting("--discriminator-width", given: discriminatorWidth, saved: savedConfiguration.discriminatorWidth),
                    ]
                }, learningRate: learningRate)
            recipe.epochs = epochs ?? recipe.epochs
            configuration = savedConfiguration
        }
        guard recipe.digits <= train.count / 2, recipe.testDigits <= test.count / 2 else {
            throw CommandError(
                "\(train.directory.path): --digits \(recipe.digits) and --test-digits \(recipe.testDigits) must be at most half the \(train.count) training and \(test.count) test digits"
            )
        }
        guard recipe.batchSize <= recipe.digits else {
            throw CommandError("a batch of \(recipe.batchSize) is more than the \(recipe.digits) training digits per domain")
        }
        let domains = ZebraDigits(train, seed: Self.domainSeed, count: recipe.digits)
        let testDomains = ZebraDigits(test, seed: Self.domainSeed, count: recipe.testDigits)
        manualSeed(recipe.seed)
        let cycleGAN = CycleGANTrainer(
            configuration, learningRate: recipe.learningRate, random: RandomGenerator(seed: recipe.seed),
            pools: RandomGenerator(seed: recipe.seed &+ 2))
        let task = CycleGANTask(
            cycleGAN, a: domains.plain, b: domains.zebra, batchSize: recipe.batchSize, seed: recipe.seed,
            test: (testDomains.plain.inputs, testDomains.zebra.inputs))
        let (generatorSize, discriminatorSize) = (cycleGAN.generatorAB.parameterCount, cycleGAN.discriminatorA.parameterCount)
        print(
            "MNIST from \(train.directory.path): \(recipe.digits) plain and \(recipe.digits) zebra training digits, \(recipe.testDigits) of each for testing, in [-1, 1]."
        )
        print(
            "CycleGAN \(configuration.summary): G_AB and G_BA \(generatorSize) parameters each, D_A and D_B \(discriminatorSize); Adam lr \(recipe.learningRate), betas (0.5, 0.999); batch \(recipe.batchSize), \(task.batches.batchesPerEpoch!) steps per epoch."
        )

        // After each epoch, the same test digits there and back (before the checkpoint that follows).
        let columns = [RoundTrip.aba: gridDigits(testDomains.plain), .bab: gridDigits(testDomains.zebra)]
        func grid(_ trip: RoundTrip) -> Image { labelledRows(trip.rows(of: columns[trip]!, through: cycleGAN), labels: trip.labels) }
        let drawGrids = LambdaCallback(epochDidEnd: { trainer in
            for trip in RoundTrip.allCases {
                let url = folder.appendingPathComponent(trip.fileName(epoch: trainer.progress.epoch))
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try grid(trip).writePNG(to: url)
            }
        })
        let report = ReportWriter(to: folder) { [self] trainer in
            let history = trainer.history
            let figures = try measure(cycleGAN, on: testDomains, train: train, seed: recipe.seed)
            let errors = (history.last("test cycle L1 A→B→A")!, history.last("test cycle L1 B→A→B")!)
            print(
                String(
                    format: "Cycle L1 error on %d test digits: A→B→A %.4f, B→A→B %.4f (pixels in [-1, 1])", recipe.testDigits, errors.0,
                    errors.1))
            return RunOutputs(
                title: "myelin train cyclegan",
                summary:
                    "Two generators learn to stripe plain digits like zebras and to take the stripes off again, from two halves of MNIST with no picture paired.",
                settings: [
                    ("networks", "\(configuration.summary): G \(generatorSize) parameters each, D \(discriminatorSize) each"),
                    (
                        "optimizers",
                        "Adam lr \(recipe.learningRate), betas (0.5, 0.999): one for both generators, one for both discriminators"
                    ),
                    ("data", "\(recipe.digits) plain and \(recipe.digits) zebra training digits; \(recipe.testDigits) test digits of each"),
                    ("batch size", String(recipe.batchSize)), ("epochs", String(trainer.progress.epoch)), ("seed", String(recipe.seed)),
                ],
                metrics: figures + [
                    ("test cycle L1 A→B→A", String(format: "%.4f", errors.0)), ("test cycle L1 B→A→B", String(format: "%.4f", errors.1)),
                ]
                    + ["G loss", "cycle loss", "identity loss", "D_A loss", "D_B loss"].compactMap { name in
                        history.last("mean \(name)").map { ("mean \(name), last epoch", String(format: "%.4f", $0)) }
                    },
                plots: cycleGANCurves(history),
                pictures: RoundTrip.allCases.map { trip in
                    RunPicture(
                        name: trip.fileName(epoch: trainer.progress.epoch).replacingOccurrences(of: ".png", with: ""),
                        caption: trip == .aba
                            ? "Plain test digits, G_AB's zebras of them, and G_BA's way back, after epoch \(trainer.progress.epoch)"
                            : "Zebra test digits, G_BA's plain digits of them, and G_AB's way back, after epoch \(trainer.progress.epoch)",
                        image: grid(trip))
                })
        }
        if let saved { try cycleGAN.checkCompatible(with: saved.file, path: saved.url.path) }
        let (_, written) = try trainRun(
            task, length: .epochs(recipe.epochs), recipe: recipe, metadata: cycleGAN.checkpointMetadata,
            checkpoint: checkpointURL, progress: ProgressLogger(speed: .steps, shown: ["G loss", "cycle loss"]),
            report: report, extra: [drawGrids], resuming: saved, newLearningRate: learningRate != nil)
        printWritten(written)
    }

    /// The classifier's accuracy on the plain and the zebra test digits and on G_BA's plain digits
    /// made of the zebras, printed and returned as the report's figures.
    func measure(_ cycleGAN: CycleGANTrainer, on test: ZebraDigits, train: MNIST, seed: UInt64) throws -> [(String, String)] {
        let network = try digitReader(classifier, train: train, seed: seed)
        // The zoo's classifiers read pixels in [0, 1]; the domains are in [−1, 1].
        func accuracy(_ translate: @escaping (Tensor) -> Tensor, on digits: TensorDataset) -> Double {
            network.evaluating { classificationAccuracy(of: { network((translate($0) + 1) * 0.5) }, on: digits, batchSize: 500) }
        }
        let figures = [
            ("classifier accuracy on plain test digits", accuracy({ $0 }, on: test.plain)),
            ("classifier accuracy on zebra test digits", accuracy({ $0 }, on: test.zebra)),
            ("classifier accuracy on G_BA(zebra test digits)", accuracy(cycleGAN.translateBToA, on: test.zebra)),
        ]
        for (name, value) in figures { print("\(name) (\(test.zebra.count)): " + String(format: "%.4f", value)) }
        return figures.map { ($0.0, String(format: "%.4f", $0.1)) }
    }
}
