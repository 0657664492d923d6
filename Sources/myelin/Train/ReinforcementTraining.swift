import ArgumentParser
import Foundation
import Myelin
import MyelinModels

// What `myelin train dqn` and `myelin train reinforce` share: the environment option, the goal that
// ends a run, how the network is described, and what the end of a run measures, draws and prints.

extension EnvironmentKind: ExpressibleByArgument {
    /// The environment in words.
    var title: String {
        switch self {
        case .cartpole: return "CartPole-v1 (balance a pole on a cart; 1 point a step, 500 at most)"
        case .catch: return "Catch (catch a ball falling down a 10×5 grid, seen as pixels; +1 a catch, −1 a miss)"
        }
    }

    /// The mean evaluation return at which a run stops unless told otherwise: gymnasium's reward
    /// threshold for CartPole-v1 (475), and 95 % catches for Catch (mean return 0.95 − 0.05).
    var defaultGoal: Double { self == .cartpole ? 475 : 0.9 }
}

/// The options of a run measured in episodes that `train dqn` and `train reinforce` share: the
/// environment, the length, the goal that ends it, and how often and how long it is evaluated.
struct EpisodeOptions: ParsableArguments {
    @Option(help: "The environment: cartpole (default) or catch.")
    var env: EnvironmentKind?

    @Option(help: "Episodes to train for at most (default 1000; 500 for dqn on catch; with --resume, the episode to stop after).")
    var episodes: Int?

    @Option(help: "Stop at the first evaluation whose mean return reaches this (default: 475 for cartpole, 0.9 — 95% catches — for catch).")
    var goal: Double?

    @Flag(help: "Train every episode, whatever the evaluations reach.")
    var noGoal = false

    @Option(help: "Episodes between evaluations and checkpoints (default 20).")
    var evaluateEvery: Int?

    @Option(help: "Episodes each evaluation plays with the agent's best actions, from fixed starts (default 100).")
    var evaluationEpisodes: Int?

    func validate() throws {
        try requirePositive(
            ("--episodes", episodes), ("--evaluate-every", evaluateEvery), ("--evaluation-episodes", evaluationEpisodes))
    }

    /// What a resumed run may not change: the environment and the evaluation's episodes.
    func resumedSettings<Recipe: EpisodeRecipe>(_ saved: Recipe) -> [ResumedSetting] {
        [
            ResumedSetting("--env", given: env?.rawValue, saved: saved.environment.rawValue),
            ResumedSetting("--evaluation-episodes", given: evaluationEpisodes, saved: saved.evaluationEpisodes),
        ]
    }

    /// A fresh run's recipe for the environment chosen, its evaluation's episodes from the options.
    func freshRecipe<Recipe: EpisodeRecipe>(seed: UInt64) -> Recipe {
        var recipe = Recipe(environment: env ?? .cartpole, seed: seed)
        recipe.evaluationEpisodes = evaluationEpisodes ?? recipe.evaluationEpisodes
        return recipe
    }

    /// What any run, fresh or resumed, takes from the options: its length, goal and evaluation interval.
    func applyLength<Recipe: EpisodeRecipe>(to recipe: inout Recipe) {
        recipe.episodes = episodes ?? recipe.episodes
        recipe.goal = noGoal ? nil : goal ?? recipe.goal
        recipe.evaluateEvery = evaluateEvery ?? recipe.evaluateEvery
    }
}

/// The part of a reinforcement-learning recipe that `EpisodeOptions` sets.
protocol EpisodeRecipe: RunRecipe {
    init(environment: EnvironmentKind, seed: UInt64)
    var environment: EnvironmentKind { get }
    /// The episode to stop after (a resumed run may be given a later one).
    var episodes: Int { get set }
    /// The mean evaluation return that ends the run; nil: every episode is trained.
    var goal: Double? { get set }
    var evaluateEvery: Int { get set }
    var evaluationEpisodes: Int { get set }
}

/// The agent's network in words: its layers and parameter count (see `agentNetwork`).
func agentSummary(_ network: Module, observationShape: [Int], hidden: Int, actions: Int) -> String {
    let layers =
        observationShape.count == 1
        ? "MLP \(observationShape[0]) → \(hidden) → \(hidden) → \(actions)"
        : "ConvNet \(observationShape.map(String.init).joined(separator: "×")) → conv 3×3 → 16 → conv 3×3 → 32 → \(hidden) → \(actions)"
    return "\(layers), \(network.parameterCount) parameters"
}

/// Stops the run at the first evaluation whose mean return reaches `goal` (none without a goal).
func goalCallbacks(_ goal: Double?) -> [TrainingCallback] {
    guard let goal else { return [] }
    return [
        LambdaCallback(evaluationDidEnd: { evaluation, trainer in
            if let mean = evaluation["evaluation mean return"], mean >= goal {
                trainer.stop(String(format: "the evaluation's mean return %.4g reached the goal %g", mean, goal))
            }
        })
    ]
}

/// The goal in words, for the opening lines and the report's settings.
func describeGoal(_ goal: Double?) -> String {
    goal.map { "stopping when an evaluation's mean return reaches \(String(format: "%g", $0))" } ?? "every episode trained"
}

/// What the end of a reinforcement-learning run measures and draws, for its report: the greedy
/// play of `evaluation`'s number of episodes from starts no evaluation used (held out, so that a
/// run stopped at its goal is not judged on the starts that stopped it), the trained agent playing
/// (agent.gif and a strip), the return and loss curves, and the figures.
final class ReinforcementOutputs {
    let kind: EnvironmentKind
    let network: Module
    let evaluation: PolicyEvaluation
    let folder: URL
    /// Set when the run ends.
    private(set) var heldOut: Evaluation?
    private(set) var animation: String?

    /// The first seed of the held-out episodes: far from the evaluations' (`PolicyEvaluation.defaultFirstSeed`).
    static let heldOutFirstSeed: UInt64 = 2_000_000

    init(kind: EnvironmentKind, network: Module, evaluation: PolicyEvaluation, folder: URL) {
        self.kind = kind
        self.network = network
        self.evaluation = evaluation
        self.folder = folder
    }

    /// The report of `trainer`'s run, after measuring the held-out episodes and writing agent.gif.
    func outputs(
        of trainer: Trainer, title: String, summary: String, settings: [(String, String)]
    ) throws -> RunOutputs {
        var heldOutEvaluation = evaluation
        heldOutEvaluation.firstSeed = Self.heldOutFirstSeed
        let heldOut = heldOutEvaluation.measure(network)
        self.heldOut = heldOut
        let (written, strip) = try writeAgentAnimation(of: network, on: kind, evaluation: evaluation, to: folder)
        animation = written
        var metrics = (trainer.lastEvaluation?.values ?? []).map { ($0.name, String(format: "%.4g", $0.value)) }
        metrics += heldOut.values.map {
            ($0.name.replacingOccurrences(of: "evaluation", with: "held-out"), String(format: "%.4g", $0.value))
        }
        if let best = trainer.history.values("evaluation mean return").max() {
            metrics.append(("best evaluation mean return", String(format: "%.4g", best)))
        }
        metrics.append(("training seconds", String(format: "%.1f", trainer.progress.seconds)))
        return RunOutputs(
            title: title, summary: summary, settings: settings, metrics: metrics,
            plots: [
                RunPlot(
                    name: "returns", plot: returnsPlot(trainer.history, evaluationEpisodes: evaluation.episodes, episodes: kind != .catch))
            ]
                + trainer.history.standardPlots(),
            pictures: [strip])
    }

    /// The closing lines: episodes, steps and time, why the run stopped, the last evaluation and the held-out one.
    func printSummary(_ trainer: Trainer, environmentSteps: Int) {
        let episodes = trainer.progress.step
        print(
            "Trained \(episodes) episode\(episodes == 1 ? "" : "s") (\(environmentSteps) environment steps)"
                + String(format: " in %.1f s", trainer.progress.seconds)
                + (trainer.progress.stopReason.map { ": stopped because \($0)." } ?? "."))
        func line(_ figures: Evaluation?, _ prefix: String, _ what: String) {
            guard let figures, let mean = figures["\(prefix) mean return"] else { return }
            var text = "Greedy play, \(evaluation.episodes) \(what): mean return " + String(format: "%.2f", mean)
            text += String(format: " (lowest %g)", figures["\(prefix) min return"] ?? .nan)
            if let rate = figures["\(prefix) catch rate"] { text += String(format: ", %.1f%% caught", 100 * rate) }
            print(text + ".")
        }
        line(trainer.lastEvaluation, "evaluation", "evaluation episodes")
        line(heldOut, "evaluation", "held-out episodes (starts no evaluation used)")
    }
}
