/// A fully connected layer: y = x·Wᵀ + b.
///
/// Shapes: input [..., inFeatures] → output [..., outFeatures]; weight [outFeatures, inFeatures],
/// bias [outFeatures]. Initialised as PyTorch's: W, b ~ U(−1/√in, 1/√in).
public final class Linear: Module, ActivationFusing {
    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor
    public let hasBias: Bool

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: RandomGenerator = .global) {
        precondition(inFeatures > 0 && outFeatures > 0, "Linear: sizes must be positive, got \(inFeatures) → \(outFeatures)")
        (weight, self.bias) = Initializers.pytorchDefault(weightShape: [outFeatures, inFeatures],
                                                          biasCount: bias ? outFeatures : 0, generator: generator)
        hasBias = bias
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public override var ownParameters: [(String, Tensor)] {
        hasBias ? [("weight", weight), ("bias", bias)] : [("weight", weight)]
    }

    public override func forward(_ input: Tensor) -> Tensor { forward(input, activation: .none) }

    public func forward(_ input: Tensor, activation: FusedActivation) -> Tensor {
        linear(input, weight: weight, bias: hasBias ? bias : nil, activation: activation)
    }
}
