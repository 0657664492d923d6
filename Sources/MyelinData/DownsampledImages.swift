import MyelinTensor

/// A super-resolution data set: each image of `base`, shrunk by averaging `factor`×`factor` blocks
/// of pixels (`avgPool2d`), as the input, and the image itself as the target. The shrinking is a
/// fixed function of the image, so every run sees the same pairs; it is done batch by batch, so no
/// second copy of the images is kept.
///
/// Examples: input [C, H/factor, W/factor], target [C, H, W] (float32, as the base's images).
/// Batches: [B, C, H/factor, W/factor] and [B, C, H, W].
public struct DownsampledImages<Base: Dataset>: Dataset {
    public let base: Base
    public let factor: Int

    /// Pairs `base`'s images with themselves shrunk by `factor`, which must divide their sides.
    public init(_ base: Base, factor: Int) {
        precondition(factor > 0, "DownsampledImages: factor must be positive, got \(factor)")
        if base.count > 0 {
            let shape = base.example(at: 0).input.shape
            precondition(
                shape.count == 3 && shape[1] % factor == 0 && shape[2] % factor == 0,
                "DownsampledImages: images of shape \(shape) are not [C, H, W] with sides divisible by \(factor)")
        }
        self.base = base
        self.factor = factor
    }

    public var count: Int { base.count }

    public func example(at index: Int) -> (input: Tensor, label: Tensor) {
        let batch = batch(at: [index])
        return (batch.inputs[0], batch.labels[0])
    }

    public func batch(at indices: [Int]) -> (inputs: Tensor, labels: Tensor) {
        let images = base.batch(at: indices).inputs
        return (Self.downsample(images, by: factor), images)
    }

    /// `images` [N, C, H, W] with each `factor`×`factor` block of pixels replaced by its mean.
    public static func downsample(_ images: Tensor, by factor: Int) -> Tensor {
        withoutGrad { avgPool2d(images, kernelSize: Size2D(factor)) }
    }
}
