import MyelinTensor

/// An elastic distortion's displacement of every pixel of a `height` × `width` image (Simard et
/// al. 2003): uniform draws in [−1, 1] per pixel and axis, smoothed by a Gaussian of `sigma` pixels
/// (edges clamped) and scaled by `alpha`. `resample` moves the image by it with bilinear
/// interpolation, reading 0 outside the image.
struct DisplacementField {
    let height: Int, width: Int
    /// Row and column displacement of each output pixel, row-major.
    private(set) var dy: [Float], dx: [Float]

    /// Draws the field from `generator`: every row displacement, then every column displacement.
    init(height: Int, width: Int, alpha: Float, sigma: Float, generator: RandomGenerator) {
        self.height = height
        self.width = width
        let count = height * width
        let kernel = GaussianSmoothing.kernel(sigma: sigma)
        dy = GaussianSmoothing.smoothed((0..<count).map { _ in generator.uniform(-1, 1) }, height, width, kernel).map { $0 * alpha }
        dx = GaussianSmoothing.smoothed((0..<count).map { _ in generator.uniform(-1, 1) }, height, width, kernel).map { $0 * alpha }
    }

    /// Writes the plane `source` moved by the field into `output` (both `height` × `width`).
    func resample(from source: UnsafePointer<Float>, to output: UnsafeMutablePointer<Float>) {
        func pixel(_ row: Int, _ column: Int) -> Float {
            row >= 0 && row < height && column >= 0 && column < width ? source[row * width + column] : 0
        }
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                let sy = Float(y) + dy[i], sx = Float(x) + dx[i]
                let y0 = Int(sy.rounded(.down)), x0 = Int(sx.rounded(.down))
                let fy = sy - Float(y0), fx = sx - Float(x0)
                let top = pixel(y0, x0) + fx * (pixel(y0, x0 + 1) - pixel(y0, x0))
                let bottom = pixel(y0 + 1, x0) + fx * (pixel(y0 + 1, x0 + 1) - pixel(y0 + 1, x0))
                output[i] = top + fy * (bottom - top)
            }
        }
    }
}
