/// PixelCNN's masked convolution (van den Oord et al. 2016): a "same"-padded convolution whose
/// kernel is zero at every tap on or after its centre in raster order, so an output pixel sees only
/// the pixels above it and to its left. Type A (a network's first layer) also hides the centre, the
/// pixel being predicted; type B (every later layer) keeps it, since there it holds features of
/// pixels before it. The weight is multiplied by the fixed mask before `conv2d`, so the masked
/// taps get no gradient and never change what the layer sees.
///
/// Shapes: input [N, inChannels, H, W] → [N, outChannels, H, W]; weight [outChannels, inChannels,
/// kH, kW] (odd sides), bias [outChannels]; mask [1, 1, kH, kW]. Initialised as `Conv2d`.
public final class MaskedConv2d: Module {
    /// Whether the kernel's centre tap is kept.
    public enum MaskType: String, Sendable, Codable {
        /// Hides the centre: the output at a pixel never depends on that pixel (a first layer).
        case a
        /// Keeps the centre (every layer after the first).
        case b
    }

    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor?
    public let maskType: MaskType
    /// 1 on the taps the layer uses, 0 on the others: [1, 1, kH, kW].
    public let mask: Tensor

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Size2D, mask maskType: MaskType, bias: Bool = true,
        generator: RandomGenerator = .global
    ) {
        precondition(inChannels > 0 && outChannels > 0, "MaskedConv2d: channels \(inChannels) → \(outChannels) must be positive")
        let (height, width) = (kernelSize.height, kernelSize.width)
        precondition(
            height > 0 && width > 0 && height % 2 == 1 && width % 2 == 1,
            "MaskedConv2d: kernel size \(kernelSize) must be odd on both sides (the centre is the pixel predicted)")
        (weight, self.bias) = Initializers.pytorchDefault(
            weightShape: [outChannels, inChannels, height, width], biasCount: bias ? outChannels : nil, generator: generator)
        self.maskType = maskType
        let centre = (height / 2) * width + width / 2
        let taps = (0..<(height * width)).map { $0 < centre || ($0 == centre && maskType == .b) ? Float(1) : 0 }
        mask = Tensor(shape: [1, 1, height, width], scalars: taps)
    }

    /// Rows of the input above the output row that the kernel reaches (the rows below it are masked).
    public var rowsAbove: Int { weight.shape[2] / 2 }

    public override func forward(_ input: Tensor) -> Tensor {
        conv2d(input, weight: weight * mask, bias: bias, padding: Size2D(rowsAbove, weight.shape[3] / 2))
    }

    /// Row `row` of `forward(input)` alone, [N, outChannels, 1, W], from the rows of `input` that
    /// reach it (`rowsAbove` rows and the row itself): a sampler that has changed only that row
    /// recomputes only that row. The kernel is cut to the rows that lie inside the image, which is
    /// what zero padding gives.
    public func forward(row: Int, of input: Tensor) -> Tensor {
        precondition(
            input.rank == 4 && row >= 0 && row < input.shape[2],
            "MaskedConv2d.forward(row:of:): row \(row) is not in an input of shape \(input.shape)")
        let first = max(0, row - rowsAbove), count = row - first + 1
        let taps = (weight * mask).narrowed(axis: 2, start: rowsAbove + 1 - count, length: count).contiguous()
        return conv2d(
            input.narrowed(axis: 2, start: first, length: count), weight: taps, bias: bias, padding: Size2D(0, weight.shape[3] / 2))
    }
}
