import MyelinTensor

/// Local contrast normalisation (Jarrett, Kavukcuoglu, Ranzato and LeCun 2009; the "tricks of the
/// trade" slide): every pixel minus the Gaussian-weighted mean of its neighbourhood, divided by the
/// neighbourhood's standard deviation — but by no less than `floor`, so that flat regions are not
/// blown up into noise. Fitting sets `floor` to the mean local deviation over the training images,
/// as they did. Each channel of each image is normalised on its own.
///
/// It has no inverse: it discards each neighbourhood's brightness and contrast.
///
/// ```swift
/// let lcn = LocalContrastNormalization(fitting: trainImages, sigma: 2)   // [N, C, H, W]
/// let normalised = lcn.applied(to: testImages)
/// ```
public struct LocalContrastNormalization: Codable, Equatable, Sendable {
    /// The neighbourhood's Gaussian, in pixels.
    public let sigma: Float
    /// The smallest deviation divided by.
    public let floor: Float

    public init(sigma: Float, floor: Float) {
        precondition(sigma > 0 && sigma.isFinite, "LocalContrastNormalization: sigma must be positive, got \(sigma)")
        precondition(floor > 0 && floor.isFinite, "LocalContrastNormalization: floor must be positive, got \(floor)")
        (self.sigma, self.floor) = (sigma, floor)
    }

    /// Fits `floor` on `images` [N, C, H, W]: the mean local standard deviation over every pixel.
    public init(fitting images: Tensor, sigma: Float = 2) {
        let deviations = Self.planes(images, sigma: sigma).flatMap(\.deviation)
        let mean = deviations.reduce(0, +) / Float(max(deviations.count, 1))
        self.init(sigma: sigma, floor: max(mean, Float.leastNormalMagnitude))
    }

    /// `images` [N, C, H, W] normalised (a new tensor of the same shape).
    public func applied(to images: Tensor) -> Tensor {
        let planes = Self.planes(images, sigma: sigma)
        var values: [Float] = []
        values.reserveCapacity(images.count)
        for plane in planes {
            for (centred, deviation) in zip(plane.centred, plane.deviation) { values.append(centred / Swift.max(deviation, floor)) }
        }
        return Tensor(shape: images.shape, scalars: values)
    }

    /// Each plane of `images`, centred by its local means, with its local standard deviations.
    private static func planes(_ images: Tensor, sigma: Float) -> [(centred: [Float], deviation: [Float])] {
        precondition(images.rank == 4, "LocalContrastNormalization: needs images [N, C, H, W], got shape \(images.shape)")
        let (h, w) = (images.shape[2], images.shape[3])
        let kernel = GaussianSmoothing.kernel(sigma: sigma)
        let all = images.scalars
        return stride(from: 0, to: all.count, by: h * w).map { start in
            let plane = Array(all[start..<(start + h * w)])
            let mean = GaussianSmoothing.smoothed(plane, h, w, kernel)
            let centred = zip(plane, mean).map { $0 - $1 }
            let variance = GaussianSmoothing.smoothed(centred.map { $0 * $0 }, h, w, kernel)
            return (centred, variance.map { $0.squareRoot() })
        }
    }
}
