import Foundation
import MyelinTraining
import Testing

/// Records the optimizer's learning rate at every step and after every evaluation.
final class RateRecorder: TrainingCallback {
    let optimizer: Optimizer
    var atSteps: [Float] = [], afterEvaluations: [Float] = []
    init(_ optimizer: Optimizer) { self.optimizer = optimizer }
    func stepDidEnd(_ output: StepOutput, trainer: Trainer) throws { atSteps.append(optimizer.learningRate) }
    func evaluationDidEnd(_ evaluation: Evaluation, trainer: Trainer) throws { afterEvaluations.append(optimizer.learningRate) }
}

@Suite struct EarlyStoppingTests {
    /// Runs the scripted evaluations one per step under `stopping`; returns the trainer.
    func run(_ evaluations: [Double], _ stopping: EarlyStopping) throws -> (Trainer, ScriptedTask) {
        let task = ScriptedTask(evaluations: evaluations)
        let trainer = Trainer(.steps(evaluations.count), state: task.state, evaluateEvery: .steps(1), callbacks: [stopping])
        try trainer.run(task)
        return (trainer, task)
    }

    @Test func stopsAfterPatienceEvaluationsWithoutImprovement() throws {
        // Improvement means below best − 0.01. Step 1: best 1.0; 2: 0.9 improves; 3: 0.895 does not
        // (wait 1); 4: 0.92 does not (wait 2 = patience): stop at step 4, the best 0.9 at step 2.
        let stopping = EarlyStopping(monitor: "validation loss", patience: 2, minDelta: 0.01)
        let (trainer, _) = try run([1.0, 0.9, 0.895, 0.92, 0.5, 0.4], stopping)
        #expect(trainer.progress.step == 4)
        #expect(stopping.best == 0.9 && stopping.bestStep == 2 && stopping.wait == 2)
        #expect(
            trainer.progress.stopReason == "EarlyStopping: validation loss has not improved for 2 evaluations; the best was 0.9 at step 2")
    }

    @Test func anImprovementResetsThePatience() throws {
        // 3: wait 1; 4: 0.85 < 0.89 improves; 5: wait 1; 6: 0.849 is not below 0.84: wait 2, stop.
        let stopping = EarlyStopping(patience: 2, minDelta: 0.01)
        let (trainer, _) = try run([1.0, 0.9, 0.895, 0.85, 0.86, 0.849, 0.9, 0.95], stopping)
        #expect(trainer.progress.step == 6)
        #expect(stopping.best == 0.85 && stopping.bestStep == 4)
    }

    @Test func maxModeAndPatienceZero() throws {
        let stopping = EarlyStopping(monitor: "validation loss", mode: .max, patience: 0)
        let (trainer, _) = try run([0.5, 0.6, 0.6, 0.9], stopping)
        #expect(trainer.progress.step == 3)
        #expect(stopping.best == 0.6 && stopping.bestStep == 2)
    }

    @Test func restoresTheBestWeights() throws {
        // The scripted parameter is the number of steps taken: the best evaluation is at step 2.
        let stopping = EarlyStopping(patience: 2, minDelta: 0.01, restoreBestWeights: true)
        let (trainer, task) = try run([1.0, 0.9, 0.895, 0.92], stopping)
        #expect(trainer.progress.step == 4)
        #expect(task.parameter.scalars == [2])
    }

    @Test func resumesWithItsState() throws {
        let url = temporaryURL()
        defer { cleanUp(url) }
        try makeFolder(for: url)
        let evaluations = [1.0, 0.9, 0.895, 0.92, 0.5, 0.4]
        let first = ScriptedTask(evaluations: evaluations)
        try Trainer(
            .steps(3), state: first.state, evaluateEvery: .steps(1),
            callbacks: [EarlyStopping(patience: 2, minDelta: 0.01, restoreBestWeights: true), ModelCheckpoint(url)]
        ).run(first)
        // The resumed run knows it waited once already: it stops after one more evaluation, at step 4,
        // and still has the weights of step 2 to give back.
        let task = ScriptedTask(evaluations: Array(evaluations.dropFirst(3)))
        let stopping = EarlyStopping(patience: 2, minDelta: 0.01, restoreBestWeights: true)
        let trainer = Trainer(.steps(6), state: task.state, evaluateEvery: .steps(1), callbacks: [stopping])
        try trainer.resume(from: url)
        #expect(stopping.wait == 1 && stopping.best == 0.9)
        try trainer.run(task)
        #expect(trainer.progress.step == 4)
        #expect(task.parameter.scalars == [2])
        // A checkpoint saved without the callback cannot resume a run that has it.
        let plain = temporaryURL()
        defer { cleanUp(plain) }
        try makeFolder(for: plain)
        let other = ScriptedTask(evaluations: evaluations)
        try Trainer(.steps(1), state: other.state, evaluateEvery: .steps(1), callbacks: [ModelCheckpoint(plain)]).run(other)
        #expect { try Trainer(.steps(6), state: ScriptedTask().state, callbacks: [EarlyStopping()]).resume(from: plain) } throws: {
            "\($0)".contains("no state for the callback early_stopping")
        }
    }
}

@Suite struct ReduceLROnPlateauTests {
    @Test func followsPyTorchsRule() throws {
        // factor 0.5, patience 1, relative threshold 0.1, cooldown 1, minimum 0.3, by hand:
        // e1 1.0 best; e2 0.95 (not below 0.9) bad 1; e3 bad 2 > 1: lr 0.5, cooldown; e4 bad 1 but
        // cooling: 0; e5 0.5 best; e6 bad 1; e7 bad 2: lr max(0.25, 0.3) = 0.3; e8 cooling; e9 bad 1;
        // e10 bad 2: 0.3 already the minimum, no change.
        let task = ScriptedTask(evaluations: [1.0, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
        let plateau = ReduceLROnPlateau(factor: 0.5, patience: 1, threshold: 0.1, cooldown: 1, minimumLearningRate: 0.3)
        let rates = RateRecorder(task.optimizer)
        try Trainer(.steps(10), state: task.state, evaluateEvery: .steps(1), callbacks: [plateau, rates]).run(task)
        #expect(rates.afterEvaluations == [1, 1, 0.5, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3, 0.3])
        #expect(plateau.best == 0.5)
    }

    @Test func absoluteThresholdAndMaxMode() throws {
        // Accuracy-like: improved means above best + 0.05. e1 0.5 best; e2 0.52 bad 1; e3 0.6 best;
        // e4 0.61 bad 1; e5 0.62 bad 2 > 1: lr 0.1.
        let task = ScriptedTask(evaluations: [0.5, 0.52, 0.6, 0.61, 0.62])
        let plateau = ReduceLROnPlateau(
            monitor: "validation loss", mode: .max, factor: 0.1, patience: 1, threshold: 0.05,
            thresholdMode: .absolute)
        let rates = RateRecorder(task.optimizer)
        try Trainer(.steps(5), state: task.state, evaluateEvery: .steps(1), callbacks: [plateau, rates]).run(task)
        #expect(rates.afterEvaluations.map { ($0 * 1e6).rounded() / 1e6 } == [1, 1, 1, 1, 0.1])
    }
}

@Suite struct LearningRateSchedulerTests {
    @Test func stepLRPerEpochAlsoAfterAResumeMidEpoch() throws {
        let url = temporaryURL()
        defer { cleanUp(url) }
        try makeFolder(for: url)
        // 7 steps an epoch; lr 0.01 halves every 2 epochs.
        let run = SmallRun()
        let rates = RateRecorder(run.optimizer)
        try run.trainer(.epochs(5), callbacks: [LearningRateScheduler(StepLR(run.optimizer, stepSize: 2, gamma: 0.5)), rates]).run(run.task)
        let expected: [Float] = [0.01, 0.01, 0.005, 0.005, 0.0025].flatMap { Array(repeating: $0, count: 7) }
        #expect(rates.atSteps == expected)

        let first = SmallRun()
        try first.trainer(
            .steps(17),
            callbacks: [
                LearningRateScheduler(StepLR(first.optimizer, stepSize: 2, gamma: 0.5)),
                ModelCheckpoint(url),
            ]
        ).run(first.task)
        let resumed = SmallRun()
        let resumedRates = RateRecorder(resumed.optimizer)
        let trainer = resumed.trainer(
            .epochs(5),
            callbacks: [
                LearningRateScheduler(StepLR(resumed.optimizer, stepSize: 2, gamma: 0.5)),
                resumedRates,
            ])
        try trainer.resume(from: url)
        try trainer.run(resumed.task)
        #expect(resumedRates.atSteps == Array(expected.dropFirst(17)))
        #expect(resumed.fingerprint == run.fingerprint)
    }

    @Test func warmUpThenCosinePerStep() throws {
        let task = ScriptedTask()
        let cosine = CosineAnnealingLR(task.optimizer, period: 4)
        let rates = RateRecorder(task.optimizer)
        let trainer = Trainer(
            .steps(8), state: task.state,
            callbacks: [LearningRateScheduler(LinearWarmup(task.optimizer, periods: 4, then: cosine), per: .step), rates])
        try trainer.run(task)
        // 0, ¼, ½, ¾ of the rate, then ½(1 + cos(πt/4)) for t = 0…3.
        let expected: [Double] = [0, 0.25, 0.5, 0.75, 1, 0.5 * (1 + cos(Double.pi / 4)), 0.5, 0.5 * (1 - cos(Double.pi / 4))]
        #expect(zip(rates.atSteps, expected).allSatisfy { abs(Double($0) - $1) < 1e-6 })
        // Each step moved the parameter by its rate.
        #expect(abs(Double(task.parameter.item) - expected.reduce(0, +)) < 1e-5)
    }
}

@Suite struct TerminateOnNaNTests {
    @Test func stopsBeforeTheWeightsChangeAndKeepsTheLastCheckpoint() throws {
        let url = temporaryURL()
        defer { cleanUp(url) }
        try makeFolder(for: url)
        let task = ScriptedTask(losses: [0.5, 0.4, .nan, 0.3])
        let trainer = Trainer(.steps(4), state: task.state, callbacks: [TerminateOnNaN(), ModelCheckpoint(url, every: .steps(1))])
        #expect(throws: DivergedError(step: 3, name: "loss", value: .nan, beforeUpdate: true, advice: "Try a smaller learning rate.")) {
            try trainer.run(task)
        }
        #expect(task.parameter.scalars == [2])
        let progress = CheckpointMetadata.decode(
            TrainingProgress.self, from: try SafeTensors.read(contentsOf: url).metadata[Trainer.progressKey]!)
        #expect(progress?.step == 2)
        #expect(
            "\(DivergedError(step: 3, name: "loss", value: .nan, beforeUpdate: true, advice: "Try less."))"
                == "the loss became nan at step 3, before the weights changed: training diverged. Try less.")
    }

    @Test func figuresReportedAtTheStepsEndAreCheckedToo() throws {
        let task = ScriptedTask()
        #expect(
            throws: DivergedError(step: 2, name: "score", value: .infinity, beforeUpdate: false, advice: "Try a smaller learning rate.")
        ) {
            try Trainer(.steps(3), state: task.state, callbacks: [TerminateOnNaN()]).run(step: { context in
                StepOutput(["score": context.step == 2 ? .infinity : 1], samples: 1)
            })
        }
    }
}

@Suite struct MetricsLoggerTests {
    @Test func writesARowPerEpochFromTheHistory() throws {
        let url = temporaryURL("metrics.csv")
        defer { cleanUp(url) }
        try makeFolder(for: url)
        let run = SmallRun()
        let history = try run.trainer(.epochs(2), callbacks: [MetricsLogger(url)]).run(run.task)
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == "step,epoch,loss,mean loss,validation loss,validation accuracy")
        #expect(lines.count == 3)
        let row = lines[2].split(separator: ",").map(String.init)
        #expect(row[0] == "14" && row[1] == "2")
        #expect(Double(row[3]) == history.values("mean loss")[1] && Double(row[5]) == history.last("validation accuracy"))
    }

    @Test func aResumedRunRewritesTheLogFromItsCheckpoint() throws {
        let folder = temporaryURL()
        defer { cleanUp(folder) }
        try makeFolder(for: folder)
        let log = folder.deletingLastPathComponent().appendingPathComponent("metrics.jsonl")
        let checkpoint = folder.deletingLastPathComponent().appendingPathComponent("run.safetensors")
        let early = folder.deletingLastPathComponent().appendingPathComponent("early.safetensors")
        let straight = SmallRun()
        try straight.trainer(.epochs(2), callbacks: [MetricsLogger(log), ModelCheckpoint(checkpoint)]).run(straight.task)
        let whole = try String(contentsOf: log, encoding: .utf8)
        #expect(whole.split(separator: "\n").count == 2 && whole.hasPrefix("{\"step\":7,\"epoch\":1,\"loss\":"))
        // A run that got to epoch 1, checkpointed, then went on (the log has epoch 2's row) and died.
        let first = SmallRun()
        try first.trainer(.epochs(1), callbacks: [MetricsLogger(log), ModelCheckpoint(early)]).run(first.task)
        try Data((try String(contentsOf: log, encoding: .utf8) + "{\"step\":14,\"epoch\":2}\n").utf8).write(to: log)
        let resumed = SmallRun()
        let trainer = resumed.trainer(.epochs(2), callbacks: [MetricsLogger(log)])
        try trainer.resume(from: early)
        try trainer.run(resumed.task)
        #expect(try String(contentsOf: log, encoding: .utf8) == whole)
    }
}

@Suite struct ReportWriterTests {
    @Test func writesTheStandardCurvesAndTheReport() throws {
        let folder = temporaryURL().deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = SmallRun()
        let report = ReportWriter(to: folder, title: "a small run")
        try run.trainer(.epochs(1), callbacks: [report]).run(run.task)
        for name in ["loss.svg", "loss.png", "accuracy.svg", "accuracy.png", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "\(name)")
        }
        let page = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(page.contains("a small run") && page.contains("validation accuracy"))
        #expect(report.written.count == 6)
    }

    @Test func writesTheFiguresToResultsJSON() throws {
        let folder = temporaryURL().deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = SmallRun()
        let report = ReportWriter(to: folder) { trainer in
            RunOutputs(
                title: "a small run", summary: "", settings: [("batch size", "8")],
                metrics: [("accuracy", String(format: "%.4f", trainer.history.last("validation accuracy")!)), ("note", "n/a")])
        }
        let trainer = run.trainer(.epochs(2), callbacks: [report])
        try trainer.run(run.task)
        // JSONDecoder reads numbers back exactly (Foundation's JSONSerialization on Linux does not).
        let results = try JSONDecoder().decode(Results.self, from: Data(contentsOf: folder.appendingPathComponent("results.json")))
        let accuracy = try #require(trainer.history.last("validation accuracy"))
        #expect(results.title == "a small run" && results.settings == ["batch size": "8"])
        #expect(results.metrics == ["accuracy": .number(Double(String(format: "%.4f", accuracy))!), "note": .text("n/a")])
        #expect(results.last["loss"] == trainer.history.last("loss") && results.last["validation accuracy"] == accuracy)
        #expect(results.epochs == 2 && results.steps == trainer.history.epochEnds.last)
    }
}

/// results.json as a script reads it.
private struct Results: Decodable {
    enum Figure: Decodable, Equatable {
        case number(Double), text(String)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else {
                self = .text(try container.decode(String.self))
            }
        }
    }

    var title: String
    var settings: [String: String]
    var metrics: [String: Figure]
    var last: [String: Double]
    var steps: Int
    var epochs: Int
}
