import MyelinTensor

/// The transitions an off-policy learner has seen (Lin 1992; Mnih et al. 2015), kept in a ring of
/// `capacity`: when it is full, each new transition replaces the oldest. `sample` draws a batch
/// uniformly, with replacement, from those stored, so a network learns from decorrelated,
/// reused experience rather than from the last few steps.
///
/// The whole state is tensors — the transitions, and counters of how many are stored and where the
/// next one goes — so a `TrainingCheckpoint` saves and restores it (`tensors`) with the
/// sampling generator, for an exact resume.
public final class ReplayBuffer {
    public let capacity: Int
    public let observationShape: [Int]
    /// [capacity, observation size] each; rows from `count` on are zeros until written.
    public let observations: Tensor
    public let nextObservations: Tensor
    /// [capacity] each: the action taken (an integer held exactly in a float), the reward, and 1
    /// where the episode terminated at the transition (0 where it went on or was truncated).
    public let actions: Tensor
    public let rewards: Tensor
    public let terminals: Tensor
    /// [stored count, next position].
    public let positions = TensorCounters(count: 2)
    public let generator: RandomGenerator

    /// One sampled batch: observations and next observations [B] + observation shape; actions
    /// int64 [B]; rewards and terminals [B].
    public struct Batch {
        public var observations: Tensor
        public var actions: Tensor
        public var rewards: Tensor
        public var nextObservations: Tensor
        public var terminals: Tensor
    }

    public init(capacity: Int, observationShape: [Int], generator: RandomGenerator) {
        precondition(capacity > 0 && capacity <= 1 << 24, "ReplayBuffer: the capacity must be in 1...2^24, got \(capacity)")
        self.capacity = capacity
        self.observationShape = observationShape
        let size = observationShape.reduce(1, *)
        observations = Tensor.zeros([capacity, size])
        nextObservations = Tensor.zeros([capacity, size])
        actions = Tensor.zeros([capacity])
        rewards = Tensor.zeros([capacity])
        terminals = Tensor.zeros([capacity])
        self.generator = generator
    }

    /// How many transitions are stored (at most `capacity`).
    public var count: Int { positions[0] }

    /// The tensors a checkpoint keeps, named.
    public var tensors: [(name: String, tensor: Tensor)] {
        [
            ("observations", observations), ("actions", actions), ("rewards", rewards), ("next_observations", nextObservations),
            ("terminals", terminals), ("positions", positions.tensor),
        ]
    }

    /// Stores one transition, over the oldest when the buffer is full.
    public func append(observation: [Float], action: Int, reward: Double, nextObservation: [Float], terminated: Bool) {
        let size = observations.shape[1]
        precondition(
            observation.count == size && nextObservation.count == size,
            "ReplayBuffer.append: observations of \(observation.count) and \(nextObservation.count) values, the buffer holds \(size)")
        let next = positions[1]
        observations.withUnsafeMutableScalars { rows in
            for (k, value) in observation.enumerated() { rows[next * size + k] = value }
        }
        nextObservations.withUnsafeMutableScalars { rows in
            for (k, value) in nextObservation.enumerated() { rows[next * size + k] = value }
        }
        actions.withUnsafeMutableScalars { $0[next] = Float(action) }
        rewards.withUnsafeMutableScalars { $0[next] = Float(reward) }
        terminals.withUnsafeMutableScalars { $0[next] = terminated ? 1 : 0 }
        positions[0] = min(positions[0] + 1, capacity)
        positions[1] = (next + 1) % capacity
    }

    /// `batchSize` transitions drawn uniformly with replacement from those stored.
    public func sample(_ batchSize: Int) -> Batch {
        let stored = count
        precondition(stored > 0, "ReplayBuffer.sample: the buffer is empty")
        precondition(batchSize > 0, "ReplayBuffer.sample: the batch size must be at least 1, got \(batchSize)")
        return batch(at: (0..<batchSize).map { _ in generator.integer(below: stored) })
    }

    /// The stored transitions at `rows`, as a batch.
    public func batch(at rows: [Int]) -> Batch {
        let stored = count
        precondition(rows.allSatisfy { (0..<stored).contains($0) }, "ReplayBuffer.batch: rows \(rows) are not all in 0..<\(stored)")
        let size = observations.shape[1], shape = [rows.count] + observationShape
        func gatherRows(_ source: Tensor) -> Tensor {
            var out = [Float](repeating: 0, count: rows.count * size)
            source.withUnsafeScalars { all in
                for (i, row) in rows.enumerated() {
                    for k in 0..<size { out[i * size + k] = all[row * size + k] }
                }
            }
            return Tensor(shape: shape, scalars: out)
        }
        func gather(_ source: Tensor) -> [Float] { source.withUnsafeScalars { all in rows.map { all[$0] } } }
        return Batch(
            observations: gatherRows(observations), actions: Tensor(integers: gather(actions).map { Int($0) }),
            rewards: Tensor(gather(rewards)), nextObservations: gatherRows(nextObservations), terminals: Tensor(gather(terminals)))
    }
}
