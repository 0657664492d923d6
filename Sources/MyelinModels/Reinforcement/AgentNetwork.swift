import MyelinNN
import MyelinTensor

/// The network an agent scores actions with — a DQN's action values, a policy's logits — shaped
/// for what the environment shows: an MLP of two hidden layers for a vector of numbers (CartPole's
/// state), a small ConvNet for a picture (Catch's grid): two 3×3 convolutions that keep the size,
/// then a hidden layer. The greedy action is the highest score. It has no dropout or batch norm,
/// so it computes the same in training and evaluation mode.
///
/// Shapes: [N] + observation shape → [N, actions]. For an image [C, H, W], the ConvNet has
/// 16·(9C + 1) + 32·(144 + 1) + (32·H·W + 1)·hidden + (hidden + 1)·actions parameters.
public func agentNetwork(observationShape: [Int], actions: Int, hidden: Int, generator: RandomGenerator) -> Sequential {
    precondition(actions > 0 && hidden > 0, "agentNetwork: needs actions and hidden width ≥ 1, got \(actions) and \(hidden)")
    switch observationShape.count {
    case 1:
        return multilayerPerceptron([observationShape[0], hidden, hidden, actions], generator: generator)
    case 3:
        let (channels, height, width) = (observationShape[0], observationShape[1], observationShape[2])
        return Sequential {
            Conv2d(channels, 16, kernelSize: 3, padding: 1, generator: generator); ReLU()
            Conv2d(16, 32, kernelSize: 3, padding: 1, generator: generator); ReLU()
            Flatten()
            Linear(32 * height * width, hidden, generator: generator); ReLU()
            Linear(hidden, actions, generator: generator)
        }
    default:
        preconditionFailure("agentNetwork: observations must be vectors [size] or images [C, H, W], got shape \(observationShape)")
    }
}

/// The highest-scoring action of each row of `scores` [N, actions] (the first on ties).
public func greedyActions(_ scores: Tensor) -> [Int] {
    precondition(scores.rank == 2, "greedyActions: scores must be [N, actions], got \(scores.shape)")
    return scores.argmax(axis: 1).integers
}
