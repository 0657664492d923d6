import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train dqn`: a deep Q-network learns CartPole or Catch by trial and error, through the
/// Trainer, one episode a step.
struct TrainDQN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dqn",
        abstract: "Train a deep Q-network to balance CartPole or to play Catch from its pixels; plot its returns and show it playing.",
        discussion: """
            CartPole is gymnasium's CartPole-v1: push a cart left or right to keep its pole up, 1 point a step, \
            500 steps at most. Catch is bsuite's: move a paddle under a ball falling down a 10×5 grid, +1 for a \
            catch and −1 for a miss; the network sees the grid as a picture, through a small ConvNet. \
            The agent acts ε-greedily (ε falls linearly from 1 to 0.05), keeps every step in a replay buffer \
            and learns from replayed batches with the Huber loss, its targets read from a target network copied \
            every so often (Double DQN unless --no-double). Every --evaluate-every episodes it plays \
            --evaluation-episodes episodes greedily from fixed starts. OUT gets returns.png (the return of \
            every episode and the evaluations), agent.gif (the trained agent playing), the loss curve, \
            report.html, results.json and dqn.safetensors — the networks, Adam, the replay buffer and every \
            generator, saved at each evaluation (continue with --resume OUT).
            """)

    @OptionGroup var episodeOptions: EpisodeOptions

    @Option(help: "Step size of Adam (default 0.001).")
    var learningRate: Float?

    @Option(help: "Transitions per update (default 64).")
    var batchSize: Int?

    @Option(help: "Units in each hidden layer (default 128).")
    var hidden: Int?

    @Option(help: "Transitions the replay buffer keeps (default 50000).")
    var replayCapacity: Int?

    @Option(help: "Environment steps before the first update (default 1000).")
    var learningStarts: Int?

    @Option(help: "Updates between copies of the online network into the target network (default 250).")
    var targetUpdate: Int?

    @Option(help: "Environment steps over which ε falls from 1 to 0.05 (default 5000).")
    var epsilonDecaySteps: Int?

    @Flag(
        inversion: .prefixedNo,
        help: "Double DQN's targets: the online network picks the next action, the target network values it (default on).")
    var double: Bool?

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        try requirePositive(
            ("--batch-size", batchSize), ("--hidden", hidden), ("--replay-capacity", replayCapacity), ("--target-update", targetUpdate))
        try requirePositive(learningRate: learningRate)
        if let learningStarts, learningStarts < 0 { throw ValidationError("--learning-starts must not be negative") }
        if let epsilonDecaySteps, epsilonDecaySteps < 0 { throw ValidationError("--epsilon-decay-steps must not be negative") }
        if let replayCapacity, replayCapacity > 1 << 24 { throw ValidationError("--replay-capacity must be at most 16777216") }
    }

    static let checkpointName = "dqn.safetensors"

    func run() throws {
        let saved = try runOptions.savedRun(named: Self.checkpointName, format: DQNTask.checkpointFormat, command: "dqn")
        let recipe = try settings(resuming: saved)
        let folder = try runOptions.folder(defaultName: "dqn-\(recipe.environment.rawValue)")
        manualSeed(recipe.seed)
        let evaluation = PolicyEvaluation(kind: recipe.environment, episodes: recipe.evaluationEpisodes)
        let task = DQNTask(
            recipe.environment, configuration: recipe.configuration, seed: recipe.seed, evaluation: evaluation)
        let c = recipe.configuration
        let summary = agentSummary(
            task.agent.online, observationShape: task.environment.observationShape, hidden: c.hidden, actions: task.environment.actionCount)
        let method =
            "\(c.double ? "Double DQN" : "DQN"), Huber loss, Adam lr \(recipe.learningRate), batch \(c.batchSize), replay \(c.replayCapacity), "
            + "γ \(c.discount), target copied every \(c.targetUpdateInterval) updates, ε 1 → \(c.epsilonEnd) over \(c.epsilonDecaySteps) steps, "
            + "learning from step \(c.learningStarts)"
        print("Environment \(recipe.environment.title). Network: \(summary).")
        print("\(method); at most \(recipe.episodes) episodes, \(describeGoal(recipe.goal)).")

        let outputs = ReinforcementOutputs(kind: recipe.environment, network: task.agent.online, evaluation: evaluation, folder: folder)
        let report = ReportWriter(to: folder) { trainer in
            try outputs.outputs(
                of: trainer, title: "myelin train dqn --env \(recipe.environment.rawValue)",
                summary: "A deep Q-network learns \(recipe.environment.title) by trial and error.",
                settings: [
                    ("environment", recipe.environment.title), ("network", summary), ("method", method),
                    ("episodes", "\(trainer.progress.step) of at most \(recipe.episodes)"), ("goal", describeGoal(recipe.goal)),
                    ("environment steps", String(task.environmentSteps)), ("updates", String(task.updates)), ("seed", String(recipe.seed)),
                ])
        }
        let (trainer, written) = try trainRun(
            task, length: .steps(recipe.episodes), every: .steps(recipe.evaluateEvery), recipe: recipe,
            checkpoint: folder.appendingPathComponent(Self.checkpointName),
            progress: ProgressLogger(label: "episodes", speed: .samples("env steps"), shown: ["return", "epsilon", "loss"]),
            report: report, extra: goalCallbacks(recipe.goal), resuming: saved, newLearningRate: learningRate != nil)
        outputs.printSummary(trainer, environmentSteps: task.environmentSteps)
        printWritten(written + [outputs.animation].compactMap { $0 })
    }

    /// The recipe: a fresh run's from the options (and the environment's defaults), a resumed run's
    /// from its checkpoint, whose settings an option may not contradict; a new length, goal, learning
    /// rate and evaluation interval apply.
    private func settings(resuming saved: SavedRun?) throws -> DQNRecipe {
        var recipe: DQNRecipe
        if let saved {
            recipe = try runOptions.resumedRecipe(
                DQNRecipe.self, of: saved,
                settings: { [self] other in
                    let c = other.configuration
                    return episodeOptions.resumedSettings(other) + [
                        ResumedSetting("--batch-size", given: batchSize, saved: c.batchSize),
                        ResumedSetting("--hidden", given: hidden, saved: c.hidden),
                        ResumedSetting("--replay-capacity", given: replayCapacity, saved: c.replayCapacity),
                        ResumedSetting("--learning-starts", given: learningStarts, saved: c.learningStarts),
                        ResumedSetting("--target-update", given: targetUpdate, saved: c.targetUpdateInterval),
                        ResumedSetting("--epsilon-decay-steps", given: epsilonDecaySteps, saved: c.epsilonDecaySteps),
                        ResumedSetting("--double", given: double, saved: c.double),
                    ]
                }, learningRate: learningRate)
        } else {
            recipe = episodeOptions.freshRecipe(seed: runOptions.seed)
            var c = recipe.configuration
            c.batchSize = batchSize ?? c.batchSize
            c.hidden = hidden ?? c.hidden
            c.replayCapacity = replayCapacity ?? c.replayCapacity
            c.learningStarts = learningStarts ?? c.learningStarts
            c.targetUpdateInterval = targetUpdate ?? c.targetUpdateInterval
            c.epsilonDecaySteps = epsilonDecaySteps ?? c.epsilonDecaySteps
            c.double = double ?? c.double
            recipe.configuration = c
            recipe.learningRate = learningRate ?? recipe.learningRate
        }
        episodeOptions.applyLength(to: &recipe)
        return recipe
    }
}

/// How `myelin train dqn` trains. The checkpoint keeps it (metadata `myelin.recipe`), so a resumed
/// run goes on with the settings it started with.
struct DQNRecipe: EpisodeRecipe, Equatable {
    var environment: EnvironmentKind
    /// The episode to stop after (a resumed run may be given a later one).
    var episodes: Int
    var seed: UInt64
    var configuration = DQNConfiguration()
    var evaluateEvery = 20
    var evaluationEpisodes = 100
    /// The mean evaluation return that ends the run; nil: every episode is trained.
    var goal: Double?

    var learningRate: Float {
        get { configuration.learningRate }
        set { configuration.learningRate = newValue }
    }

    /// The defaults for `environment`.
    init(environment: EnvironmentKind, seed: UInt64) {
        self.environment = environment
        self.seed = seed
        episodes = environment == .cartpole ? 1000 : 500
        goal = environment.defaultGoal
    }
}
