import Foundation
import MyelinNN
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// How a DQN learns (Mnih et al. 2015): the network's width, Adam's step size, the discount, the
/// replay buffer and its batches, how often it learns and copies the target network, the ε-greedy
/// schedule, the Huber loss's δ, the gradient clipping, and whether targets are Double DQN's (van
/// Hasselt et al. 2016). Codable: a run's checkpoint keeps it. The defaults solve CartPole (an
/// evaluation's mean return of 475) in 240 to 320 episodes for seeds 0 to 3, and Catch.
public struct DQNConfiguration: Codable, Equatable, Sendable {
    /// Units in the network's hidden layer(s).
    public var hidden = 128
    /// Adam's step size.
    public var learningRate: Float = 1e-3
    public var discount: Float = 0.99
    public var batchSize = 64
    public var replayCapacity = 50_000
    /// Environment steps taken before the first update (the buffer fills under a mostly random policy).
    public var learningStarts = 1_000
    /// Environment steps between updates.
    public var updateEvery = 1
    /// Updates between copies of the online network into the target network.
    public var targetUpdateInterval = 250
    /// Double DQN: the online network picks the next action, the target network values it.
    public var double = true
    /// ε falls linearly from `epsilonStart` to `epsilonEnd` over the first `epsilonDecaySteps`
    /// environment steps, and stays there.
    public var epsilonStart = 1.0
    public var epsilonEnd = 0.05
    public var epsilonDecaySteps = 5_000
    public var huberDelta: Float = 1
    /// Gradients are clipped to this norm (Mnih et al. clip the error term; this bounds the step alike).
    public var maxGradientNorm: Float = 10

    public init() {}

    /// The probability of a random action after `steps` environment steps.
    public func epsilon(afterSteps steps: Int) -> Double {
        let remaining = 1 - min(Double(steps) / Double(max(epsilonDecaySteps, 1)), 1)
        // Written from the end, so that it is exactly epsilonEnd once the decay is over.
        return epsilonEnd + (epsilonStart - epsilonEnd) * remaining
    }
}

/// DQN's targets: y = r + γ·(1 − terminal)·Q_target(s′, a*), with a* the action the target network
/// scores highest — or, for Double DQN (`nextOnlineValues` given), the one the online network
/// scores highest, so that one network's overestimate is not both chosen and believed. A terminal
/// transition has no next value; a truncated one keeps it (the world would have gone on).
///
/// Shapes: rewards and terminals [B], next values [B, actions] → [B]. Records no gradient.
public func dqnTargets(
    rewards: Tensor, terminals: Tensor, nextTargetValues: Tensor, nextOnlineValues: Tensor? = nil, discount: Float
) -> Tensor {
    let b = rewards.count
    precondition(
        rewards.shape == [b] && terminals.shape == [b] && nextTargetValues.rank == 2 && nextTargetValues.shape[0] == b
            && (nextOnlineValues.map { $0.shape == nextTargetValues.shape } ?? true),
        "dqnTargets: rewards \(rewards.shape) and terminals \(terminals.shape) must be [B], next values \(nextTargetValues.shape) and \(nextOnlineValues?.shape ?? []) [B, actions]"
    )
    return withoutGrad {
        let chosen = (nextOnlineValues ?? nextTargetValues).argmax(axis: 1, keepingDimensions: true)
        let next = nextTargetValues.gather(axis: 1, indices: chosen).reshaped([b])
        return rewards + discount * (1 - terminals) * next
    }
}

/// A DQN's networks and learning: the online network that acts and learns, the target network its
/// targets are read from (a copy, refreshed every so often), and Adam.
public final class DQNAgent {
    public let configuration: DQNConfiguration
    public let online: Sequential
    public let target: Sequential
    public let optimizer: Adam
    /// The networks' parameters, listed once: `Module.parameters` walks the module tree by
    /// reflection, which every step would pay for.
    private let onlineParameters: [Tensor], targetParameters: [Tensor]

    /// Both networks start alike, drawn from `generator`.
    public init(observationShape: [Int], actions: Int, configuration: DQNConfiguration, generator: RandomGenerator) {
        self.configuration = configuration
        online = agentNetwork(observationShape: observationShape, actions: actions, hidden: configuration.hidden, generator: generator)
        target = agentNetwork(observationShape: observationShape, actions: actions, hidden: configuration.hidden, generator: generator)
        target.freeze()
        (onlineParameters, targetParameters) = (online.parameters, target.parameters)
        optimizer = Adam(onlineParameters, learningRate: configuration.learningRate)
        updateTarget()
    }

    /// The online network's greedy actions for observations [N] + observation shape. (Without
    /// `evaluating`: the network has no dropout or batch norm, so its training mode computes the
    /// same, and switching modes walks the module tree by reflection, twice an environment step.)
    public func greedyActions(_ observations: Tensor) -> [Int] {
        withoutGrad { MyelinModels.greedyActions(online(observations)) }
    }

    /// The targets of a replayed batch (`dqnTargets` with this agent's networks).
    public func targets(for batch: ReplayBuffer.Batch) -> Tensor {
        withoutGrad {
            dqnTargets(
                rewards: batch.rewards, terminals: batch.terminals, nextTargetValues: target(batch.nextObservations),
                nextOnlineValues: configuration.double ? online(batch.nextObservations) : nil, discount: configuration.discount)
        }
    }

    /// One update on a replayed batch: the Huber loss between Q(s, a) and the targets, clipped
    /// gradients, an Adam step. `beforeUpdate` sees the loss before the weights change (the
    /// Trainer's NaN check). Returns the loss.
    public func update(on batch: ReplayBuffer.Batch, beforeUpdate: ([StepOutput.Figure]) throws -> Void) rethrows -> Float {
        let targets = targets(for: batch)
        let n = batch.actions.count
        let taken = online(batch.observations).gather(axis: 1, indices: batch.actions.reshaped([n, 1])).reshaped([n])
        let loss = huberLoss(taken, targets, delta: configuration.huberDelta)
        let value = loss.item
        try beforeUpdate([StepOutput.Figure(name: "loss", value: value)])
        optimizer.zeroGrad()
        loss.backward()
        clipGradientNorm(onlineParameters, maxNorm: configuration.maxGradientNorm)
        optimizer.step()
        return value
    }

    /// Copies the online network's weights into the target network.
    public func updateTarget() {
        for (copy, weight) in zip(targetParameters, onlineParameters) { copy.assign(weight) }
    }
}
