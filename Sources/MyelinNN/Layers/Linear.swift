/// A fully connected layer: y = x·Wᵀ + b.
///
/// Shapes: input [..., inFeatures] → output [..., outFeatures]; weight [outFeatures, inFeatures],
/// bias [outFeatures] (nil with `bias: false`). Initialised as PyTorch's: W, b ~ U(−1/√in, 1/√in).
public final class Linear: Module, ActivationFusing {
    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: RandomGenerator = .global) {
        precondition(inFeatures > 0 && outFeatures > 0, "Linear: sizes must be positive, got \(inFeatures) → \(outFeatures)")
        (weight, self.bias) = Initializers.pytorchDefault(
            weightShape: [outFeatures, inFeatures],
            biasCount: bias ? outFeatures : nil, generator: generator)
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public override func forward(_ input: Tensor) -> Tensor { forward(input, activation: .none) }

    public func forward(_ input: Tensor, activation: FusedActivation) -> Tensor {
        linear(input, weight: weight, bias: bias, activation: activation)
    }
}
