import Foundation
import Myelin

// The child process of the checkpoint kill test (Tests/MyelinTrainingTests/CheckpointKillTests.swift).
//
//   checkpoint-writer FILE           trains a small network and checkpoints it after every step,
//                                    forever, printing "saved STEP" once each checkpoint is durable;
//   checkpoint-writer --verify FILE  loads FILE into the same run and prints "ok STEP", or the
//                                    error and exits 1.
//
// The test kills the writer at random moments and then verifies the file each time. The run is
// defined only here, so writer and verifier cannot disagree about its shape.

/// A 3 MB run (weights and Adam moments), so that a kill often lands in the middle of a write.
/// It trains through the Trainer, whose `ModelCheckpoint` saves after every step.
let model = Sequential {
    Linear(256, 512); ReLU(); Linear(512, 256)
}
let optimizer = Adam(model.parameters, learningRate: 1e-3)
let data = RandomGenerator(seed: 1)
let state = TrainingCheckpoint(
    format: "myelin.kill-test", modules: [("model", model)], optimizers: [("model", optimizer)],
    generators: [("data", data)])

func step(_ context: StepContext) throws -> StepOutput {
    let x = Tensor.randn([16, 256], generator: data)
    let loss = mseLoss(model(x), x)
    try context.beforeUpdate(["loss": loss.item])
    optimizer.zeroGrad()
    loss.backward()
    optimizer.step()
    return StepOutput(["loss": loss.item], samples: 16)
}

/// Announces each checkpoint once it is durable (it runs after `ModelCheckpoint`).
final class Announcer: TrainingCallback {
    func stateDidSettle(_ trainer: Trainer) throws {
        print("saved \(trainer.progress.step)")
        fflush(stdout)
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("checkpoint-writer: \(message)\n".utf8))
    exit(1)
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch (arguments.first, arguments.count) {
case ("--verify", 2):
    do {
        let trainer = Trainer(.steps(Int.max), state: state)
        try trainer.resume(from: URL(fileURLWithPath: arguments[1]))
        guard trainer.progress.step == optimizer.stepCount, trainer.history.values("loss").count == optimizer.stepCount else {
            fail("the progress record (step \(trainer.progress.step)) disagrees with the optimizer's \(optimizer.stepCount) steps")
        }
        print("ok \(trainer.progress.step)")
    } catch {
        fail("\(error)")
    }
case (_, 1):
    do {
        try Trainer(
            .steps(Int.max), state: state,
            callbacks: [ModelCheckpoint(URL(fileURLWithPath: arguments[0]), every: .steps(1)), Announcer()]
        ).run(step: step)
    } catch {
        fail("\(error)")
    }
default:
    fail("usage: checkpoint-writer FILE | checkpoint-writer --verify FILE")
}
