import MyelinTensor
import MyelinTraining

/// How an agent is measured: `episodes` episodes of its environment, each from its own fixed seed
/// (`firstSeed`, `firstSeed + 1`, …), all played side by side with the greedy actions of the
/// agent's network. The same seeds every time, so evaluations over a run compare like with like,
/// and none of the training's generators are touched, so an evaluation changes nothing of the run.
///
/// It reports "evaluation mean return" and "evaluation min return"; for Catch also "evaluation
/// catch rate", the share of episodes whose last reward is a catch's +1.
public struct PolicyEvaluation: Sendable {
    public var kind: EnvironmentKind
    public var episodes: Int
    public var firstSeed: UInt64

    /// Seeds far from 0, so that the evaluation's starts are not a run's own (its generators are
    /// seeded with small numbers).
    public static let defaultFirstSeed: UInt64 = 1_000_000

    public init(kind: EnvironmentKind, episodes: Int = 100, firstSeed: UInt64 = Self.defaultFirstSeed) {
        precondition(episodes > 0, "PolicyEvaluation: needs at least one episode, got \(episodes)")
        self.kind = kind
        self.episodes = episodes
        self.firstSeed = firstSeed
    }

    /// The episodes' results under the greedy actions of `network` (scores [N, actions]).
    public func results(of network: Module) -> [EpisodeResult] {
        let environments = (0..<episodes).map { _ in kind.make(generator: RandomGenerator(seed: 0)) }
        // One switch to evaluation mode for the whole play: a switch walks the module tree.
        return network.evaluating {
            playEpisodes(environments, seeds: (0..<episodes).map { firstSeed &+ UInt64($0) }) { greedyActions(network($0)) }
        }
    }

    /// The figures of `results`, named as the Trainer's history keeps them.
    public func figures(of results: [EpisodeResult]) -> Evaluation {
        let returns = results.map(\.totalReward)
        var evaluation: Evaluation = [
            "evaluation mean return": returns.reduce(0, +) / Double(returns.count), "evaluation min return": returns.min() ?? .nan,
        ]
        if kind == .catch {
            evaluation.append("evaluation catch rate", Double(results.filter { $0.finalReward > 0 }.count) / Double(results.count))
        }
        return evaluation
    }

    /// Plays the episodes with `network` and returns their figures.
    public func measure(_ network: Module) -> Evaluation { figures(of: results(of: network)) }
}
