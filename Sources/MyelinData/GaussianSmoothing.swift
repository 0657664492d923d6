import Foundation

/// Gaussian smoothing of one image plane, separable, edges clamped: what an elastic distortion's
/// field and local contrast normalisation's neighbourhoods are made with.
enum GaussianSmoothing {
    /// The normalised Gaussian of `sigma`, out to 3σ on each side.
    static func kernel(sigma: Float) -> [Float] {
        let radius = Int((3 * sigma).rounded(.up))
        let spread = 2 * sigma * sigma
        let weights: [Float] = (-radius...radius).map { offset in
            let squared = Float(offset * offset)
            return Float(Foundation.exp(Double(-squared / spread)))
        }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }

    /// `values` (a `height` × `width` plane) convolved with `kernel` along rows, then columns,
    /// clamping at the edges.
    static func smoothed(_ values: [Float], _ height: Int, _ width: Int, _ kernel: [Float]) -> [Float] {
        let radius = kernel.count / 2
        var rows = [Float](repeating: 0, count: values.count), result = rows
        for y in 0..<height {
            for x in 0..<width {
                var sum: Float = 0
                for (k, weight) in kernel.enumerated() { sum += weight * values[y * width + min(max(x + k - radius, 0), width - 1)] }
                rows[y * width + x] = sum
            }
        }
        for y in 0..<height {
            for x in 0..<width {
                var sum: Float = 0
                for (k, weight) in kernel.enumerated() { sum += weight * rows[min(max(y + k - radius, 0), height - 1) * width + x] }
                result[y * width + x] = sum
            }
        }
        return result
    }

}
