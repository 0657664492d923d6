import MyelinNN
import MyelinTensor
import MyelinTraining

/// A DQN's training for the Trainer, one episode a step: the agent acts ε-greedily, each transition
/// goes into the replay buffer, and once `learningStarts` steps are stored it learns from a replayed
/// batch every `updateEvery` steps, copying its online network into the target network every
/// `targetUpdateInterval` updates. A step reports the episode's "return" and "length", the "epsilon"
/// it ended with, and the mean "loss" of its updates (when it made any); its samples are the
/// episode's environment steps. Evaluations play `evaluation`'s episodes greedily.
///
/// The checkpoint holds both networks, Adam, the replay buffer, the counts of environment steps and
/// updates (so the ε schedule and the target copies go on where they were) and the generators of
/// the environment, the exploration and the replay sampling: a resumed run is the same bits as one
/// that did not stop. (Steps end with episodes, so no episode is ever cut by a checkpoint.)
///
/// ```swift
/// let task = DQNTask(.cartpole, configuration: DQNConfiguration(), seed: 0)
/// let trainer = Trainer(.steps(300), state: task.state, evaluateEvery: .steps(25), callbacks: [ProgressLogger()])
/// try trainer.run(task)
/// ```
public final class DQNTask: TrainingTask {
    public let kind: EnvironmentKind
    public let environment: Environment
    public let agent: DQNAgent
    public let replay: ReplayBuffer
    /// The ε-greedy draws: whether to explore, and the random action.
    public let exploration: RandomGenerator
    /// [environment steps, updates] since the run began.
    public let counters = TensorCounters(count: 2)
    public let evaluation: PolicyEvaluation
    public let state: TrainingCheckpoint

    public static let checkpointFormat = "myelin.dqn"

    public var batches: EndlessBatches<Void> { EndlessBatches {} }
    public var configuration: DQNConfiguration { agent.configuration }
    public var environmentSteps: Int { counters[0] }
    public var updates: Int { counters[1] }

    /// The networks, the environment and the generators all drawn from `seed`.
    public init(
        _ kind: EnvironmentKind, configuration: DQNConfiguration = DQNConfiguration(), seed: UInt64,
        evaluation: PolicyEvaluation? = nil
    ) {
        self.kind = kind
        environment = kind.make(generator: RandomGenerator(seed: seed &+ 1))
        agent = DQNAgent(
            observationShape: environment.observationShape, actions: environment.actionCount, configuration: configuration,
            generator: RandomGenerator(seed: seed))
        exploration = RandomGenerator(seed: seed &+ 2)
        replay = ReplayBuffer(
            capacity: configuration.replayCapacity, observationShape: environment.observationShape,
            generator: RandomGenerator(seed: seed &+ 3))
        self.evaluation = evaluation ?? PolicyEvaluation(kind: kind)
        state = TrainingCheckpoint(
            format: Self.checkpointFormat, modules: [("online", agent.online), ("target", agent.target)],
            optimizers: [("online", agent.optimizer)],
            generators: [("environment", environment.generator), ("exploration", exploration), ("replay", replay.generator)],
            tensors: replay.tensors.map { ("replay.\($0.name)", $0.tensor) } + [("counters", counters.tensor)])
    }

    public func step(_ batch: Void, context: StepContext) throws -> StepOutput {
        let c = configuration
        var observation = environment.reset()
        var episode = EpisodeResult(), losses: [Float] = [], epsilon = 0.0
        while true {
            epsilon = c.epsilon(afterSteps: environmentSteps)
            // One draw decides every step (two when exploring), so the stream does not depend on the network.
            let action =
                Double(exploration.uniform()) < epsilon
                ? exploration.integer(below: environment.actionCount)
                : agent.greedyActions(Tensor(shape: [1] + environment.observationShape, scalars: observation))[0]
            let step = environment.step(action)
            replay.append(
                observation: observation, action: action, reward: step.reward, nextObservation: step.observation,
                terminated: step.terminated)
            episode.add(step)
            counters[0] += 1
            if environmentSteps >= c.learningStarts && environmentSteps % c.updateEvery == 0 {
                losses.append(try agent.update(on: replay.sample(c.batchSize)) { try context.beforeUpdate($0) })
                counters[1] += 1
                if updates % c.targetUpdateInterval == 0 { agent.updateTarget() }
            }
            if step.isLast { break }
            observation = step.observation
        }
        var figures: [StepOutput.Figure] = [
            .init(name: "return", value: Float(episode.totalReward)), .init(name: "length", value: Float(episode.length)),
            .init(name: "epsilon", value: Float(epsilon)),
        ]
        if !losses.isEmpty { figures.append(.init(name: "loss", value: losses.reduce(0, +) / Float(losses.count))) }
        return StepOutput(figures, samples: episode.length)
    }

    public func evaluate() throws -> Evaluation { evaluation.measure(agent.online) }
}
