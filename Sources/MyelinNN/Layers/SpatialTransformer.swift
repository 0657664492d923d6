/// A spatial transformer (Jaderberg et al. 2015): a localisation network predicts an affine matrix
/// θ per image, and the image is resampled through it (`affineGrid`, then `gridSample`), so the
/// layers after it see the image moved, turned or zoomed as the loss prefers.
///
/// Shapes: input [N, C, H, W] → [N, C, OH, OW] (the input's size unless `outputSize` is given);
/// the localisation network maps the input to [N, 6] (or [N, 2, 3]), θ row by row.
public final class SpatialTransformer: Module {
    public let localization: Module
    public let outputSize: Size2D?
    public let mode: GridSampleMode
    public let padding: GridSamplePadding
    public let alignCorners: Bool

    public init(
        localization: Module, outputSize: Size2D? = nil, mode: GridSampleMode = .bilinear,
        padding: GridSamplePadding = .zeros, alignCorners: Bool = false
    ) {
        precondition(
            outputSize.map { $0.height > 0 && $0.width > 0 } ?? true,
            "SpatialTransformer: output size \(outputSize!) must be positive")
        self.localization = localization
        self.outputSize = outputSize
        self.mode = mode
        self.padding = padding
        self.alignCorners = alignCorners
    }

    /// A linear layer for the end of a localisation network that starts at the identity (zero
    /// weight, bias θ = [[1, 0, 0], [0, 1, 0]]), so that training starts from the untransformed image.
    public static func identityHead(inFeatures: Int) -> Linear {
        let head = Linear(inFeatures, 6)
        head.weight = Tensor.zeros([6, inFeatures])
        head.bias = Tensor([1, 0, 0, 0, 1, 0])
        return head
    }

    public override func forward(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4, "SpatialTransformer: input must be [N, C, H, W], got shape \(input.shape)")
        let theta = localization(input)
        precondition(
            theta.count == 6 * input.shape[0],
            "SpatialTransformer: the localisation network gave shape \(theta.shape) for input shape \(input.shape): expected [\(input.shape[0]), 6]"
        )
        let size = [input.shape[0], input.shape[1], outputSize?.height ?? input.shape[2], outputSize?.width ?? input.shape[3]]
        let grid = affineGrid(theta: theta.reshaped(input.shape[0], 2, 3), size: size, alignCorners: alignCorners)
        return gridSample(input, grid: grid, mode: mode, padding: padding, alignCorners: alignCorners)
    }
}
