import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train reinforce`: a policy network learns CartPole by REINFORCE with a learned baseline,
/// through the Trainer, one episode a step.
struct TrainReinforce: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reinforce",
        abstract: "Train a policy on CartPole by REINFORCE with a baseline; plot its returns and show it playing.",
        discussion: """
            The policy network's softmax picks each action of an episode; after the episode every step's \
            discounted return is compared with a second network's estimate of it (the baseline), and the policy \
            makes the actions that did better than expected more likely, while the baseline learns the returns. \
            Every --evaluate-every episodes the policy plays --evaluation-episodes episodes with its most likely \
            actions, from fixed starts. OUT gets returns.png (the return of every episode and the evaluations), \
            agent.gif (the trained policy playing), the loss curves, report.html, results.json and \
            reinforce.safetensors — both networks, their Adams and the generators, saved at each evaluation \
            (continue with --resume OUT).
            """)

    @OptionGroup var episodeOptions: EpisodeOptions

    @Option(help: "Step size of the policy's Adam (default 0.001).")
    var learningRate: Float?

    @Option(help: "Step size of the baseline's Adam (default: the policy's).")
    var baselineLearningRate: Float?

    @Option(help: "Units in each hidden layer of both networks (default 128).")
    var hidden: Int?

    @Option(help: "Discount of later rewards in a step's return (default 0.99).")
    var discount: Float?

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        try requirePositive(("--hidden", hidden))
        try requirePositive(learningRate: learningRate)
        if let baselineLearningRate, !(baselineLearningRate > 0 && baselineLearningRate.isFinite) {
            throw ValidationError("--baseline-learning-rate must be a positive number")
        }
        if let discount, !(0...1).contains(discount) { throw ValidationError("--discount must be in 0...1") }
    }

    static let checkpointName = "reinforce.safetensors"

    func run() throws {
        let saved = try runOptions.savedRun(named: Self.checkpointName, format: ReinforceTask.checkpointFormat, command: "reinforce")
        let recipe = try settings(resuming: saved)
        let folder = try runOptions.folder(defaultName: "reinforce-\(recipe.environment.rawValue)")
        manualSeed(recipe.seed)
        let evaluation = PolicyEvaluation(kind: recipe.environment, episodes: recipe.evaluationEpisodes)
        let task = ReinforceTask(recipe.environment, configuration: recipe.configuration, seed: recipe.seed, evaluation: evaluation)
        let c = recipe.configuration, shape = task.environment.observationShape
        let summary =
            "policy \(agentSummary(task.policy, observationShape: shape, hidden: c.hidden, actions: task.environment.actionCount)); "
            + "baseline \(agentSummary(task.baseline, observationShape: shape, hidden: c.hidden, actions: 1))"
        let method =
            "REINFORCE with a learned baseline, γ \(c.discount), advantages \(c.normalizeAdvantages ? "scaled to unit deviation per episode" : "as they are"), "
            + "Adam lr \(c.learningRate) (baseline \(c.baselineLearningRate ?? c.learningRate)), one update per episode"
        print("Environment \(recipe.environment.title). Networks: \(summary).")
        print("\(method); at most \(recipe.episodes) episodes, \(describeGoal(recipe.goal)).")

        let outputs = ReinforcementOutputs(kind: recipe.environment, network: task.policy, evaluation: evaluation, folder: folder)
        let report = ReportWriter(to: folder) { trainer in
            try outputs.outputs(
                of: trainer, title: "myelin train reinforce --env \(recipe.environment.rawValue)",
                summary: "A policy network learns \(recipe.environment.title) by REINFORCE with a baseline.",
                settings: [
                    ("environment", recipe.environment.title), ("networks", summary), ("method", method),
                    ("episodes", "\(trainer.progress.step) of at most \(recipe.episodes)"), ("goal", describeGoal(recipe.goal)),
                    ("seed", String(recipe.seed)),
                ])
        }
        let (trainer, written) = try trainRun(
            task, length: .steps(recipe.episodes), every: .steps(recipe.evaluateEvery), recipe: recipe,
            checkpoint: folder.appendingPathComponent(Self.checkpointName),
            progress: ProgressLogger(label: "episodes", speed: .samples("env steps"), shown: ["return", "policy loss", "value loss"]),
            report: report, extra: goalCallbacks(recipe.goal), resuming: saved,
            newLearningRate: learningRate != nil || baselineLearningRate != nil)
        outputs.printSummary(trainer, environmentSteps: Int(trainer.history.values("length").reduce(0, +)))
        printWritten(written + [outputs.animation].compactMap { $0 })
    }

    /// The recipe: a fresh run's from the options, a resumed run's from its checkpoint, whose
    /// settings an option may not contradict; a new length, goal, learning rates and evaluation interval apply.
    private func settings(resuming saved: SavedRun?) throws -> ReinforceRecipe {
        var recipe: ReinforceRecipe
        if let saved {
            recipe = try runOptions.resumedRecipe(
                ReinforceRecipe.self, of: saved,
                settings: { [self] other in
                    episodeOptions.resumedSettings(other) + [
                        ResumedSetting("--hidden", given: hidden, saved: other.configuration.hidden),
                        ResumedSetting("--discount", given: discount, saved: other.configuration.discount),
                    ]
                }, learningRate: learningRate)
        } else {
            recipe = episodeOptions.freshRecipe(seed: runOptions.seed)
            recipe.configuration.hidden = hidden ?? recipe.configuration.hidden
            recipe.configuration.discount = discount ?? recipe.configuration.discount
            recipe.learningRate = learningRate ?? recipe.learningRate
        }
        recipe.configuration.baselineLearningRate = baselineLearningRate ?? recipe.configuration.baselineLearningRate
        episodeOptions.applyLength(to: &recipe)
        return recipe
    }
}

/// How `myelin train reinforce` trains. The checkpoint keeps it (metadata `myelin.recipe`), so a
/// resumed run goes on with the settings it started with.
struct ReinforceRecipe: EpisodeRecipe, Equatable {
    var environment: EnvironmentKind
    /// The episode to stop after (a resumed run may be given a later one).
    var episodes = 1000
    var seed: UInt64
    var configuration = ReinforceConfiguration()
    var evaluateEvery = 20
    var evaluationEpisodes = 100
    /// The mean evaluation return that ends the run; nil: every episode is trained.
    var goal: Double?

    var learningRate: Float {
        get { configuration.learningRate }
        set { configuration.learningRate = newValue }
    }

    init(environment: EnvironmentKind, seed: UInt64) {
        self.environment = environment
        self.seed = seed
        goal = environment.defaultGoal
    }
}
