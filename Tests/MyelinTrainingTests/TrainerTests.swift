import Foundation
import MyelinTraining
import Testing

@Suite struct TrainerTests {
    @Test func aRunRecordsEveryStepEpochAndEvaluation() throws {
        let run = SmallRun()
        let history = try run.trainer(.epochs(3)).run(run.task)
        // 50 examples in batches of 8: 7 steps an epoch, the last of 2 examples.
        #expect(run.stepsTaken == 21)
        #expect(history.points("loss").map(\.step) == Array(1...21))
        #expect(history.epochEnds == [7, 14, 21])
        #expect(history.points("mean loss").map(\.step) == [7, 14, 21])
        #expect(history.points("validation loss").map(\.step) == [7, 14, 21])
        #expect(history.points("validation accuracy").map(\.step) == [7, 14, 21])
        // The epoch's mean is per example: the last batch of 2 counts a quarter of a full one.
        let first = history.values("loss").prefix(7)
        let expected = (first.prefix(6).reduce(0, +) * 8 + first.last! * 2) / 50
        #expect(abs(history.values("mean loss")[0] - expected) < 1e-12)
        #expect(history.last("validation accuracy").map { (0...1).contains($0) } == true)
    }

    @Test func evaluationsComeAtTheIntervalAndAtTheEnd() throws {
        let run = SmallRun()
        let history = try run.trainer(.steps(10), evaluateEvery: .steps(4)).run(run.task)
        #expect(history.points("validation loss").map(\.step) == [4, 8, 10])
        // Ten steps of 7-step epochs end one epoch.
        #expect(history.epochEnds == [7])
    }

    /// N steps straight against N/2, a checkpoint, a fresh process-like run resumed from it and the
    /// rest: the same bits everywhere, and the resumed run takes only the steps it had left.
    @Test(arguments: [7, 10])  // at an epoch's end, and in the middle of the second epoch
    func resumeIsBitIdentical(firstSteps: Int) throws {
        let url = temporaryURL()
        defer { cleanUp(url) }
        try makeFolder(for: url)
        let straight = SmallRun()
        try straight.trainer(.steps(18)).run(straight.task)

        let first = SmallRun()
        try first.trainer(.steps(firstSteps), callbacks: [ModelCheckpoint(url, every: .steps(1000))]).run(first.task)
        let resumed = SmallRun()
        let trainer = resumed.trainer(.steps(18))
        try trainer.resume(from: url)
        #expect(trainer.progress.step == firstSteps)
        let history = try trainer.run(resumed.task)
        #expect(resumed.stepsTaken == 18 - firstSteps)
        #expect(resumed.fingerprint == straight.fingerprint)
        #expect(history.values("loss").count == 18)

        // The control: the same remaining steps without the restore end elsewhere.
        let control = SmallRun()
        try control.trainer(.steps(18 - firstSteps)).run(control.task)
        #expect(control.fingerprint != straight.fingerprint)
    }

    @Test func aResumeMidEpochNeedsTheEpochsStartingGenerator() throws {
        // Without the order's generator restored to the epoch's start the batches differ: the
        // control for the mid-epoch case.
        let url = temporaryURL()
        defer { cleanUp(url) }
        try makeFolder(for: url)
        let straight = SmallRun()
        try straight.trainer(.steps(12)).run(straight.task)
        let first = SmallRun()
        try first.trainer(.steps(10), callbacks: [ModelCheckpoint(url, every: .steps(10))]).run(first.task)
        // Resume by hand, restoring only the TrainingCheckpoint: the epoch's order is drawn afresh.
        let resumed = SmallRun()
        try resumed.task.state.restore(from: url)
        try resumed.trainer(.steps(2)).run(resumed.task)
        #expect(resumed.fingerprint != straight.fingerprint)
    }

    @Test func aFinishedRunAsksForMoreAndAStoppedOneIsNotResumed() throws {
        let url = temporaryURL()
        defer { cleanUp(url) }
        try makeFolder(for: url)
        let run = SmallRun()
        try run.trainer(.epochs(1), callbacks: [ModelCheckpoint(url)]).run(run.task)
        let again = SmallRun()
        #expect(throws: TrainingError.alreadyComplete(path: url.path, done: .epochs(1))) {
            try again.trainer(.epochs(1)).resume(from: url)
        }
        try again.trainer(.epochs(2)).resume(from: url)

        let stopped = ScriptedTask(evaluations: [1, 2, 3])
        let trainer = Trainer(
            .steps(5), state: stopped.state, evaluateEvery: .steps(1),
            callbacks: [EarlyStopping(patience: 1), ModelCheckpoint(url, every: .steps(1))])
        try trainer.run(stopped)
        #expect(trainer.progress.step == 2)
        let other = ScriptedTask()
        #expect { try Trainer(.steps(5), state: other.state, callbacks: [EarlyStopping(patience: 1)]).resume(from: url) } throws: {
            "\($0)".contains("was stopped early at step 2 (EarlyStopping: validation loss has not improved for 1 evaluation")
        }
    }

    @Test func otherDataIsRefused() throws {
        let url = temporaryURL()
        defer { cleanUp(url) }
        try makeFolder(for: url)
        let run = SmallRun()
        try run.trainer(.steps(3), callbacks: [ModelCheckpoint(url)]).run(run.task)
        let wider = SmallRun(batchSize: 10)
        let trainer = wider.trainer(.steps(6))
        try trainer.resume(from: url)
        #expect(throws: TrainingError.dataChanged(savedBatches: 7, batches: 5)) { try trainer.run(wider.task) }
    }

    @Test func aDamagedProgressRecordChangesNothing() throws {
        let url = temporaryURL()
        defer { cleanUp(url) }
        try makeFolder(for: url)
        let run = SmallRun()
        try run.trainer(.steps(3), callbacks: [ModelCheckpoint(url)]).run(run.task)
        let file = try SafeTensors.read(contentsOf: url)
        let damaged = url.deletingLastPathComponent().appendingPathComponent("damaged.safetensors")
        for bad in [
            "{\"step\": -1}", "not json",
            "{\"epoch\":0,\"epochSums\":{\"names\":[],\"samples\":0,\"weightedSums\":[]},\"seconds\":0,\"step\":3,\"stepInEpoch\":9}",
        ] {
            var metadata = file.metadata
            metadata[Trainer.progressKey] = bad
            try SafeTensors.write(file.names.map { ($0, file.tensors[$0]!) }, metadata: metadata, to: damaged)
            let fresh = SmallRun()
            let before = fresh.fingerprint
            let trainer = fresh.trainer(.steps(6))
            #expect { try trainer.resume(from: damaged) } throws: { "\($0)".contains("\(damaged.path): its training progress") }
            #expect(fresh.fingerprint == before)
            #expect(trainer.progress.step == 0)
        }
    }

    @Test func aNewLearningRateIsKeptOnlyWhenAsked() throws {
        let url = temporaryURL()
        defer { cleanUp(url) }
        try makeFolder(for: url)
        let run = SmallRun()
        try run.trainer(.steps(2), callbacks: [ModelCheckpoint(url)]).run(run.task)
        let kept = SmallRun()
        kept.optimizer.learningRate = 0.5
        try kept.trainer(.steps(4)).resume(from: url, keepingLearningRate: true)
        #expect(kept.optimizer.learningRate == 0.5)
        let restored = SmallRun()
        restored.optimizer.learningRate = 0.5
        try restored.trainer(.steps(4)).resume(from: url)
        #expect(restored.optimizer.learningRate == 0.01)
    }

    @Test func historyRoundTripsAndRejectsWhatCannotBe() throws {
        let run = SmallRun()
        let history = try run.trainer(.epochs(2)).run(run.task)
        let json = try CheckpointMetadata.json(history)
        #expect(CheckpointMetadata.decode(TrainingHistory.self, from: json) == history)
        #expect(history.value("mean loss", atStep: 14) == history.values("mean loss")[1])
        #expect(history.value("mean loss", atStep: 13) == nil)
        let broken = json.replacingOccurrences(of: "\"epochEnds\":[7,14]", with: "\"epochEnds\":[14,7]")
        #expect(broken != json)
        #expect(CheckpointMetadata.decode(TrainingHistory.self, from: broken) == nil)
    }
}
