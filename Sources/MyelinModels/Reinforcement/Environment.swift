import MyelinTensor
import MyelinVision

/// A world an agent acts in, episode by episode, as gymnasium's `Env` is: `reset` starts an episode
/// and gives its first observation; `step` takes an action and gives the next observation, the
/// reward, and whether the episode ended — `terminated` by the world itself (the pole fell: there is
/// nothing after it) or `truncated` by a time limit (the world would go on: a learner should still
/// count on what comes next).
///
/// An environment's randomness comes from its `generator` alone, so a checkpoint that keeps the
/// generator resumes a run exactly between episodes. Observations are float32 values, flat in
/// row-major order of `observationShape`.
///
/// ```swift
/// let environment = CartPole()
/// var observation = environment.reset(seed: 0)
/// while true {
///     let step = environment.step(observation[2] > 0 ? 1 : 0)
///     if step.terminated || step.truncated { break }
///     observation = step.observation
/// }
/// ```
public protocol Environment: AnyObject {
    /// An observation's shape: [4] for CartPole, [1, rows, columns] (a one-channel image) for Catch.
    var observationShape: [Int] { get }
    /// The actions are 0..<actionCount.
    var actionCount: Int { get }
    /// Where the episodes' randomness comes from (a run's checkpoint keeps it).
    var generator: RandomGenerator { get }
    /// Starts an episode and returns its first observation; a `seed` reseeds `generator` first
    /// (gymnasium's `reset(seed=)`), nil goes on from where the generator is.
    func reset(seed: UInt64?) -> [Float]
    /// Takes `action` in the episode under way. Stepping an episode that has ended, or before the
    /// first `reset`, is a programmer error.
    func step(_ action: Int) -> EnvironmentStep
    /// The world as it is now, as a gray picture (a frame of an animation).
    func render() -> Image
}

extension Environment {
    /// Starts an episode from where the generator is.
    public func reset() -> [Float] { reset(seed: nil) }

    /// The number of values in an observation.
    public var observationSize: Int { observationShape.reduce(1, *) }
}

/// What one step of an environment gives back.
public struct EnvironmentStep: Equatable {
    public var observation: [Float]
    public var reward: Double
    /// The episode ended in the world itself: no value follows this state.
    public var terminated: Bool
    /// The episode was cut off by a time limit: the world would have gone on.
    public var truncated: Bool

    public init(observation: [Float], reward: Double, terminated: Bool, truncated: Bool) {
        self.observation = observation
        self.reward = reward
        self.terminated = terminated
        self.truncated = truncated
    }

    /// Whether the episode is over, either way.
    public var isLast: Bool { terminated || truncated }
}

/// The environments `myelin train dqn` and `reinforce` know, by the name `--env` gives.
public enum EnvironmentKind: String, CaseIterable, Codable, Sendable {
    case cartpole, `catch`

    /// A new environment of this kind, its episodes drawn from `generator`.
    public func make(generator: RandomGenerator) -> Environment {
        switch self {
        case .cartpole: return CartPole(generator: generator)
        case .catch: return Catch(generator: generator)
        }
    }
}
