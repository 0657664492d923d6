/// Upsamples images by a scale factor or to a fixed size, by nearest neighbour or bilinear
/// interpolation (PyTorch's `nn.Upsample` with `align_corners=False`).
///
/// Shapes: [N, C, H, W] → [N, C, ⌊H·s⌋, ⌊W·s⌋], or [N, C, size.height, size.width].
public final class Upsample: Module {
    /// The scale factor, when the layer was made with one.
    public let scaleFactor: Double?
    /// The output size, when the layer was made with one.
    public let size: (height: Int, width: Int)?
    public let mode: UpsamplingMode

    public init(scaleFactor: Double, mode: UpsamplingMode = .nearest) {
        precondition(scaleFactor > 0, "Upsample: scale factor \(scaleFactor) must be positive")
        self.scaleFactor = scaleFactor
        self.size = nil
        self.mode = mode
    }

    public init(size: (height: Int, width: Int), mode: UpsamplingMode = .nearest) {
        precondition(size.height > 0 && size.width > 0, "Upsample: size \(size) must be positive")
        self.scaleFactor = nil
        self.size = size
        self.mode = mode
    }

    public override func forward(_ input: Tensor) -> Tensor {
        if let size { return input.upsampled(size: size, mode: mode) }
        return input.upsampled(scaleFactor: scaleFactor!, mode: mode)
    }
}
