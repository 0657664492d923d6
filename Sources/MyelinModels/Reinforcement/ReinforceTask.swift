import Foundation
import MyelinNN
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// How REINFORCE with a baseline learns: the networks' width, their Adams' step sizes, the discount,
/// and whether each episode's advantages are scaled to unit standard deviation. Codable: a run's
/// checkpoint keeps it.
public struct ReinforceConfiguration: Codable, Equatable, Sendable {
    public var hidden = 128
    /// The policy's step size, and the baseline's (nil: the policy's).
    public var learningRate: Float = 1e-3
    public var baselineLearningRate: Float?
    public var discount: Float = 0.99
    /// Divide an episode's advantages by their standard deviation, so the step's size does not
    /// grow with the returns (500 at CartPole's best).
    public var normalizeAdvantages = true

    public init() {}
}

/// REINFORCE with a learned baseline (Williams 1992; Sutton & Barto, ch. 13.4) for the Trainer, one
/// episode a step: the policy network's softmax picks each action; after the episode, every step's
/// return G_t = Σ γ^k r_{t+k} is compared with the baseline network's value V(s_t), and the policy
/// climbs −mean(log π(a_t|s_t)·(G_t − V(s_t))) while the baseline fits G_t by mean squared error —
/// the whole episode as one batch through each network. A step reports the episode's "return" and
/// "length" and the "policy loss" and "value loss"; its samples are the environment steps.
/// Evaluations play `evaluation`'s episodes with the policy's most likely action.
///
/// The checkpoint holds both networks and their Adams and the generators of the environment and
/// of the action draws: a resumed run is the same bits as one that did not stop.
public final class ReinforceTask: TrainingTask {
    public let kind: EnvironmentKind
    public let configuration: ReinforceConfiguration
    public let environment: Environment
    /// Scores [N, actions]: logits of the policy.
    public let policy: Sequential
    /// V(s) [N, 1].
    public let baseline: Sequential
    public let policyOptimizer: Adam
    public let baselineOptimizer: Adam
    /// The draws of the actions.
    public let actions: RandomGenerator
    public let evaluation: PolicyEvaluation
    public let state: TrainingCheckpoint

    public static let checkpointFormat = "myelin.reinforce"

    public var batches: EndlessBatches<Void> { EndlessBatches {} }

    /// The networks, the environment and the draws all come from `seed`.
    public init(
        _ kind: EnvironmentKind, configuration: ReinforceConfiguration = ReinforceConfiguration(), seed: UInt64,
        evaluation: PolicyEvaluation? = nil
    ) {
        self.kind = kind
        self.configuration = configuration
        environment = kind.make(generator: RandomGenerator(seed: seed &+ 1))
        let weights = RandomGenerator(seed: seed), shape = environment.observationShape
        policy = agentNetwork(observationShape: shape, actions: environment.actionCount, hidden: configuration.hidden, generator: weights)
        baseline = agentNetwork(observationShape: shape, actions: 1, hidden: configuration.hidden, generator: weights)
        policyOptimizer = Adam(policy.parameters, learningRate: configuration.learningRate)
        baselineOptimizer = Adam(baseline.parameters, learningRate: configuration.baselineLearningRate ?? configuration.learningRate)
        actions = RandomGenerator(seed: seed &+ 2)
        self.evaluation = evaluation ?? PolicyEvaluation(kind: kind)
        state = TrainingCheckpoint(
            format: Self.checkpointFormat, modules: [("policy", policy), ("baseline", baseline)],
            optimizers: [("policy", policyOptimizer), ("baseline", baselineOptimizer)],
            generators: [("environment", environment.generator), ("actions", actions)])
    }

    public func step(_ batch: Void, context: StepContext) throws -> StepOutput {
        let shape = environment.observationShape
        var observation = environment.reset()
        var observations: [Float] = [], taken: [Int] = [], rewards: [Double] = []
        while true {
            // No `evaluating`: the policy has no dropout or batch norm, and switching modes walks the
            // module tree by reflection every step.
            let logits = withoutGrad { policy(Tensor(shape: [1] + shape, scalars: observation)) }
            let action = TokenSampler().sampleEachRow(of: logits, generator: actions)[0]
            let step = environment.step(action)
            observations += observation
            taken.append(action)
            rewards.append(step.reward)
            if step.isLast { break }
            observation = step.observation
        }
        let n = taken.count
        let states = Tensor(shape: [n] + shape, scalars: observations)
        let returns = Tensor(discountedReturns(rewards, discount: Double(configuration.discount)).map { Float($0) })
        let values = baseline(states).reshaped([n])
        var advantages = returns - values.detached()
        if configuration.normalizeAdvantages && n > 1 {
            advantages = advantages / (advantages.variance(axes: [], correction: 0).sqrt() + 1e-8)
        }
        let logProbabilities = policy(states).logSoftmax(axis: 1).gather(axis: 1, indices: Tensor(integers: taken).reshaped([n, 1]))
        let policyLoss = -(logProbabilities.reshaped([n]) * advantages).mean()
        let valueLoss = mseLoss(values, returns)
        let (policyValue, valueValue) = (policyLoss.item, valueLoss.item)
        try context.beforeUpdate(["policy loss": policyValue, "value loss": valueValue])
        policyOptimizer.zeroGrad()
        baselineOptimizer.zeroGrad()
        (policyLoss + valueLoss).backward()
        policyOptimizer.step()
        baselineOptimizer.step()
        return StepOutput(
            [
                "return": Float(rewards.reduce(0, +)), "length": Float(n), "policy loss": policyValue, "value loss": valueValue,
            ], samples: n)
    }

    public func evaluate() throws -> Evaluation { evaluation.measure(policy) }
}

/// Each step's return G_t = r_t + γ·G_{t+1} of an episode's rewards (G after the last step is 0).
public func discountedReturns(_ rewards: [Double], discount: Double) -> [Double] {
    var returns = rewards, following = 0.0
    for t in rewards.indices.reversed() {
        following = rewards[t] + discount * following
        returns[t] = following
    }
    return returns
}
