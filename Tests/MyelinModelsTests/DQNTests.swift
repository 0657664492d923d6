import Foundation
import Myelin
import MyelinModels
import Testing

@Suite struct ReplayBufferTests {
    /// A buffer of `capacity` holding transitions 0..<count: observation [i, 10 + i], action i % 3,
    /// reward i, next observation [i + 1, 11 + i], terminated at multiples of 4.
    func filled(capacity: Int, count: Int, seed: UInt64 = 1) -> ReplayBuffer {
        let buffer = ReplayBuffer(capacity: capacity, observationShape: [2], generator: RandomGenerator(seed: seed))
        for i in 0..<count {
            let x = Float(i)
            buffer.append(
                observation: [x, 10 + x], action: i % 3, reward: Double(i), nextObservation: [x + 1, 11 + x], terminated: i % 4 == 0)
        }
        return buffer
    }

    @Test func samplesWholeTransitionsUniformlyFromThoseStored() {
        let buffer = filled(capacity: 16, count: 5)
        #expect(buffer.count == 5)
        let batch = buffer.sample(5000)
        #expect(batch.observations.shape == [5000, 2] && batch.nextObservations.shape == [5000, 2])
        #expect(batch.actions.shape == [5000] && batch.actions.dtype == .int64 && batch.rewards.shape == [5000])
        let (observations, next) = (batch.observations.scalars, batch.nextObservations.scalars)
        let (actions, rewards, terminals) = (batch.actions.integers, batch.rewards.scalars, batch.terminals.scalars)
        var counts = [Int](repeating: 0, count: 5)
        for k in 0..<5000 {
            // Every field of a sampled row belongs to the same transition, one of the five stored.
            let i = Int(observations[2 * k])
            #expect(observations[2 * k + 1] == Float(10 + i) && next[2 * k] == Float(i + 1) && next[2 * k + 1] == Float(11 + i))
            #expect(actions[k] == i % 3 && rewards[k] == Float(i) && terminals[k] == (i % 4 == 0 ? 1 : 0))
            counts[i] += 1
        }
        // Uniform: each of the five about 1000 times (σ = √(5000 · 0.2 · 0.8) ≈ 28; 5σ allowed).
        #expect(counts.allSatisfy { Swift.abs($0 - 1000) < 140 }, "\(counts)")
    }

    @Test func aFullBufferReplacesTheOldest() {
        let buffer = filled(capacity: 8, count: 11)
        #expect(buffer.count == 8)
        // Transitions 8, 9, 10 took the rows of 0, 1, 2; 3…7 stay where they were.
        let stored = buffer.batch(at: Array(0..<8)).observations.scalars.enumerated().filter { $0.offset % 2 == 0 }.map { Int($0.element) }
        #expect(stored == [8, 9, 10, 3, 4, 5, 6, 7])
        let sampled = Set(buffer.sample(2000).observations.scalars.enumerated().filter { $0.offset % 2 == 0 }.map { Int($0.element) })
        #expect(sampled == Set(3...10))
    }

    @Test func theSamplesComeFromItsGeneratorAlone() {
        let a = filled(capacity: 8, count: 6, seed: 7).sample(32), b = filled(capacity: 8, count: 6, seed: 7).sample(32)
        let c = filled(capacity: 8, count: 6, seed: 8).sample(32)
        #expect(a.observations.scalars == b.observations.scalars && a.actions.integers == b.actions.integers)
        #expect(a.observations.scalars != c.observations.scalars)
    }

    @Test func imageObservationsKeepTheirShape() {
        let buffer = ReplayBuffer(capacity: 4, observationShape: [1, 2, 3], generator: RandomGenerator(seed: 0))
        buffer.append(
            observation: (0..<6).map(Float.init), action: 2, reward: -1, nextObservation: Array(repeating: 0, count: 6), terminated: true)
        let batch = buffer.sample(3)
        #expect(
            batch.observations.shape == [3, 1, 2, 3]
                && batch.observations.scalars == Array(repeating: (0..<6).map(Float.init), count: 3).flatMap { $0 })
        #expect(batch.rewards.scalars == [-1, -1, -1] && batch.terminals.scalars == [1, 1, 1])
    }
}

@Suite struct DQNTests {
    @Test func targetsComputedByHand() {
        // Three transitions, γ = 0.9; the second ends its episode.
        let rewards = Tensor([1, 0, -1]), terminals = Tensor([0, 1, 0])
        let nextTarget = Tensor([[1, 5], [2, 3], [4, 0]]), nextOnline = Tensor([[2, 1], [0, 9], [1, 3]])
        // DQN: y = r + γ·max_a Q_target(s′, a) = 1 + 0.9·5, 0 (terminal: no next value), −1 + 0.9·4.
        let plain = dqnTargets(rewards: rewards, terminals: terminals, nextTargetValues: nextTarget, discount: 0.9)
        #expect(close(plain.scalars, [5.5, 0, 2.6]))
        // Double DQN: the online network picks a* = 0, 1, 1; the target network values them: 1, 3, 0.
        let double = dqnTargets(
            rewards: rewards, terminals: terminals, nextTargetValues: nextTarget, nextOnlineValues: nextOnline, discount: 0.9)
        #expect(close(double.scalars, [1.9, 0, -1]))
    }

    @Test func theAgentsTargetsAreItsNetworksValues() {
        let buffer = ReplayBuffer(capacity: 8, observationShape: [4], generator: RandomGenerator(seed: 2))
        let inputs = Tensor.randn([6, 4], generator: RandomGenerator(seed: 3)).scalars
        for i in 0..<5 {
            buffer.append(
                observation: Array(inputs[4 * i..<4 * i + 4]), action: i % 2, reward: 1,
                nextObservation: Array(inputs[4 * i + 4..<4 * i + 8]),
                terminated: i == 4)
        }
        let batch = buffer.batch(at: [0, 1, 2, 3, 4])
        for double in [false, true] {
            var configuration = DQNConfiguration()
            (configuration.hidden, configuration.learningRate, configuration.double) = (8, 0.01, double)
            let agent = DQNAgent(observationShape: [4], actions: 2, configuration: configuration, generator: RandomGenerator(seed: 4))
            // The target network starts as a copy; after an update they differ, and the targets use each as they should.
            _ = agent.update(on: batch) { _ in }
            let nextOnline = withoutGrad { agent.online(batch.nextObservations) },
                nextTarget = withoutGrad { agent.target(batch.nextObservations) }
            #expect(nextOnline.scalars != nextTarget.scalars)
            let expected = dqnTargets(
                rewards: batch.rewards, terminals: batch.terminals, nextTargetValues: nextTarget,
                nextOnlineValues: double ? nextOnline : nil, discount: 0.99)
            #expect(agent.targets(for: batch).scalars == expected.scalars)
            agent.updateTarget()
            #expect(withoutGrad { agent.target(batch.nextObservations) }.scalars == nextOnline.scalars)
        }
    }

    @Test func updatesFitTheTargets() {
        // With the target network fixed, repeated updates on one batch are a regression: the loss falls.
        let buffer = ReplayBuffer(capacity: 32, observationShape: [4], generator: RandomGenerator(seed: 5))
        let inputs = Tensor.randn([33, 4], generator: RandomGenerator(seed: 6)).scalars
        for i in 0..<32 {
            buffer.append(
                observation: Array(inputs[4 * i..<4 * i + 4]), action: i % 2, reward: Double(i % 3),
                nextObservation: Array(inputs[4 * i + 4..<4 * i + 8]),
                terminated: false)
        }
        let batch = buffer.batch(at: Array(0..<32))
        var configuration = DQNConfiguration()
        (configuration.hidden, configuration.learningRate) = (32, 3e-3)
        let agent = DQNAgent(observationShape: [4], actions: 2, configuration: configuration, generator: RandomGenerator(seed: 7))
        let losses = (0..<150).map { _ in agent.update(on: batch) { _ in } }
        #expect(losses.last! < 0.1 * losses.first!, "\(losses.first!) → \(losses.last!)")
    }

    @Test func epsilonFallsLinearlyThenStays() {
        var configuration = DQNConfiguration()
        configuration.epsilonDecaySteps = 1000
        #expect(configuration.epsilon(afterSteps: 0) == 1)
        #expect(Swift.abs(configuration.epsilon(afterSteps: 500) - 0.525) < 1e-12)
        #expect(configuration.epsilon(afterSteps: 1000) == 0.05 && configuration.epsilon(afterSteps: 50_000) == 0.05)
    }

    @Test func discountedReturnsByHand() {
        // G_2 = 1, G_1 = 0 + 0.5·1, G_0 = 2 + 0.5·0.5.
        #expect(discountedReturns([2, 0, 1], discount: 0.5) == [2.25, 0.5, 1])
        #expect(discountedReturns([], discount: 0.9).isEmpty)
    }

    @Test func evaluationPlaysFixedStartsAndCountsCatches() {
        // A network that always moves right catches only the balls that start in the rightmost column
        // (the paddle starts in the middle, column 2, and stops at column 4).
        let right = Sequential {
            Flatten(); Linear(50, 3, generator: RandomGenerator(seed: 0))
        }
        right.namedParameters.forEach { $0.1.assign(Tensor.zeros($0.1.shape)) }
        (right.namedParameters.last!.1).assign(Tensor([0, 0, 1]))
        let evaluation = PolicyEvaluation(kind: .catch, episodes: 40)
        let results = evaluation.results(of: right)
        let columns = (0..<40).map { Catch().reset(seed: PolicyEvaluation.defaultFirstSeed + UInt64($0)).firstIndex(of: 1)! }
        #expect(results.map { $0.finalReward } == columns.map { $0 == 4 ? 1 : -1 })
        let figures = evaluation.figures(of: results)
        let caught = Double(columns.filter { $0 == 4 }.count) / 40
        #expect(figures["evaluation catch rate"] == caught && figures["evaluation mean return"] == 2 * caught - 1)
        #expect(results.allSatisfy { $0.length == 9 && !$0.truncated })
        #expect(evaluation.measure(right) == figures, "the same starts every time")
    }
}

/// Whether two lists agree within `tolerance` element by element.
private func close(_ a: [Float], _ b: [Float], _ tolerance: Float = 1e-6) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance }
}
