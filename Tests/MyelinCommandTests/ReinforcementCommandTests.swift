import Foundation
import MyelinTensor
import Testing

/// `myelin train dqn` and `myelin train reinforce` as a user runs them: what they write, exact
/// resume through the executable (replay buffer included), the goal that ends a run.
@Suite(.serialized) struct ReinforcementCommandTests {
    /// A DQN small enough to learn within a few episodes of Catch: from the 20th step, batches of 8
    /// from a buffer of 40 (it wraps), the target copied every 5 updates.
    static let smallDQN = [
        "--hidden", "16", "--batch-size", "8", "--replay-capacity", "40", "--learning-starts", "20", "--target-update", "5",
        "--evaluation-episodes", "5", "--evaluate-every", "3", "--no-goal",
    ]

    @Test(arguments: [
        ["dqn", "--env", "catch"] + smallDQN, ["dqn", "--env", "cartpole"] + smallDQN,
        ["reinforce", "--hidden", "16", "--evaluation-episodes", "5", "--evaluate-every", "3", "--no-goal"],
    ])
    func resumesBitIdenticallyAndWritesItsPictures(_ command: [String]) throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let name = command[0]
        let straight = try runner.run(["train"] + command + ["--episodes", "6", "--out", "straight"])
        try #require(straight.status == 0, "\(straight.errors)")
        #expect(straight.output.contains("Trained 6 episodes") && straight.output.contains("held-out episodes"), "\(straight.output)")
        let first = try runner.run(["train"] + command + ["--episodes", "3", "--out", "halves"])
        try #require(first.status == 0, "\(first.errors)")
        let second = try runner.run(["train", name, "--resume", "halves", "--episodes", "6"])
        try #require(second.status == 0, "\(second.errors)")
        #expect(second.output.contains("Resuming from") && second.output.contains("after step 3."), "\(second.output)")
        let differing = try CommandRunner.differingTensors(
            runner.url("straight/\(name).safetensors"), runner.url("halves/\(name).safetensors"))
        #expect(differing.isEmpty, "\(command): tensors that differ: \(differing)")
        if name == "dqn" {
            let saved = try SafeTensors.read(contentsOf: runner.url("halves/dqn.safetensors"))
            #expect(saved.tensors["run.replay.observations"]?.shape.first == 40, "the replay buffer is in the checkpoint")
        }

        for file in ["returns.png", "returns.svg", "loss.png", "agent.png", "report.html", "metrics.csv"] {
            #expect(FileManager.default.fileExists(atPath: runner.url("straight/\(file)").path), "\(file) is missing")
        }
        let gif = try Data(contentsOf: runner.url("straight/agent.gif"))
        #expect(gif.starts(with: Array("GIF89a".utf8)) && gif.count < 1_000_000)
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: runner.url("straight/results.json"))) as? [String: Any]
        let metrics = results?["metrics"] as? [String: Any]
        #expect(metrics?["held-out mean return"] is Double && metrics?["evaluation mean return"] is Double, "\(metrics ?? [:])")
        #expect((metrics?["evaluation catch rate"] != nil) == command.contains("catch"))
    }

    @Test func aRunStopsAtItsGoalAndCannotBeResumed() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        // Every Catch episode returns at least −1: the first evaluation reaches the goal.
        let run = try runner.run(
            [
                "train", "dqn", "--env", "catch", "--hidden", "8", "--evaluation-episodes", "4", "--evaluate-every", "2", "--goal=-1",
                "--out", "run",
            ])
        try #require(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("Trained 2 episodes") && run.output.contains("reached the goal -1"), "\(run.output)")
        let again = try runner.run(["train", "dqn", "--resume", "run", "--episodes", "10"])
        #expect(again.status != 0 && again.errors.contains("stopped early at step 2"), "\(again.errors)")
    }

    @Test func aResumedRunKeepsItsEnvironmentAndNetwork() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let first = try runner.run([
            "train", "dqn", "--env", "catch", "--episodes", "2", "--hidden", "8", "--evaluation-episodes", "2", "--out", "run",
        ])
        try #require(first.status == 0, "\(first.errors)")
        let changed = try runner.run(["train", "dqn", "--resume", "run", "--episodes", "4", "--env", "cartpole", "--hidden", "16"])
        #expect(changed.status != 0)
        #expect(changed.errors.contains("--env cartpole (the run's is catch), --hidden 16 (the run's is 8) differ"), "\(changed.errors)")
        #expect(changed.errors.split(separator: "\n").count == 1)
    }

    @Test func argumentErrorsNameTheOption() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let cases: [([String], String)] = [
            (["train", "dqn", "--env", "pong"], "The value 'pong' is invalid for '--env <env>'"),
            (["train", "dqn", "--episodes", "0"], "--episodes must be at least 1"),
            (["train", "dqn", "--learning-rate", "0"], "--learning-rate must be a positive number"),
            (["train", "dqn", "--replay-capacity", "20000000"], "--replay-capacity must be at most 16777216"),
            (["train", "dqn", "--learning-starts=-1"], "--learning-starts must not be negative"),
            (["train", "reinforce", "--discount", "1.5"], "--discount must be in 0...1"),
            (["train", "reinforce", "--baseline-learning-rate", "0"], "--baseline-learning-rate must be a positive number"),
            (["train", "dqn", "--resume", "nowhere"], "does not exist: --resume needs the folder of an earlier `myelin train dqn` run"),
        ]
        for (arguments, message) in cases {
            let result = try runner.run(arguments)
            #expect(result.status != 0 && result.errors.contains(message), "\(arguments): \(result.errors)")
        }
    }
}
