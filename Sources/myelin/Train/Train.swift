import ArgumentParser
import Foundation
import Myelin

/// `myelin train MODEL`: one subcommand per kind of model, each with the options it understands.
/// An image model of the zoo (`myelin train lenet`) goes to the default subcommand.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model, report how well it does and show what it learned.",
        discussion: """
            Image classifiers on MNIST: \(ZooModel.allCases.map(\.rawValue).joined(separator: ", ")) \
            (`myelin train lenet`; see `myelin train image --help`).
            Language models: charrnn (an LSTM) and gpt (a small transformer) learn to write like a text; bert (alias masked-lm) learns to fill in hidden characters.
            Generative models: gan turns noise into digits, cyclegan stripes digits like zebras and takes the stripes off, autoencoder rebuilds digits and finds the ones it never saw.
            Segmentation: segmentation (a U-Net) labels every pixel of canvases of digits with its digit.
            Image geometry: superres upscales shrunk digits 2× or 4× (ESPCN), stn learns to straighten distorted digits.
            """,
        subcommands: [
            TrainImageModel.self, TrainCharRNN.self, TrainGPT.self, TrainBERT.self, TrainGAN.self, TrainCycleGAN.self,
            TrainAutoencoder.self,
            TrainSegmentation.self, TrainSuperResolution.self, TrainSpatialTransformer.self,
        ],
        defaultSubcommand: TrainImageModel.self)
}

/// Options every `myelin train` subcommand shares: where the run goes, where it resumes from, its seed.
struct RunOptions: ParsableArguments {
    @Option(help: "Folder for the pictures, curves and checkpoints (default: runs/MODEL, or the --resume folder).")
    var out: String?

    @Option(
        help: ArgumentHelp(
            "Continue the run saved in this folder from its last checkpoint, with its settings.",
            valueName: "folder"))
    var resume: String?

    @Option(help: "Random seed: the same seed gives the same run.")
    var seed: UInt64 = 0

    /// The run's folder, created if needed: --out, else the --resume folder, else `runs/NAME`.
    func folder(defaultName: String) throws -> URL {
        try makeOutputDirectory(out ?? resume ?? "runs/\(defaultName)")
    }

    /// The run saved in the --resume folder as `fileName`, read once and checked to be a `format`
    /// checkpoint, or nil for a fresh run; an error says what to do when the folder has none.
    func savedRun(named fileName: String, format: String, command: String) throws -> SavedRun? {
        guard let resume else { return nil }
        let url = URL(fileURLWithPath: resume, isDirectory: true).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CommandError("\(url.path) does not exist: --resume needs the folder of an earlier `myelin train \(command)` run")
        }
        return SavedRun(url: url, file: try TrainingCheckpoint.read(url, format: format))
    }

    /// The recipe `saved` was trained with, once no option given contradicts it (`settings` pairs
    /// each such option with the recipe's value); a new `learningRate` applies.
    func resumedRecipe<Recipe: RunRecipe>(
        _ type: Recipe.Type, of saved: SavedRun, settings: (Recipe) throws -> [ResumedSetting],
        learningRate: Float?
    ) throws -> Recipe {
        var recipe = try CheckpointMetadata.value(
            Recipe.self, key: Recipe.metadataKey, in: saved.file.metadata, path: saved.url.path,
            what: "training recipe")
        try refuseChangedSettings(try settings(recipe), savedSeed: recipe.seed, of: saved.url)
        recipe.learningRate = learningRate ?? recipe.learningRate
        return recipe
    }
}

/// What a subcommand's run was started with, saved in its checkpoint (metadata `myelin.recipe`)
/// so that --resume goes on the same way.
protocol RunRecipe: Codable {
    var seed: UInt64 { get }
    var learningRate: Float { get set }
}

extension RunRecipe {
    static var metadataKey: String { "myelin.recipe" }
}

/// A checkpoint to resume from, read once.
struct SavedRun {
    let url: URL
    let file: SafeTensorsFile
}

/// One setting of a run being resumed: the option, the value given on the command line (nil when
/// left out) and the value the saved run has.
struct ResumedSetting {
    var option: String
    var given: String?
    var saved: String

    init<T: CustomStringConvertible & Equatable>(_ option: String, given: T?, saved: T) {
        self.option = option
        self.given = given.flatMap { $0 == saved ? nil : $0.description }
        self.saved = saved.description
    }
}

extension RunOptions {
    /// A resumed run keeps the settings that shape it (model, data, batch, seed); only its length
    /// and learning rate may change. Throws one error listing every option given with a value
    /// that differs from the run saved at `url`. (--seed counts as given when it is not 0, its default.)
    func refuseChangedSettings(_ settings: [ResumedSetting], savedSeed: UInt64, of url: URL) throws {
        let changed = (settings + [ResumedSetting("--seed", given: seed == 0 ? nil : seed, saved: savedSeed)])
            .compactMap { setting in setting.given.map { "\(setting.option) \($0) (the run's is \(setting.saved))" } }
        guard changed.isEmpty else {
            throw CommandError(
                "\(url.path): a resumed run keeps its settings, but \(changed.joined(separator: ", ")) differ; leave them out, or start a new run in another --out folder"
            )
        }
    }
}

/// Throws a validation error naming the first option given a value below 1.
func requirePositive(_ options: (String, Int?)...) throws {
    for (name, value) in options {
        if let value, value <= 0 { throw ValidationError("\(name) must be at least 1") }
    }
}

/// Throws a validation error unless the learning rate, if given, is a positive number.
func requirePositive(learningRate: Float?) throws {
    if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
        throw ValidationError("--learning-rate must be a positive number")
    }
}

/// Trains `task` for `length` through the Trainer, as every `myelin train` run does: `progress`, the
/// stop on a non-finite loss, `extra` (pictures after each epoch, say), the checkpoint at
/// `checkpoint` every `interval` with `recipe` and `metadata`, the metrics log `metrics.csv` and
/// `report`; resumed from `saved` (keeping the optimizers' new learning rate if one was given).
/// With a `group` of several processes, the training is data-parallel and only rank 0 shows
/// progress and writes files (`extra` included). Returns the trainer and the files written, with
/// what each shows.
func trainRun<Task: TrainingTask, Recipe: RunRecipe>(
    _ task: Task, length: TrainingLength, every interval: TrainingInterval = .epoch, recipe: Recipe,
    metadata: [String: String] = [:], checkpoint: URL, progress: ProgressLogger, report: ReportWriter,
    extra: [TrainingCallback] = [], resuming saved: SavedRun?, newLearningRate: Bool, group: ProcessGroup = .single
) throws -> (trainer: Trainer, written: [String]) {
    let log = MetricsLogger(report.folder.appendingPathComponent("metrics.csv"))
    let stopOnNaN = TerminateOnNaN(advice: "Try a smaller learning rate (--learning-rate).")
    let trainer = Trainer(
        length, state: task.state, evaluateEvery: interval,
        metadata: metadata.merging([Recipe.metadataKey: try CheckpointMetadata.json(recipe)]) { $1 },
        callbacks: group.isLeader
            // The log before the checkpoint: the checkpoint keeps the steps logged, this one's included.
            ? [progress, stopOnNaN] + extra + [log, ModelCheckpoint(checkpoint, every: interval), report] : [stopOnNaN],
        dataParallel: group.isDistributed ? DataParallel(task.state.modules.map(\.module), group: group) : nil)
    if let saved {
        do {
            try trainer.resume(from: saved.file, path: saved.url.path, keepingLearningRate: newLearningRate)
        } catch TrainingError.alreadyComplete(let path, let done) {
            let option = if case .epochs = length { "--epochs" } else { "--steps" }
            throw CommandError("\(path) already trained for \(done); pass \(option) with a larger total to go on")
        }
        print("Resuming from \(saved.url.path) after \(trainer.position).")
    }
    try trainer.run(task)
    return (trainer, group.isLeader ? [checkpoint.path, log.url.path] + report.written : [])
}

extension RunOptions {
    /// The processes this run trains on: every rank `mpirun` started, or this process alone. Ranks
    /// other than 0 print nothing from here on: rank 0 speaks for the run.
    func processGroup() throws -> ProcessGroup {
        let group: ProcessGroup
        do {
            group = try ProcessGroup.world()
        } catch let error as DistributedError {
            throw CommandError(error.description)
        }
        guard group.isDistributed else { return group }
        if !group.isLeader { _ = freopen("/dev/null", "w", stdout) }
        // The processes on one machine share its cores (unless MYELIN_THREADS says otherwise).
        if !Threads.isSetByEnvironment { Threads.count = max(1, Threads.count / group.localSize) }
        return group
    }
}

extension ProcessGroup {
    /// This process's slice of every batch of `batchSize` (the global batch) when several train
    /// together, said in one line; nil for a process alone. The batch must split evenly.
    func shard(ofBatch batchSize: Int) throws -> DataShard? {
        guard isDistributed else { return nil }
        guard batchSize % size == 0 else {
            throw CommandError(
                "a batch of \(batchSize) cannot be split evenly among \(size) processes: give --batch-size a multiple of \(size)")
        }
        print(
            "Data-parallel training on \(size) processes of \(Threads.count) thread\(Threads.count == 1 ? "" : "s") (\(backend)): each takes \(batchSize / size) of every batch of \(batchSize); speeds are per process."
        )
        return DataShard(rank: rank, of: size)
    }
}
