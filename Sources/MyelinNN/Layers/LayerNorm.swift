/// Layer normalisation over the last dimension: each position's features to zero mean and unit
/// (biased) variance, then y = x̂·weight + bias — PyTorch's `nn.LayerNorm(features)`.
///
/// Shapes: input [..., features] → the same; weight and bias [features], initially ones and zeros
/// (nil without `elementwiseAffine`).
public final class LayerNorm: Module {
    @Parameter public var weight: Tensor?
    @Parameter public var bias: Tensor?
    public let features: Int
    public let epsilon: Float

    public init(_ features: Int, epsilon: Float = 1e-5, elementwiseAffine: Bool = true) {
        precondition(features > 0, "LayerNorm: features must be positive, got \(features)")
        self.features = features
        self.epsilon = epsilon
        weight = elementwiseAffine ? Tensor.ones([features]) : nil
        bias = elementwiseAffine ? Tensor.zeros([features]) : nil
    }

    /// Whether the layer scales and shifts its output (has `weight` and `bias`).
    public var elementwiseAffine: Bool { weight != nil }

    public override func forward(_ input: Tensor) -> Tensor {
        precondition(
            input.rank >= 1 && input.shape.last == features,
            "LayerNorm: input shape \(input.shape) does not end in the layer's \(features) features")
        return layerNorm(input, features: features, weight: weight, bias: bias, epsilon: epsilon)
    }
}
