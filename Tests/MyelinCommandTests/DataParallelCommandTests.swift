import Foundation
import MyelinTestSupport
import Testing

/// `mpirun -np 2 myelin train …`: two processes, each with half of every batch, train the model
/// one process trains with the whole batch.
@Suite(.serialized, .enabled(if: MPIRun.isAvailable, MPIRun.missing))
struct DataParallelCommandTests {
    static func runner() throws -> CommandRunner {
        let runner = try CommandRunner()
        try TrainCommandTests.writeSmallMNIST(to: runner.url("mnist"), train: 256, test: 100)
        return runner
    }

    /// SGD (mlp), Adam (autoencoder, superres, pixelcnn), the GAN's two Adams and the two models of
    /// stn, each after an epoch of 2 to 8 steps; none of these models has dropout or batch norm.
    @Test(arguments: [
        ["mlp", "--batch-size", "64"], ["autoencoder", "--batch-size", "64"], ["gan", "--batch-size", "32"],
        ["superres", "--batch-size", "64"], ["stn", "--batch-size", "64"],
        ["pixelcnn", "--batch-size", "64", "--channels", "8", "--residual-blocks", "1", "--samples", "4"],
    ])
    func twoProcessesTrainWhatOneTrainsWithTheWholeBatch(_ command: [String]) throws {
        let runner = try Self.runner()
        defer { runner.removeFolder() }
        let name = command[0]
        let arguments = ["train"] + command + ["--data", runner.url("mnist").path, "--epochs", "1"]
        let one = try runner.run(arguments + ["--out", "one"])
        try #require(one.status == 0, "\(one.errors)")
        let two = try runner.runParallel(2, arguments + ["--out", "two"])
        try #require(two.status == 0, "\(two.errors)")
        // Rank 0 alone speaks: the line that says so, once.
        #expect(two.output.components(separatedBy: "Data-parallel training on 2 processes").count == 2, "\(two.output)")
        let difference = try CommandRunner.largestDifference(runner.url("one/\(name).safetensors"), runner.url("two/\(name).safetensors"))
        #expect(difference.value <= 1e-5, "\(name): \(difference.name) differs by \(difference.value)")
        // The evaluation, shared between the two, gives the whole test set's figures.
        if name == "mlp" {
            let alone = try AttackCommandTests.metrics(runner.url("one/results.json"))
            let shared = try AttackCommandTests.metrics(runner.url("two/results.json"))
            #expect(alone["test accuracy"] != nil && shared["test accuracy"] == alone["test accuracy"], "\(shared) against \(alone)")
        }
    }

    @Test func aResumedTwoProcessRunIsTheUnbrokenOneBitForBit() throws {
        let runner = try Self.runner()
        defer { runner.removeFolder() }
        let arguments = ["train", "mlp", "--data", runner.url("mnist").path, "--batch-size", "64"]
        let straight = try runner.runParallel(2, arguments + ["--epochs", "2", "--out", "straight"])
        try #require(straight.status == 0, "\(straight.errors)")
        let first = try runner.runParallel(2, arguments + ["--epochs", "1", "--out", "halves"])
        try #require(first.status == 0, "\(first.errors)")
        let second = try runner.runParallel(2, ["train", "mlp", "--data", runner.url("mnist").path, "--resume", "halves", "--epochs", "2"])
        try #require(second.status == 0, "\(second.errors)")
        #expect(second.output.contains("Resuming from") && second.output.contains("after epoch 1."))
        let differing = try CommandRunner.differingTensors(runner.url("straight/mlp.safetensors"), runner.url("halves/mlp.safetensors"))
        #expect(differing.isEmpty, "tensors that differ: \(differing)")
        // A run saved by one process goes on on two: the checkpoint does not depend on the count.
        let alone = try runner.run(arguments + ["--epochs", "1", "--out", "alone"])
        try #require(alone.status == 0, "\(alone.errors)")
        let joined = try runner.runParallel(2, ["train", "mlp", "--data", runner.url("mnist").path, "--resume", "alone", "--epochs", "2"])
        try #require(joined.status == 0, "\(joined.errors)")
        let difference = try CommandRunner.largestDifference(runner.url("straight/mlp.safetensors"), runner.url("alone/mlp.safetensors"))
        #expect(difference.value <= 1e-5, "\(difference.name) differs by \(difference.value)")
    }

    @Test func whatCannotBeSplitIsRefusedOnEveryRank() throws {
        let runner = try Self.runner()
        defer { runner.removeFolder() }
        let uneven = try runner.runParallel(3, ["train", "mlp", "--data", runner.url("mnist").path, "--batch-size", "64"])
        #expect(uneven.status != 0)
        #expect(uneven.errors.contains("a batch of 64 cannot be split evenly among 3 processes: give --batch-size a multiple of 3"))
        let carried = try runner.runParallel(2, ["train", "charrnn", "--steps", "1"])
        #expect(carried.status != 0)
        #expect(carried.errors.contains("carries its hidden state from one batch to the next, so it trains on one process only"))
    }
}
