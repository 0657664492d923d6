import Foundation
import MyelinNN
import MyelinOptim
import MyelinTensor

/// Everything a training run needs to go on exactly where it stopped — the models' weights and
/// buffers, the optimizers' moments and step counts, the random generators' states and the run's
/// own progress — in one safetensors file, written atomically.
///
/// The file keeps the models' tensors under their PyTorch names (`prefix.` + the state-dict name,
/// or the bare name for a prefix of ""), so PyTorch reads the weights directly. Optimizer tensors go
/// under `optimizer.NAME.`, other tensors of the run (a recurrent state carried between windows)
/// under `run.NAME`, and everything else into the header's metadata:
/// - `myelin.format`: what kind of run wrote it (a restore into another kind is refused);
/// - `myelin.optimizer.NAME`: the counters and the learning rate, as JSON;
/// - `myelin.generator.NAME`: the generator's state words, as hexadecimal;
/// - any keys of the caller (configuration, step, history).
public struct TrainingCheckpoint {
    public var format: String
    public var modules: [(prefix: String, module: Module)]
    public var optimizers: [(name: String, optimizer: Optimizer)]
    public var generators: [(name: String, generator: RandomGenerator)]
    /// Other tensors the run carries from step to step, restored in place (same shapes).
    public var tensors: [(name: String, tensor: Tensor)]

    public static let formatKey = "myelin.format"
    /// Optimizer tensors are stored as `optimizer.NAME.STATE`.
    public static let optimizerPrefix = "optimizer."
    /// Other tensors of the run are stored as `run.NAME`.
    public static let runTensorPrefix = "run."

    /// The file's tensors less the training state (optimizer and run tensors): what a model loads
    /// to be used rather than trained further. With a `prefix`, only the tensors of the module saved
    /// under it, named as in its state dict.
    public static func modelTensors(of file: SafeTensorsFile, prefix: String = "") -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        let lead = prefix.isEmpty ? "" : prefix + "."
        for (name, tensor) in file.tensors
        where name.hasPrefix(lead) && !name.hasPrefix(optimizerPrefix) && !name.hasPrefix(runTensorPrefix) {
            tensors[String(name.dropFirst(lead.count))] = tensor
        }
        return tensors
    }

    public init(
        format: String, modules: [(prefix: String, module: Module)],
        optimizers: [(name: String, optimizer: Optimizer)] = [],
        generators: [(name: String, generator: RandomGenerator)] = [],
        tensors: [(name: String, tensor: Tensor)] = []
    ) {
        self.format = format
        self.modules = modules
        self.optimizers = optimizers
        self.generators = generators
        self.tensors = tensors
    }

    /// Writes the whole training state and `metadata` to `url`; a crash while writing leaves the
    /// previous file whole.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        var tensors: [(String, Tensor)] = modules.flatMap { prefix, module in
            module.stateDict.map { (Self.join(prefix, $0.0), $0.1) }
        }
        tensors += self.tensors.map { ("\(Self.runTensorPrefix)\($0.name)", $0.tensor) }
        var header = metadata
        header[Self.formatKey] = format
        for (name, optimizer) in optimizers {
            tensors += optimizer.state.map { ("\(Self.optimizerPrefix)\(name).\($0.0)", $0.1) }
            let saved = SavedOptimizer(
                kind: String(describing: type(of: optimizer)), learningRate: optimizer.learningRate,
                counters: Dictionary(uniqueKeysWithValues: optimizer.counters),
                groups: optimizer.groups)
            header["myelin.optimizer.\(name)"] = try CheckpointMetadata.json(saved)
        }
        for (name, generator) in generators {
            header["myelin.generator.\(name)"] = generator.snapshot.map { String($0, radix: 16) }.joined(separator: " ")
        }
        try SafeTensors.write(tensors, metadata: header, to: url)
    }

    /// The metadata of the checkpoint at `url`, checked to be of this format — to read a run's
    /// configuration before building the models it describes.
    public static func metadata(of url: URL, format: String) throws -> [String: String] {
        try read(url, format: format).metadata
    }

    /// The checkpoint file at `url`, checked to be of `format`: read it once to take its
    /// configuration from the metadata and then `restore(from:path:)` from it.
    public static func read(_ url: URL, format: String) throws -> SafeTensorsFile {
        let file = try SafeTensors.read(contentsOf: url)
        try check(file, path: url.path, format: format)
        return file
    }

    /// Loads the file at `url` into the modules, optimizers and generators this checkpoint names and
    /// returns its metadata. Everything is checked before anything changes, so a file that does not
    /// fit leaves the run as it was; the error names the file and what did not fit.
    ///
    /// The optimizers take the learning rate they were saved with (a schedule may have changed it),
    /// unless `keepingLearningRate`: then each keeps the rate it has now, so a run resumed with a new
    /// learning rate uses it.
    @discardableResult
    public func restore(from url: URL, keepingLearningRate: Bool = false) throws -> [String: String] {
        try restore(from: SafeTensors.read(contentsOf: url), path: url.path, keepingLearningRate: keepingLearningRate)
    }

    /// `restore(from:keepingLearningRate:)` for a file already read from `path`.
    @discardableResult
    public func restore(from file: SafeTensorsFile, path: String, keepingLearningRate: Bool = false) throws -> [String: String] {
        try Self.check(file, path: path, format: format)
        func problem(_ message: String) -> CheckpointError { CheckpointError(path: path, message: message) }

        var moduleValues: [[String: Tensor]] = []
        var claimed = Set<String>()
        for (prefix, module) in modules {
            let names = module.stateDict.map(\.0)
            var values: [String: Tensor] = [:]
            for name in names {
                let stored = Self.join(prefix, name)
                if let tensor = file.tensors[stored] { values[name] = tensor; claimed.insert(stored) }
            }
            do {
                try module.checkStateDict(values)
            } catch {
                throw problem("\(prefix.isEmpty ? "the model" : prefix): \(error)")
            }
            moduleValues.append(values)
        }
        var optimizerValues: [(tensors: [String: Tensor], saved: SavedOptimizer)] = []
        for (name, optimizer) in optimizers {
            guard let json = file.metadata["myelin.optimizer.\(name)"],
                let saved = try? JSONDecoder().decode(SavedOptimizer.self, from: Data(json.utf8))
            else {
                throw problem("it has no readable state for optimizer \(name) (metadata myelin.optimizer.\(name))")
            }
            let kind = String(describing: type(of: optimizer))
            guard saved.kind == kind else { throw problem("optimizer \(name) was \(saved.kind), this run uses \(kind)") }
            guard saved.learningRate >= 0 && saved.learningRate.isFinite else {
                throw problem("optimizer \(name)'s learning rate is \(saved.learningRate); a learning rate is a number ≥ 0")
            }
            if let groups = saved.groups, groups.count != optimizer.groups.count {
                throw problem("optimizer \(name) had \(groups.count) parameter groups, this run's has \(optimizer.groups.count)")
            }
            if let groups = saved.groups,
                let bad = groups.first(where: { !(($0.learningRate ?? 0) >= 0 && $0.reference >= 0 && ($0.weightDecay ?? 0) >= 0) })
            {
                throw problem(
                    "optimizer \(name) has a parameter group with learning rate \(bad.learningRate ?? 0) and weight decay \(bad.weightDecay ?? 0); both are numbers ≥ 0"
                )
            }
            if let (counter, value) = saved.counters.first(where: { $0.value < 0 }) {
                throw problem("optimizer \(name)'s counter \(counter) is \(value); counters are never negative")
            }
            let prefix = "\(Self.optimizerPrefix)\(name)."
            var tensors: [String: Tensor] = [:]
            for (key, tensor) in file.tensors where key.hasPrefix(prefix) {
                tensors[String(key.dropFirst(prefix.count))] = tensor
                claimed.insert(key)
            }
            do {
                try optimizer.checkState(tensors: tensors, counters: saved.counters)
            } catch {
                throw problem("optimizer \(name): \(error)")
            }
            optimizerValues.append((tensors, saved))
        }
        var snapshots: [[UInt64]] = []
        for (name, _) in generators {
            let words = file.metadata["myelin.generator.\(name)"]?.split(separator: " ").map { UInt64($0, radix: 16) }
            guard let words, words.count == RandomGenerator.snapshotCount, words.allSatisfy({ $0 != nil }) else {
                throw problem("it has no readable state for random generator \(name) (metadata myelin.generator.\(name))")
            }
            snapshots.append(words.map { $0! })
        }
        var runValues: [Tensor] = []
        for (name, tensor) in tensors {
            let stored = "\(Self.runTensorPrefix)\(name)"
            guard let value = file.tensors[stored] else { throw problem("tensor \(stored) is missing") }
            guard value.shape == tensor.shape else {
                throw problem("tensor \(stored) has shape \(value.shape), the run needs \(tensor.shape)")
            }
            claimed.insert(stored)
            runValues.append(value)
        }
        if let extra = file.names.first(where: { !claimed.contains($0) }) {
            throw problem("tensor \(extra) belongs to nothing in this run")
        }

        // Everything fits: now change the run.
        for ((_, module), values) in zip(modules, moduleValues) { try module.loadStateDict(values) }
        for ((_, optimizer), values) in zip(optimizers, optimizerValues) {
            try optimizer.loadState(tensors: values.tensors, counters: values.saved.counters)
            if !keepingLearningRate { optimizer.learningRate = values.saved.learningRate }
            if let groups = values.saved.groups { optimizer.loadGroups(groups) }
        }
        for ((_, generator), words) in zip(generators, snapshots) { generator.snapshot = words }
        for ((_, tensor), value) in zip(tensors, runValues) { tensor.assign(value) }
        return file.metadata
    }

    private static func check(_ file: SafeTensorsFile, path: String, format: String) throws {
        guard let found = file.metadata[formatKey] else {
            throw CheckpointError(path: path, message: "not a Myelin training checkpoint (its metadata has no \(formatKey))")
        }
        guard found == format else {
            throw CheckpointError(path: path, message: "it is a \(found) checkpoint, not \(format)")
        }
    }

    private static func join(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }
}

/// What the header records of an optimizer besides its tensors.
private struct SavedOptimizer: Codable {
    var kind: String
    var learningRate: Float
    var counters: [String: Int]
    /// Each parameter group's settings (absent in checkpoints written before optimizers had
    /// groups: those keep the run's own).
    var groups: [Optimizer.GroupSettings]?
}
