import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train MODEL` for an image classifier of the zoo: trains it on MNIST, reports its test
/// accuracy and shows what it learned.
struct TrainImageModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Train an image classifier of the zoo on MNIST (the default: `myelin train lenet`).",
        discussion: """
            Models:
            \(ZooModel.allCases.map { "  \($0.rawValue): \($0.summary)" }.joined(separator: "\n"))
            MNIST is read from Data/mnist unless --data names another folder. The output folder gets the \
            loss and accuracy curves and, for ConvNets, the first convolution's filters and one test digit's \
            feature maps.
            """)

    @Argument(help: "The model to train: \(ZooModel.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: ZooModel

    @Option(help: "Folder holding the data set's files (default: the project's Data/mnist).")
    var data: String?

    @Option(help: "Number of passes over the training set (default: the model's recipe).")
    var epochs: Int?

    @Option(help: "Images per step (default: the model's recipe).")
    var batchSize: Int?

    @Option(help: "Step size of the optimiser (default: the model's recipe).")
    var learningRate: Float?

    @Flag(help: "Augment training images with random shifts of up to 2 pixels.")
    var augment = false

    @Option(
        help: ArgumentHelp(
            "Adversarial training: learn from each batch attacked by fgsm (from a random start, steps of 1.25 ε) or pgd (--attack-steps steps of 2.5 ε / steps).",
            valueName: "attack"))
    var adversarial: AdversarialTraining.Method?

    @Option(help: "Adversarial training: how far the attack may move a pixel (default 0.1).")
    var epsilon: Float?

    @Option(help: "Adversarial training with pgd: steps per batch (default 10).")
    var attackSteps: Int?

    @Option(
        help: ArgumentHelp(
            "Adversarial training: an undefended run of the same kind (its folder or checkpoint) whose robustness the report draws beside this one's (default: train one the same way without attacks).",
            valueName: "run"))
    var baseline: String?

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        try requirePositive(("--epochs", epochs), ("--batch-size", batchSize), ("--attack-steps", attackSteps))
        try requirePositive(learningRate: learningRate)
        if let epsilon, !(epsilon > 0 && epsilon <= 1) {
            throw ValidationError("--epsilon must be a radius between 0 and 1, got \(epsilon)")
        }
        if adversarial == nil && (epsilon != nil || attackSteps != nil || baseline != nil) {
            throw ValidationError(
                "--epsilon, --attack-steps and --baseline set up adversarial training: add --adversarial fgsm or --adversarial pgd")
        }
    }

    /// What a run was started with, saved in its checkpoint so that --resume goes on the same way.
    struct Recipe: RunRecipe {
        var model: String
        var epochs: Int
        var batchSize: Int
        var learningRate: Float
        var augment: Bool
        /// The attack each batch is replaced by; nil for plain training.
        var adversary: AdversarialTraining?
        var seed: UInt64

        /// The `myelin.format` of an image model's training checkpoint.
        static let checkpointFormat = "myelin.classifier"
    }

    func run() throws {
        let model = self.model
        let folder = try runOptions.folder(defaultName: model.rawValue)
        let checkpointURL = folder.appendingPathComponent("\(model.rawValue).safetensors")
        let saved = try runOptions.savedRun(
            named: checkpointURL.lastPathComponent, format: Recipe.checkpointFormat, command: model.rawValue)
        var recipe = Recipe(
            model: model.rawValue, epochs: model.epochs, batchSize: batchSize ?? model.batchSize,
            learningRate: learningRate ?? model.learningRate, augment: augment,
            adversary: adversarial.map { AdversarialTraining($0, epsilon: epsilon ?? 0.1, steps: attackSteps ?? 10) },
            seed: runOptions.seed)
        if let saved {
            recipe = try runOptions.resumedRecipe(
                Recipe.self, of: saved,
                settings: { [self] other in
                    guard other.model == model.rawValue else {
                        throw CommandError(
                            "\(saved.url.path) is a run of \(other.model), not \(model.rawValue): resume it with `myelin train \(other.model) --resume \(runOptions.resume!)`"
                        )
                    }
                    return [
                        ResumedSetting("--batch-size", given: self.batchSize, saved: other.batchSize),
                        ResumedSetting("--augment", given: augment ? true : nil, saved: other.augment),
                        ResumedSetting(
                            "--adversarial", given: recipe.adversary.map(\.description), saved: other.adversary?.description ?? "none"),
                    ]
                }, learningRate: learningRate)
        }
        recipe.epochs = epochs ?? recipe.epochs
        let group = try runOptions.processGroup()
        let shard = try group.shard(ofBatch: recipe.batchSize)
        let directory = data.map { URL(fileURLWithPath: $0) }
        let train = try MNIST(split: .train, directory: directory)
        let test = try MNIST(split: .test, directory: directory)
        print("MNIST from \(train.directory.path): \(train.count) training and \(test.count) test images.")
        let seed = recipe.seed, batchSize = recipe.batchSize, epochs = recipe.epochs
        manualSeed(seed)
        let network = model.make(generator: RandomGenerator(seed: seed))
        let (optimizer, optimizerSummary) = model.makeOptimizer(network.parameters, learningRate: recipe.learningRate)
        print(
            "Model \(model.rawValue): \(model.summary); \(network.parameterCount) parameters; \(optimizerSummary), batch \(batchSize)\(recipe.augment ? ", shifted ±2 px" : "")."
        )
        let loader = Self.loader(train, recipe: recipe, shard: shard)
        // The adversary's random starts come from a generator of its own, saved for an exact resume.
        let adversaryGenerator = RandomGenerator(seed: seed &+ 1)
        let adversary = recipe.adversary?.adversary(for: network, generator: adversaryGenerator)
        if let described = recipe.adversary?.description { print("Adversarial training: every batch attacked by \(described).") }
        let task = SupervisedTask(
            network, optimizer: optimizer, loss: model.loss, on: loader,
            validation: DataLoader(test, batchSize: 1000), metrics: [.accuracy, .confusionMatrix],
            prefix: "test ", generators: adversary == nil ? [] : [("adversary", adversaryGenerator)], adversary: adversary,
            format: Recipe.checkpointFormat)
        let report = ReportWriter(to: folder) { [self] trainer in
            var outputs = RunOutputs(
                title: "myelin train \(model.rawValue)",
                summary: "\(model.summary), trained on \(train.count) MNIST digits and tested on \(test.count).",
                settings: [
                    ("model", "\(model.rawValue): \(network.parameterCount) parameters"), ("optimizer", optimizerSummary),
                    ("batch size", String(batchSize)), ("epochs", String(epochs)),
                    ("augmentation", recipe.augment ? "random shifts of up to 2 pixels" : "none"),
                    ("adversarial training", recipe.adversary?.description ?? "none"), ("seed", String(seed)),
                ],
                metrics: [
                    ("test accuracy", String(format: "%.4f", trainer.history.last("test accuracy")!)),
                    ("mean training loss, last epoch", String(format: "%.4f", trainer.history.last("mean loss")!)),
                ],
                plots: trainer.history.standardPlots(), pictures: firstConvolutionPictures(of: network, on: test),
                texts: [
                    (
                        caption: "Confusion matrix of the test set (rows: true digit, columns: predicted)",
                        text: trainer.history.confusionMatrix!.table
                    )
                ])
            if recipe.adversary != nil {
                let curves = try robustness(of: network, recipe: recipe, train: train, test: test)
                outputs.plots.append(RobustnessCurve.plot(curves, attack: "PGD-20"))
                outputs.metrics += curves.flatMap { $0.metrics(prefix: "\($0.name) ") }
            }
            return outputs
        }
        let (trainer, written) = try trainRun(
            task, length: .epochs(epochs), recipe: recipe, checkpoint: checkpointURL,
            progress: ProgressLogger(), report: report, resuming: saved,
            newLearningRate: learningRate != nil, group: group)
        print("Confusion matrix of the test set (rows: true digit, columns: predicted):")
        print(trainer.history.confusionMatrix!.table)
        print(String(format: "Test accuracy: %.4f", trainer.history.last("test accuracy")!))
        printWritten(written)
        print("Train further with: myelin train \(model.rawValue) --resume \(folder.path) --epochs \(epochs + 1)")
    }
}

extension TrainImageModel {
    /// The recipe's shuffled (and, with --augment, shifted) training batches, or `shard`'s slices of them.
    static func loader(_ train: MNIST, recipe: Recipe, shard: DataShard? = nil) -> DataLoader<MNIST> {
        DataLoader(
            train, batchSize: recipe.batchSize, shuffle: true,
            augmentation: recipe.augment ? [.shift(maxPixels: 2)] : nil, generator: RandomGenerator(seed: recipe.seed),
            shard: shard)
    }

    /// The adversarially trained `network` and an undefended one (--baseline, or a twin trained by
    /// the same recipe without attacks) under PGD (20 steps of 0.01 from a random start) at ε 0.05,
    /// 0.1, 0.2 and 0.3 on the first 1,000 test digits: the report's robustness curves, printed too.
    func robustness(of network: Module, recipe: Recipe, train: MNIST, test: MNIST) throws -> [RobustnessCurve] {
        let undefended: Module
        if let baseline {
            let run = try TrainedClassifier(contentsOf: baseline)
            print("The undefended model to compare with: \(run.model.rawValue) from \(run.url.path).")
            undefended = run.network
        } else {
            print(
                "Training an undefended \(model.rawValue) the same way, without attacks, to compare with (--baseline RUN compares with a run you have):"
            )
            manualSeed(recipe.seed)
            undefended = model.make(generator: RandomGenerator(seed: recipe.seed))
            let (optimizer, _) = model.makeOptimizer(undefended.parameters, learningRate: recipe.learningRate)
            try fit(
                undefended, optimizer: optimizer, loss: model.loss, on: Self.loader(train, recipe: recipe), epochs: recipe.epochs,
                callbacks: [ProgressLogger(label: "undefended")])
        }
        let digits = test.subset(Array(0..<min(1000, test.count)))
        let radii: [Float] = [0.05, 0.1, 0.2, 0.3]
        var curves: [RobustnessCurve] = []
        for (name, candidate) in [("adversarially trained", network), ("undefended", undefended)] {
            candidate.eval()
            let curve = RobustnessCurve(name: name, network: candidate, on: digits, radii: radii, seed: recipe.seed, label: name) {
                .pgd(epsilon: $0, stepSize: 0.01, steps: 20)
            }
            print("\(name.prefix(1).uppercased() + name.dropFirst()) under PGD-20 on \(digits.count) test digits:")
            print(String(format: "clean accuracy %.4f", curve.cleanAccuracy))
            print(curve.table(successName: "fooled (of those right)"))
            curves.append(curve)
        }
        return curves
    }
}

extension AdversarialTraining.Method: ExpressibleByArgument {}
