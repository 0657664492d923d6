import Foundation
import MyelinTensor

/// The peak signal-to-noise ratio of each image of `images` against the same image of `targets`,
/// in decibels: 10 · log₁₀(peak² / MSE), the MSE over that image's pixels (summed in Double).
/// Identical images give +∞. Super-resolution papers report the mean of these over a test set.
///
/// Shapes: images and targets [N, …] (the same) → N values.
public func peakSignalToNoiseRatios(_ images: Tensor, _ targets: Tensor, peak: Double = 1) -> [Double] {
    precondition(
        images.shape == targets.shape && images.rank >= 1,
        "peakSignalToNoiseRatios: images \(images.shape) and targets \(targets.shape) must have one shape [N, …]")
    precondition(peak > 0, "peakSignalToNoiseRatios: peak must be positive, got \(peak)")
    let n = images.shape[0], size = n == 0 ? 0 : images.count / n
    let x = images.scalars, y = targets.scalars
    return (0..<n).map { i in
        var sum = 0.0
        for j in (i * size)..<((i + 1) * size) {
            let d = Double(x[j]) - Double(y[j])
            sum += d * d
        }
        return 10 * log10(peak * peak / (sum / Double(size)))
    }
}
