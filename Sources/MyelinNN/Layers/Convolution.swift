/// A 2-D convolution over NCHW images: each output channel is a learned filter slid over the input
/// (cross-correlation, as PyTorch). `Conv2d(1, 32, kernelSize: 3)` is PyTorch's `Conv2d(1, 32, 3)`.
///
/// Shapes: input [N, inChannels, H, W] → [N, outChannels, OH, OW], OH = (H + 2·padding −
/// dilation·(kernel − 1) − 1) / stride + 1; weight [outChannels, inChannels/groups, kH, kW], bias
/// [outChannels] (nil with `bias: false`). Initialised as PyTorch's: W, b ~ U(−1/√fanIn, 1/√fanIn), fanIn = inChannels/groups·kH·kW.
public final class Conv2d: Module, ActivationFusing {
    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor?
    public let stride: Size2D
    public let padding: Size2D
    public let dilation: Size2D
    public let groups: Int

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Size2D = 0,
        dilation: Size2D = 1, groups: Int = 1, bias: Bool = true, generator: RandomGenerator = .global
    ) {
        precondition(
            inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
            "Conv2d: channels \(inChannels) → \(outChannels) must be positive and divisible by groups \(groups)")
        precondition(kernelSize.height > 0 && kernelSize.width > 0, "Conv2d: kernel size \(kernelSize) must be positive")
        let shape = [outChannels, inChannels / groups, kernelSize.height, kernelSize.width]
        (weight, self.bias) = Initializers.pytorchDefault(
            weightShape: shape,
            biasCount: bias ? outChannels : nil, generator: generator)
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    public override func forward(_ input: Tensor) -> Tensor { forward(input, activation: .none) }

    public func forward(_ input: Tensor, activation: FusedActivation) -> Tensor {
        conv2d(
            input, weight: weight, bias: bias, stride: stride, padding: padding,
            dilation: dilation, groups: groups, activation: activation)
    }
}

/// A transposed ("fractionally strided") 2-D convolution: the adjoint of `Conv2d`, which upsamples
/// by `stride`: the decoder half of autoencoders, segmentation nets and GAN generators.
///
/// Shapes: input [N, inChannels, H, W] → [N, outChannels, OH, OW], OH = (H − 1)·stride − 2·padding +
/// dilation·(kH − 1) + outputPadding + 1; weight [inChannels, outChannels/groups, kH, kW], bias
/// [outChannels] (nil with `bias: false`). Initialised as PyTorch's, with fanIn = outChannels/groups·kH·kW.
public final class ConvTranspose2d: Module {
    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor?
    public let stride: Size2D
    public let padding: Size2D
    public let outputPadding: Size2D
    public let dilation: Size2D
    public let groups: Int

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Size2D = 0,
        outputPadding: Size2D = 0, dilation: Size2D = 1, groups: Int = 1, bias: Bool = true,
        generator: RandomGenerator = .global
    ) {
        precondition(
            inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
            "ConvTranspose2d: channels \(inChannels) → \(outChannels) must be positive and divisible by groups \(groups)")
        precondition(kernelSize.height > 0 && kernelSize.width > 0, "ConvTranspose2d: kernel size \(kernelSize) must be positive")
        let shape = [inChannels, outChannels / groups, kernelSize.height, kernelSize.width]
        (weight, self.bias) = Initializers.pytorchDefault(
            weightShape: shape,
            biasCount: bias ? outChannels : nil, generator: generator)
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
        self.groups = groups
    }

    public override func forward(_ input: Tensor) -> Tensor {
        convTranspose2d(
            input, weight: weight, bias: bias, stride: stride, padding: padding,
            outputPadding: outputPadding, dilation: dilation, groups: groups)
    }
}
