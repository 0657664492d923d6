import MyelinTensor
import MyelinVision

/// How one episode went.
public struct EpisodeResult: Equatable, Sendable {
    /// The sum of its rewards (undiscounted).
    public var totalReward: Double
    /// The steps it lasted.
    public var length: Int
    /// The reward of its last step (Catch's +1 for a catch, −1 for a miss).
    public var finalReward: Double
    /// Whether it ended by a time limit rather than in the world itself.
    public var truncated: Bool

    /// An episode not yet begun.
    public init() {
        (totalReward, length, finalReward, truncated) = (0, 0, 0, false)
    }

    /// Counts one more step of the episode.
    public mutating func add(_ step: EnvironmentStep) {
        totalReward += step.reward
        length += 1
        finalReward = step.reward
        truncated = step.truncated && !step.terminated
    }
}

/// Plays one episode in each of `environments`, side by side, each reset with its seed: every step,
/// `policy` gets the observations [N] + observation shape of the episodes still under way (rows in
/// the environments' order) and returns their actions. One batched call a step instead of N
/// keeps a network's forward pass cheap. Returns the episodes' results, in order.
public func playEpisodes(_ environments: [Environment], seeds: [UInt64], policy: (Tensor) -> [Int]) -> [EpisodeResult] {
    precondition(
        environments.count == seeds.count && !environments.isEmpty,
        "playEpisodes: needs one seed per environment and at least one, got \(environments.count) and \(seeds.count)")
    let shape = environments[0].observationShape
    precondition(environments.allSatisfy { $0.observationShape == shape }, "playEpisodes: the environments' observations differ in shape")
    var observations = zip(environments, seeds).map { $0.reset(seed: $1) }
    var results = [EpisodeResult](repeating: EpisodeResult(), count: seeds.count)
    var running = Array(environments.indices)
    while !running.isEmpty {
        let actions = policy(Tensor(shape: [running.count] + shape, scalars: running.flatMap { observations[$0] }))
        precondition(
            actions.count == running.count, "playEpisodes: the policy gave \(actions.count) actions for \(running.count) observations")
        var still: [Int] = []
        for (i, action) in zip(running, actions) {
            let step = environments[i].step(action)
            results[i].add(step)
            observations[i] = step.observation
            if !step.isLast { still.append(i) }
        }
        running = still
    }
    return results
}

/// One episode of `environment` from `seed` under `policy`, drawn: the first frame, then one after
/// every `frameEvery`-th step and after the last. Returns the frames and how the episode went.
public func recordEpisode(
    _ environment: Environment, seed: UInt64, frameEvery: Int = 1, policy: (Tensor) -> [Int]
) -> (frames: [Image], result: EpisodeResult) {
    precondition(frameEvery >= 1, "recordEpisode: frameEvery must be at least 1, got \(frameEvery)")
    var observation = environment.reset(seed: seed)
    var frames = [environment.render()], result = EpisodeResult()
    while true {
        let step = environment.step(policy(Tensor(shape: [1] + environment.observationShape, scalars: observation))[0])
        result.add(step)
        if result.length % frameEvery == 0 || step.isLast { frames.append(environment.render()) }
        if step.isLast { return (frames, result) }
        observation = step.observation
    }
}
