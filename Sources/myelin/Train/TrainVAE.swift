import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train vae`: a variational autoencoder learns a distribution over handwritten digits,
/// reported as its test negative ELBO in nats per image, and draws new ones from its prior.
struct TrainVAE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Train a variational autoencoder on binarised MNIST; report its negative ELBO and draw digits from it.",
        discussion: """
            The encoder gives each digit a Gaussian over a code of --latent numbers; a code drawn from it \
            with the reparameterisation trick is decoded into a Bernoulli per pixel, of MNIST binarised once \
            with a seeded draw (or, with --likelihood gaussian, a Gaussian per grey pixel). Training lowers \
            the negative ELBO, the reconstruction's negative log-likelihood plus the KL divergence of the \
            code from N(0, I), an upper bound on −log p(x) in nats; --kl-warmup N raises the KL term's \
            weight from 0 to 1 over the first N epochs. OUT gets samples.png (digits decoded from codes \
            drawn from the prior), reconstructions.png, latent-means.png (the test digits' codes, coloured \
            by class; their two principal components when the code is longer than 2), with --latent 2 \
            manifold.png (codes on a 20×20 grid decoded), the curves, report.html, results.json and \
            vae.safetensors, saved after every epoch (continue with --resume OUT).
            """)

    @Option(help: "Encoder and decoder: mlp (fully connected, 512-256) or conv (convolutional; default mlp).")
    var architecture: VariationalAutoencoder.Configuration.Architecture?

    @Option(help: "Numbers in the code z (default 16; 2 draws the latent manifold).")
    var latent: Int?

    @Option(help: "bernoulli (binarised MNIST; default) or gaussian (grey MNIST in [0, 1], one learned σ).")
    var likelihood: VariationalAutoencoder.Configuration.Likelihood?

    @Option(help: "Epochs over which the KL term's weight rises from 0 to 1 (default 0: always 1).")
    var klWarmup: Int?

    @Option(help: "Passes over the 60,000 training digits (default 10; with --resume, the epoch to stop after).")
    var epochs: Int?

    @Option(help: "Digits per step (default 100).")
    var batchSize: Int?

    @Option(help: "Step size of Adam (default 0.001).")
    var learningRate: Float?

    @Option(help: "Folder holding MNIST's files (default: the project's Data/mnist).")
    var data: String?

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        try requirePositive(("--epochs", epochs), ("--batch-size", batchSize), ("--latent", latent))
        try requirePositive(learningRate: learningRate)
        if let latent, latent > 4096 { throw ValidationError("--latent must be at most 4096") }
        if let klWarmup, klWarmup < 0 { throw ValidationError("--kl-warmup must not be negative") }
    }

    /// How `myelin train vae` trains, saved in its checkpoint (metadata `myelin.recipe`).
    struct Recipe: RunRecipe {
        var klWarmupEpochs = 0
        /// The epoch to stop after (a resumed run may be given a later one).
        var epochs = 10
        // Kingma & Welling's batch.
        var batchSize = 100
        var learningRate: Float = 1e-3
        /// Draws the initial weights, the data order, the codes' noise and the sample grid's codes.
        var seed: UInt64 = 0
    }

    static let checkpointName = "vae.safetensors"
    /// The binarisation of MNIST is the data set, not the run: every run draws it with seed 0, as
    /// `myelin train pixelcnn` does by default, so that their nats compare.
    static let binarization = Binarization.sampled(seed: 0)

    func run() throws {
        let group = try runOptions.processGroup()
        let saved = try runOptions.savedRun(named: Self.checkpointName, format: VariationalAutoencoder.checkpointFormat, command: "vae")
        let (configuration, recipe) = try settings(resuming: saved)
        let directory = data.map { URL(fileURLWithPath: $0) }
        var (train, test) = (try MNIST(split: .train, directory: directory), try MNIST(split: .test, directory: directory))
        if configuration.likelihood == .bernoulli {
            (train, test) = (train.binarized(Self.binarization), test.binarized(Self.binarization))
        }
        guard train.count >= recipe.batchSize else {
            throw CommandError("\(train.directory.path): \(train.count) training digits are fewer than one batch of \(recipe.batchSize)")
        }
        let folder = try runOptions.folder(defaultName: "vae")
        manualSeed(recipe.seed)
        let model = VariationalAutoencoder(configuration, generator: RandomGenerator(seed: recipe.seed))
        let loader = DataLoader(
            train, batchSize: recipe.batchSize, shuffle: true, generator: RandomGenerator(seed: recipe.seed &+ 1),
            shard: try group.shard(ofBatch: recipe.batchSize))
        let task = VAETask(
            model, optimizer: Adam(model.parameters, learningRate: recipe.learningRate), on: loader, test: test,
            noise: RandomGenerator(seed: recipe.seed &+ 2), klWarmupSteps: recipe.klWarmupEpochs * loader.count)
        let dataDescription =
            configuration.likelihood == .bernoulli
            ? "MNIST binarised (each pixel white with probability its grey, drawn once with seed 0)"
            : "MNIST, grey pixels in [0, 1]"
        print("\(dataDescription) from \(train.directory.path): \(train.count) training and \(test.count) test digits.")
        let warmup = recipe.klWarmupEpochs == 0 ? "no KL warm-up" : "KL warm-up over \(recipe.klWarmupEpochs) epochs"
        print(
            "VAE \(configuration.summary): \(model.parameterCount) parameters; Adam lr \(recipe.learningRate), batch \(recipe.batchSize), \(warmup), \(recipe.epochs) epochs."
        )

        let priorCodes = Tensor.randn([64, configuration.latentSize], generator: RandomGenerator(seed: recipe.seed &+ 3))
        let report = ReportWriter(to: folder) { trainer in
            let history = trainer.history
            var outputs = RunOutputs(
                title: "myelin train vae",
                summary:
                    "A variational autoencoder learns a distribution over handwritten digits: codes of \(configuration.latentSize) numbers, drawn from N(0, I), decoded into digits.",
                settings: [
                    ("model", "\(configuration.summary); \(model.parameterCount) parameters"), ("data", dataDescription),
                    ("optimizer", "Adam lr \(recipe.learningRate)"), ("batch size", String(recipe.batchSize)),
                    ("epochs", String(trainer.progress.epoch)), ("KL warm-up", warmup), ("seed", String(recipe.seed)),
                ],
                metrics: [
                    ("test negative ELBO (nats per image)", "test negative ELBO"),
                    ("test reconstruction −log p(x | z) (nats)", "test reconstruction"), ("test KL (nats)", "test KL"),
                ].compactMap { label, name in history.last(name).map { (label, String(format: "%.2f", $0)) } },
                plots: [RunPlot(name: "elbo", plot: vaeCurves(history))])
            outputs.pictures += vaePictures(of: model, test: test, priorCodes: priorCodes)
            outputs.plots.append(RunPlot(name: "latent-means", plot: latentMeansPlot(of: model, test: test), width: 800, height: 800))
            return outputs
        }
        let (trainer, written) = try trainRun(
            task, length: .epochs(recipe.epochs), recipe: recipe, metadata: model.checkpointMetadata,
            checkpoint: folder.appendingPathComponent(Self.checkpointName),
            progress: ProgressLogger(speed: .samples("images"), shown: ["negative ELBO", "KL"]), report: report, resuming: saved,
            newLearningRate: learningRate != nil, group: group)
        let (history, epochs) = (trainer.history, trainer.progress.epoch)
        print(
            "Test negative ELBO after \(epochs) \(epochs == 1 ? "epoch" : "epochs")"
                + String(
                    format: " (%.1f s): %.2f nats per image (reconstruction %.2f + KL %.2f).", trainer.progress.seconds,
                    history.last("test negative ELBO") ?? .nan, history.last("test reconstruction") ?? .nan, history.last("test KL") ?? .nan
                ))
        printWritten(written)
    }

    /// The model's configuration and the recipe: a fresh run's from the options, a resumed run's
    /// from its checkpoint (whose settings an option may not contradict), with a new length and
    /// learning rate applied.
    private func settings(resuming saved: SavedRun?) throws -> (VariationalAutoencoder.Configuration, Recipe) {
        guard let saved else {
            var recipe = Recipe(seed: runOptions.seed)
            recipe.klWarmupEpochs = klWarmup ?? recipe.klWarmupEpochs
            recipe.epochs = epochs ?? recipe.epochs
            recipe.batchSize = batchSize ?? recipe.batchSize
            recipe.learningRate = learningRate ?? recipe.learningRate
            let configuration = VariationalAutoencoder.Configuration(
                architecture: architecture ?? .mlp, latentSize: latent ?? 16, likelihood: likelihood ?? .bernoulli)
            return (configuration, recipe)
        }
        let configuration = try VariationalAutoencoder.configuration(in: saved.file.metadata, of: saved.url)
        var recipe = try runOptions.resumedRecipe(
            Recipe.self, of: saved,
            settings: { [self] other in
                [
                    ResumedSetting("--architecture", given: architecture?.rawValue, saved: configuration.architecture.rawValue),
                    ResumedSetting("--latent", given: latent, saved: configuration.latentSize),
                    ResumedSetting("--likelihood", given: likelihood?.rawValue, saved: configuration.likelihood.rawValue),
                    ResumedSetting("--kl-warmup", given: klWarmup, saved: other.klWarmupEpochs),
                    ResumedSetting("--batch-size", given: batchSize, saved: other.batchSize),
                ]
            }, learningRate: learningRate)
        recipe.epochs = epochs ?? recipe.epochs
        return (configuration, recipe)
    }
}

extension VariationalAutoencoder.Configuration.Architecture: ExpressibleByArgument {}
extension VariationalAutoencoder.Configuration.Likelihood: ExpressibleByArgument {}
