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
            Language models: charrnn (an LSTM) and gpt (a small transformer) learn to write like a text.
            Generative models: gan turns noise into digits, autoencoder rebuilds digits and finds the ones it never saw.
            """,
        subcommands: [TrainImageModel.self, TrainCharRNN.self, TrainGPT.self, TrainGAN.self, TrainAutoencoder.self],
        defaultSubcommand: TrainImageModel.self)
}

/// Options every `myelin train` subcommand shares: where the run goes, where it resumes from, its seed.
struct RunOptions: ParsableArguments {
    @Option(help: "Folder for the pictures, curves and checkpoints (default: runs/MODEL, or the --resume folder).")
    var out: String?

    @Option(help: ArgumentHelp("Continue the run saved in this folder from its last checkpoint, with its settings.",
                               valueName: "folder"))
    var resume: String?

    @Option(help: "Random seed: the same seed gives the same run.")
    var seed: UInt64 = 0

    /// The run's folder, created if needed: --out, else the --resume folder, else `runs/NAME`.
    func folder(defaultName: String) throws -> URL {
        try makeOutputDirectory(out ?? resume ?? "runs/\(defaultName)")
    }

    /// The checkpoint to resume from, or nil for a fresh run; an error says what to do when the
    /// folder has none.
    func resumeCheckpoint(named fileName: String, command: String) throws -> URL? {
        guard let resume else { return nil }
        let url = URL(fileURLWithPath: resume, isDirectory: true).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CommandError("\(url.path) does not exist: --resume needs the folder of an earlier `myelin train \(command)` run")
        }
        return url
    }
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
            throw CommandError("\(url.path): a resumed run keeps its settings, but \(changed.joined(separator: ", ")) differ; leave them out, or start a new run in another --out folder")
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

/// The callbacks every `myelin train` run has: `progress`, the stop on a non-finite loss, `extra`
/// (pictures after each epoch, say), the checkpoint at `checkpoint` every `interval`, the metrics
/// log `metrics.csv` and `report` (report.html), in that order.
func runCallbacks(progress: ProgressLogger, checkpoint: URL, every interval: TrainingInterval, report: ReportWriter,
                  extra: [TrainingCallback] = []) -> [TrainingCallback] {
    [progress, TerminateOnNaN(advice: "Try a smaller learning rate (--learning-rate).")] + extra
        + [ModelCheckpoint(checkpoint, every: interval),
           MetricsLogger(report.folder.appendingPathComponent("metrics.csv")), report]
}

/// Restores `trainer` from the checkpoint `file` read from `url`, saying where the run goes on from;
/// a run that already reached its length asks for a larger `lengthOption`. The optimizers keep the
/// learning rate they have now when `newLearningRate` (given on the command line), else take the saved one.
func resume(_ trainer: Trainer, from file: SafeTensorsFile, at url: URL, newLearningRate: Bool, lengthOption: String) throws {
    do {
        try trainer.resume(from: file, path: url.path, keepingLearningRate: newLearningRate)
    } catch TrainingError.alreadyComplete(let path, let done) {
        throw CommandError("\(path) already trained for \(done); pass \(lengthOption) with a larger total to go on")
    }
    let progress = trainer.progress
    var place = "step \(progress.step)"
    if case .epochs = trainer.length {
        place = progress.stepInEpoch == 0 ? "epoch \(progress.epoch)" : "step \(progress.stepInEpoch) of epoch \(progress.epoch + 1)"
    }
    print("Resuming from \(url.path) after \(place).")
}

/// Prints the files a run wrote, one a line.
func printWritten(_ paths: [String]) {
    print("Wrote:\n" + paths.map { "  \($0)" }.joined(separator: "\n"))
}

/// Creates `path` (and its parents) if needed, with an error that says which folder failed.
func makeOutputDirectory(_ path: String) throws -> URL {
    let url = URL(fileURLWithPath: path, isDirectory: true)
    do {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
        throw CommandError("cannot create the output folder \(path): \(error.localizedDescription)")
    }
    return url
}

/// A failure to report to the user in one line.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
