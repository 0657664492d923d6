/// Upsamples by moving r² channels into r×r blocks of pixels (PyTorch's `nn.PixelShuffle`): after
/// a convolution with C·r² output channels, the sub-pixel convolution of ESPCN (Shi et al. 2016).
///
/// Shapes: [*, C·r², H, W] → [*, C, H·r, W·r].
public final class PixelShuffle: Module {
    public let upscaleFactor: Int

    public init(upscaleFactor: Int) {
        precondition(upscaleFactor > 0, "PixelShuffle: upscaleFactor \(upscaleFactor) must be positive")
        self.upscaleFactor = upscaleFactor
    }

    public override func forward(_ input: Tensor) -> Tensor { pixelShuffle(input, upscaleFactor: upscaleFactor) }
}

/// Downsamples by moving r×r blocks of pixels into r² channels (PyTorch's `nn.PixelUnshuffle`),
/// the inverse of `PixelShuffle`.
///
/// Shapes: [*, C, H·r, W·r] → [*, C·r², H, W].
public final class PixelUnshuffle: Module {
    public let downscaleFactor: Int

    public init(downscaleFactor: Int) {
        precondition(downscaleFactor > 0, "PixelUnshuffle: downscaleFactor \(downscaleFactor) must be positive")
        self.downscaleFactor = downscaleFactor
    }

    public override func forward(_ input: Tensor) -> Tensor { pixelUnshuffle(input, downscaleFactor: downscaleFactor) }
}
