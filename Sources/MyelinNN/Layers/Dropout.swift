/// Randomly zeroes elements with probability `p` during training and scales the rest by 1/(1−p),
/// so evaluation (where it does nothing) sees the same expected activations.
///
/// Shapes: any → same.
public final class Dropout: Module {
    public let probability: Float
    private let generator: RandomGenerator?

    public init(_ probability: Float = 0.5, generator: RandomGenerator? = nil) {
        precondition(probability >= 0 && probability < 1, "Dropout: probability \(probability) is outside [0, 1)")
        self.probability = probability
        self.generator = generator
    }

    public override func forward(_ input: Tensor) -> Tensor {
        guard isTraining, probability > 0 else { return input }
        let keep = 1 - probability
        let mask = Tensor.bernoulli(input.shape, probability: keep, value: 1 / keep, generator: generator ?? .global)
        return input * mask
    }
}

/// Randomly zeroes whole channels with probability `p` during training (one draw per example and
/// channel) and scales the rest by 1/(1−p); evaluation leaves the input alone.
///
/// Shapes: [N, C, H, W] (or [N, C, L]) → same.
public final class Dropout2d: Module {
    public let probability: Float
    private let generator: RandomGenerator?

    public init(_ probability: Float = 0.5, generator: RandomGenerator? = nil) {
        precondition(probability >= 0 && probability < 1, "Dropout2d: probability \(probability) is outside [0, 1)")
        self.probability = probability
        self.generator = generator
    }

    public override func forward(_ input: Tensor) -> Tensor {
        guard isTraining, probability > 0 else { return input }
        precondition(
            input.rank == 3 || input.rank == 4,
            "Dropout2d: expected a 4-D input [N, C, H, W] (or 3-D [N, C, L]), got shape \(input.shape)")
        let keep = 1 - probability
        let maskShape = Array(input.shape.prefix(2)) + Array(repeating: 1, count: input.rank - 2)
        let mask = Tensor.bernoulli(maskShape, probability: keep, value: 1 / keep, generator: generator ?? .global)
        return input * mask
    }
}
