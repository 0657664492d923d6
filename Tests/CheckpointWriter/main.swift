import Foundation
import Myelin

// The child process of the checkpoint kill test (Tests/MyelinOptimTests/CheckpointKillTests.swift).
//
//   checkpoint-writer FILE           trains a small network and checkpoints it after every step,
//                                    forever, printing "saved STEP" once each checkpoint is durable;
//   checkpoint-writer --verify FILE  loads FILE into the same run and prints "ok STEP", or the
//                                    error and exits 1.
//
// The test kills the writer at random moments and then verifies the file each time. The run is
// defined only here, so writer and verifier cannot disagree about its shape.

/// A 3 MB run (weights and Adam moments), so that a kill often lands in the middle of a write.
final class Run {
    let model = Sequential { Linear(256, 512); ReLU(); Linear(512, 256) }
    lazy var optimizer = Adam(model.parameters, learningRate: 1e-3)
    let data = RandomGenerator(seed: 1)

    var checkpoint: TrainingCheckpoint {
        TrainingCheckpoint(format: "myelin.kill-test", modules: [("model", model)],
                           optimizers: [("model", optimizer)], generators: [("data", data)])
    }

    func step() {
        let x = Tensor.randn([16, 256], generator: data)
        let loss = mseLoss(model(x), x)
        optimizer.zeroGrad()
        loss.backward()
        optimizer.step()
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("checkpoint-writer: \(message)\n".utf8))
    exit(1)
}

let arguments = Array(CommandLine.arguments.dropFirst())
let run = Run()
switch (arguments.first, arguments.count) {
case ("--verify", 2):
    do {
        let metadata = try run.checkpoint.restore(from: URL(fileURLWithPath: arguments[1]))
        guard let step = metadata["step"].flatMap(Int.init), step == run.optimizer.stepCount else {
            fail("the step in the metadata (\(metadata["step"] ?? "none")) is not the optimizer's \(run.optimizer.stepCount)")
        }
        print("ok \(step)")
    } catch {
        fail("\(error)")
    }
case (_, 1):
    let url = URL(fileURLWithPath: arguments[0])
    var step = 0
    while true {
        step += 1
        run.step()
        do {
            try run.checkpoint.save(to: url, metadata: ["step": String(step)])
        } catch {
            fail("\(error)")
        }
        print("saved \(step)")
        fflush(stdout)
    }
default:
    fail("usage: checkpoint-writer FILE | checkpoint-writer --verify FILE")
}
