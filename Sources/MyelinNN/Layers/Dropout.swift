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
        let mask = Tensor.bernoulli(input.shape, probability: keep, generator: generator ?? .global) * (1 / keep)
        return input * mask
    }
}
