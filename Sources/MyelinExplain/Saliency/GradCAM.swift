/// Grad-CAM (Selvaraju et al., 2017): where in the image a convolution's feature maps speak for a
/// class. Each feature map is weighted by the mean over its positions of the gradient of the
/// class's logit with respect to it; the weighted sum, through ReLU, is the map.
///
/// The classifier is given in two halves: `features`, from the image to the convolution's
/// activations [N, K, h, w], and `head`, from those to the logits.
///
/// ```swift
/// let cams = model.evaluating { GradCAM.maps(images, classes: predicted, features: model.features, head: model.classifier) }
/// ```
public enum GradCAM {
    /// One map per image, [N, h, w] (the convolution's resolution; `upsampled(size:mode:)` brings it
    /// to the image's). Nothing is recorded and the model's parameters are left alone.
    public static func maps(
        _ images: Tensor, classes: [Int], features: (Tensor) -> Tensor, head: (Tensor) -> Tensor
    ) -> Tensor {
        withoutGrad {
            let activations = features(images)
            precondition(activations.rank == 4, "GradCAM.maps: features must give [N, K, h, w], got \(activations.shape)")
            let slope = gradient(at: activations) { classScore(head($0), classes) }
            let weights = slope.mean(axes: [2, 3], keepingDimensions: true)
            return (activations * weights).sum(axis: 1).relu()
        }
    }
}
