/// Which pixels a classifier's answer rests on: gradient-based saliency.
///
/// - `gradient`: ∂ score / ∂ pixel, where the score is the class's logit (Simonyan, Vedaldi and
///   Zisserman, 2014).
/// - `smoothGrad`: that gradient averaged over `samples` copies of the image with Gaussian noise of
///   standard deviation `noise` × the pixel range added (Smilkov et al., 2017): less speckled.
/// - `integratedGradients`: (image − baseline) ⊙ the gradient averaged along the straight path from
///   a black baseline to the image in `samples` steps (Sundararajan, Taly and Yan, 2017). Its
///   attributions add up to score(image) − score(baseline).
///
/// ```swift
/// let maps = model.evaluating { Saliency(.smoothGrad).maps(images, classes: labels.integers, of: { model($0) }) }
/// ```
public struct Saliency: Equatable, Sendable {
    public enum Method: String, CaseIterable, Sendable {
        case gradient, smoothGrad, integratedGradients
    }

    public var method: Method
    /// SmoothGrad's noisy copies; integrated gradients' steps along the path.
    public var samples: Int
    /// SmoothGrad's noise, as a fraction of the pixel range.
    public var noise: Float
    public var pixelRange: ClosedRange<Float>

    public init(_ method: Method, samples: Int = 32, noise: Float = 0.15, pixelRange: ClosedRange<Float> = 0...1) {
        precondition(samples >= 1, "Saliency: needs at least one sample, got \(samples)")
        precondition(noise >= 0, "Saliency: the noise must be at least 0, got \(noise)")
        (self.method, self.samples, self.noise, self.pixelRange) = (method, samples, noise, pixelRange)
    }

    /// Signed attributions, one per input element ([N, …] as `images`), for class `classes[i]` of
    /// image i. `classifier` maps a batch to logits; run it in evaluation mode.
    public func attributions(
        _ images: Tensor, classes: [Int], of classifier: (Tensor) -> Tensor, generator: RandomGenerator = .global
    ) -> Tensor {
        precondition(
            images.shape.first == classes.count, "Saliency: images \(images.shape) and \(classes.count) classes do not pair up")
        return withoutGrad {
            let x = images.detached()
            // Each image's class logit, summed: image i's gradient is its own.
            func slope(_ at: Tensor) -> Tensor { gradient(at: at) { classScore(classifier($0), classes) } }
            switch method {
            case .gradient:
                return slope(x)
            case .smoothGrad:
                let sigma = noise * (pixelRange.upperBound - pixelRange.lowerBound)
                var total = Tensor.zeros(x.shape)
                for _ in 0..<samples { total = total + slope(x + Tensor.randn(x.shape, std: sigma, generator: generator)) }
                return total * (1 / Float(samples))
            case .integratedGradients:
                let baseline = Tensor.zeros(x.shape) + pixelRange.lowerBound
                var total = Tensor.zeros(x.shape)
                // The midpoint rule along the path: k + ½ of `samples` steps.
                for k in 0..<samples { total = total + slope(baseline + (x - baseline) * ((Float(k) + 0.5) / Float(samples))) }
                return (x - baseline) * total * (1 / Float(samples))
            }
        }
    }

    /// One map per image ([N, H, W]): each pixel's largest |attribution| over its channels.
    public func maps(_ images: Tensor, classes: [Int], of classifier: (Tensor) -> Tensor, generator: RandomGenerator = .global)
        -> Tensor
    {
        precondition(images.rank == 4, "Saliency.maps: images must be [N, C, H, W], got \(images.shape)")
        return withoutGrad { attributions(images, classes: classes, of: classifier, generator: generator).abs().max(axis: 1) }
    }
}
