import Foundation
import MyelinNN
import MyelinTraining
import Testing

/// A checkpoint taken mid-run and restored into a fresh run must continue bit for bit: weights,
/// optimizer moments and step counts, and the random stream all come back.
@Suite struct TrainingCheckpointTests {
    /// A tiny regression run whose every step draws its batch from `data`, so the generator's
    /// state matters to the result.
    final class Run {
        let model: Sequential
        let optimizer: Optimizer
        let data: RandomGenerator

        init(optimizer make: ([Tensor]) -> Optimizer) {
            let weights = RandomGenerator(seed: 7)
            model = Sequential([Linear(3, 4, generator: weights), Tanh(), Linear(4, 1, generator: weights)])
            optimizer = make(model.parameters)
            data = RandomGenerator(seed: 11)
        }

        func train(steps: Int) {
            for _ in 0..<steps {
                let x = Tensor.randn([5, 3], generator: data)
                let loss = mseLoss(model(x), x.sum(axis: 1, keepingDimensions: true))
                optimizer.zeroGrad()
                loss.backward()
                optimizer.step()
            }
        }

        var checkpoint: TrainingCheckpoint {
            TrainingCheckpoint(
                format: "test.run", modules: [("model", model)], optimizers: [("model", optimizer)],
                generators: [("data", data)])
        }
    }

    static let optimizers: [(String, ([Tensor]) -> Optimizer)] = [
        ("SGD", { SGD($0, learningRate: 0.05, momentum: 0.9) }),
        ("Adam", { Adam($0, learningRate: 0.01) }),
        ("AdamW", { AdamW($0, learningRate: 0.01) }),
        ("RMSprop", { RMSprop($0, learningRate: 0.01, momentum: 0.5) }),
    ]

    @Test(arguments: optimizers.map(\.0))
    func resumeIsBitIdentical(optimizerName: String) throws {
        let make = Self.optimizers.first { $0.0 == optimizerName }!.1
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }

        let straight = Run(optimizer: make)
        straight.train(steps: 6)

        let first = Run(optimizer: make)
        first.train(steps: 3)
        try first.checkpoint.save(to: url, metadata: ["step": "3"])
        let resumed = Run(optimizer: make)
        let metadata = try resumed.checkpoint.restore(from: url)
        #expect(metadata["step"] == "3")
        #expect(resumed.optimizer.stepCount == 3)
        resumed.train(steps: 3)

        let same = zip(straight.model.parameters, resumed.model.parameters).allSatisfy { $0.scalars == $1.scalars }
        #expect(same, "parameters after 3 + resume + 3 steps differ from 6 straight steps")
        // Without the restore the run would differ: the test can fail.
        let fresh = Run(optimizer: make)
        fresh.train(steps: 3)
        #expect(zip(straight.model.parameters, fresh.model.parameters).contains { $0.scalars != $1.scalars })
    }

    @Test func parameterGroupsAreSavedAndRestored() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let grouped: ([Tensor]) -> Optimizer = { parameters in
            SGD(
                groups: [
                    ParameterGroup(Array(parameters.prefix(2)), learningRate: 0.01, weightDecay: 0.1),
                    ParameterGroup(Array(parameters.dropFirst(2))),
                ],
                learningRate: 0.05, momentum: 0.9)
        }
        let saved = Run(optimizer: grouped)
        saved.optimizer.setLearningRate(0.002, ofGroup: 0)
        try saved.checkpoint.save(to: url)
        let resumed = Run(optimizer: grouped)
        _ = try resumed.checkpoint.restore(from: url)
        #expect(resumed.optimizer.learningRate(forParameter: 0) == 0.002)
        #expect(resumed.optimizer.groups.map(\.weightDecay) == [0.1, nil])
        // A run whose optimizer has another number of groups is refused.
        let ungrouped = Run(optimizer: { SGD($0, learningRate: 0.05, momentum: 0.9) })
        #expect(throws: (any Error).self) { try ungrouped.checkpoint.restore(from: url) }
    }

    @Test func fileHoldsPyTorchNamesAndOptimizerState() throws {
        let run = Run(optimizer: { Adam($0) })
        run.train(steps: 2)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try run.checkpoint.save(to: url)
        let file = try SafeTensors.read(contentsOf: url)
        #expect(file.names.contains("model.0.weight") && file.names.contains("model.2.bias"))
        #expect(file.names.contains("optimizer.model.exp_avg.0") && file.names.contains("optimizer.model.exp_avg_sq.3"))
        #expect(file.metadata["myelin.format"] == "test.run")
        #expect(file.metadata["myelin.optimizer.model"]?.contains("\"step\":2") == true)
    }

    @Test func refusesAnotherFormatOrAMisfitAndChangesNothing() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let run = Run(optimizer: { Adam($0) })
        run.train(steps: 1)
        try run.checkpoint.save(to: url)

        var other = run.checkpoint
        other.format = "test.other"
        #expect(throws: CheckpointError.self) { try other.restore(from: url) }

        // A model of another width: the error names the file and the tensor, and the optimizer,
        // checked first or not, keeps its step count.
        let wide = Sequential([Linear(3, 5), Tanh(), Linear(5, 1)])
        let optimizer = Adam(wide.parameters)
        let misfit = TrainingCheckpoint(format: "test.run", modules: [("model", wide)], optimizers: [("model", optimizer)])
        let before = wide.parameters.map { $0.scalars }
        do {
            try misfit.restore(from: url)
            Issue.record("a checkpoint of another shape was loaded")
        } catch let error as CheckpointError {
            #expect(error.path == url.path)
            #expect(error.message.contains("0.weight"))
        }
        #expect(wide.parameters.map { $0.scalars } == before)
        #expect(optimizer.stepCount == 0)

        // An optimizer of another kind is refused by name.
        let sgdRun = TrainingCheckpoint(
            format: "test.run", modules: [("model", run.model)],
            optimizers: [("model", SGD(run.model.parameters, learningRate: 0.1))])
        #expect { try sgdRun.restore(from: url) } throws: { ($0 as? CheckpointError)?.message.contains("Adam") == true }
    }
}
