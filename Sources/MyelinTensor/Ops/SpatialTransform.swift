// The spatial transformer's two ops (Jaderberg et al. 2015), with PyTorch's semantics:
// `affineGrid` turns a batch of 2×3 affine matrices into sampling grids, and `gridSample` reads an
// image at a grid's points. Grid points are (x, y) in [-1, 1], -1 the left (top) edge and +1 the
// right (bottom) one; with `alignCorners` the extremes are the centres of the corner pixels,
// without it the outer edges of the corner pixels.
//
// `gridSample` reads each point from at most four pixels with weights that depend on the point
// alone, so it works a chunk of points at a time: the chunk's taps (pixel indices and weights) are
// computed once, then every channel plane is read through them with plain loops. The forward pass
// and the grid's gradient split the points over the thread pool (each point writes its own
// outputs); the input's gradient scatters into the input, so it splits channel planes instead.

/// How `gridSample` reads the input at a point between pixels.
public enum GridSampleMode: Sendable {
    /// A blend of the four surrounding pixels (PyTorch's `mode="bilinear"`).
    case bilinear
    /// The nearest pixel, halves rounded to even (PyTorch's `mode="nearest"`). The output is
    /// piecewise constant in the grid, so the grid's gradient is zero.
    case nearest
}

/// What `gridSample` reads outside the input.
public enum GridSamplePadding: Sendable {
    /// Zeros (PyTorch's `padding_mode="zeros"`).
    case zeros
    /// The nearest edge pixel: points are clamped into the image (`padding_mode="border"`), and the
    /// gradient of a clamped coordinate is zero.
    case border
}

/// Sampling grids for `gridSample` from affine matrices, as PyTorch's `F.affine_grid`: output
/// point (h, w) of image n is θₙ · (xw, yh, 1), where xw and yh run evenly over [-1, 1] (with
/// `alignCorners`) or over the pixel centres inside it (without).
///
/// Shapes: theta [N, 2, 3], size [N, C, H, W] → grid [N, H, W, 2] of (x, y).
public func affineGrid(theta: Tensor, size: [Int], alignCorners: Bool = false) -> Tensor {
    precondition(
        size.count == 4 && size.allSatisfy { $0 > 0 },
        "affineGrid: size must be a positive [N, C, H, W], got \(size) (theta shape \(theta.shape))")
    precondition(
        theta.shape == [size[0], 2, 3],
        "affineGrid: theta shape \(theta.shape) does not fit size \(size): expected [\(size[0]), 2, 3]")
    let batch = size[0], height = size[2], width = size[3], points = height * width
    let xs = normalizedCoordinates(width, alignCorners: alignCorners)
    let ys = normalizedCoordinates(height, alignCorners: alignCorners)
    let t = theta.denseData(for: "affineGrid")
    let grid = Tensor(empty: [batch, height, width, 2])
    let pt = UnsafePointer(t.floatPointer), pg = grid.storage.floats
    parallelFor(batch * height, grain: Swift.max(1, Elementwise.grain / (4 * width))) { begin, end in
        for row in begin..<end {
            let m = pt + 6 * (row / height), y = ys[row % height], out = pg + 2 * width * row
            for (w, x) in xs.enumerated() {
                out[2 * w] = m[0] * x + m[1] * y + m[2]
                out[2 * w + 1] = m[3] * x + m[4] * y + m[5]
            }
        }
    }
    return differentiable("affineGrid", [theta], result: grid) { g in
        // ∂θₙ[i][j] = Σ over points of g[n, h, w, i] · (xw, yh, 1)[j], summed in Double.
        let g = g.denseData(for: "affineGrid")
        let pg = UnsafePointer(g.floatPointer)
        let dTheta = Tensor(empty: [batch, 2, 3])
        let pd = dTheta.storage.floats
        parallelFor(batch, grain: Swift.max(1, Elementwise.grain / (8 * points))) { begin, end in
            for n in begin..<end {
                var sums = [Double](repeating: 0, count: 6)
                for h in 0..<height {
                    let y = Double(ys[h]), row = pg + 2 * (n * points + h * width)
                    for (w, x) in xs.enumerated() {
                        let gx = Double(row[2 * w]), gy = Double(row[2 * w + 1]), x = Double(x)
                        sums[0] += gx * x; sums[1] += gx * y; sums[2] += gx
                        sums[3] += gy * x; sums[4] += gy * y; sums[5] += gy
                    }
                }
                for i in 0..<6 { pd[6 * n + i] = Float(sums[i]) }
            }
        }
        return [dTheta]
    }
}

/// `count` evenly spaced coordinates over [-1, 1] (PyTorch's `linspace`, halves computed from
/// their own end), scaled by (count − 1)/count without `alignCorners`; [0] for a single one.
private func normalizedCoordinates(_ count: Int, alignCorners: Bool) -> [Float] {
    guard count > 1 else { return [0] }
    let step = Float(2) / Float(count - 1)
    return (0..<count).map { i in
        let value = i < count / 2 ? -1 + step * Float(i) : 1 - step * Float(count - 1 - i)
        return alignCorners ? value : value * Float(count - 1) / Float(count)
    }
}

/// Samples `input` at the points of `grid`, as PyTorch's `F.grid_sample`: output pixel (h, w) of
/// image n is input n read at grid[n, h, w] = (x, y), with x = -1 the left edge and y = -1 the top
/// (see `affineGrid`), every channel at the same point. Differentiable in both the input and the
/// grid (the grid's gradient is zero with `.nearest`).
///
/// Shapes: input [N, C, H, W], grid [N, OH, OW, 2] → [N, C, OH, OW].
public func gridSample(
    _ input: Tensor, grid: Tensor, mode: GridSampleMode = .bilinear, padding: GridSamplePadding = .zeros,
    alignCorners: Bool = false
) -> Tensor {
    precondition(
        input.rank == 4 && input.shape.allSatisfy { $0 > 0 },
        "gridSample: input must be a non-empty [N, C, H, W], got shape \(input.shape) (grid shape \(grid.shape))")
    precondition(
        grid.rank == 4 && grid.shape[0] == input.shape[0] && grid.shape[3] == 2,
        "gridSample: grid shape \(grid.shape) does not fit input shape \(input.shape): expected [\(input.shape[0]), OH, OW, 2]")
    let sampler = GridSampler(
        input: input.shape, outputHeight: grid.shape[1], outputWidth: grid.shape[2], mode: mode, padding: padding,
        alignCorners: alignCorners)
    let x = input.denseData(for: "gridSample"), points = grid.denseData(for: "gridSample")
    let y = Tensor(empty: [sampler.batch, sampler.channels, grid.shape[1], grid.shape[2]])
    sampler.sample(x.floatPointer, at: points.floatPointer, into: y.storage.floats)
    return differentiable("gridSample", [input, grid], result: y) { g in
        let g = g.denseData(for: "gridSample")
        var dInput: Tensor? = nil, dGrid: Tensor? = nil
        if input.requiresGrad {
            dInput = Tensor.zeros(input.shape)
            sampler.inputGradient(of: g.floatPointer, at: points.floatPointer, into: dInput!.storage.floats)
        }
        if grid.requiresGrad {
            dGrid = Tensor.zeros(grid.shape)
            if mode == .bilinear {
                sampler.gridGradient(of: g.floatPointer, input: x.floatPointer, at: points.floatPointer, into: dGrid!.storage.floats)
            }
        }
        return [dInput, dGrid]
    }
}

/// One axis of `gridSample`'s input: where a normalised coordinate lands in pixels, and how fast.
private struct SamplingAxis {
    let size: Int
    /// Pixels per unit of the normalised coordinate: the derivative of the unnormalisation.
    let scale: Float
    let alignCorners: Bool
    let border: Bool

    init(size: Int, alignCorners: Bool, padding: GridSamplePadding) {
        self.size = size
        self.alignCorners = alignCorners
        self.border = padding == .border
        scale = alignCorners ? Float(size - 1) / 2 : Float(size) / 2
    }

    /// The pixel coordinate of `g` and its derivative by `g`. PyTorch's CPU kernel computes
    /// (g + 1)·scale (− ½); border clamps into the image with a zero derivative on and past the
    /// edges (a NaN lands on the first pixel, as in PyTorch). With zeros, a coordinate far outside is
    /// held two pixels out, where it reads nothing all the same, so that it always converts to an
    /// Int; a NaN or infinite one stays, and the caller makes its bilinear weights NaN as PyTorch's are.
    @inline(__always) func source(_ g: Float) -> (coordinate: Float, slope: Float) {
        let unnormalized = alignCorners ? (g + 1) * scale : (g + 1) * scale - 0.5
        if border {
            if !(unnormalized > 0) { return (0, 0) }
            if unnormalized >= Float(size - 1) { return (Float(size - 1), 0) }
            return (unnormalized, scale)
        }
        if !unnormalized.isFinite { return (unnormalized, scale) }
        return (Swift.min(Swift.max(unnormalized, -2), Float(size + 1)), scale)
    }
}

/// The geometry of one `gridSample` call and its three loops: forward, input gradient, grid gradient.
private struct GridSampler {
    let batch: Int, channels: Int, inputHeight: Int, inputWidth: Int
    /// Grid points per image (OH · OW).
    let points: Int
    let mode: GridSampleMode
    let x: SamplingAxis, y: SamplingAxis
    /// Points whose taps are computed together, then read through by every channel.
    static let chunk = 256

    init(input shape: [Int], outputHeight: Int, outputWidth: Int, mode: GridSampleMode, padding: GridSamplePadding, alignCorners: Bool) {
        (batch, channels, inputHeight, inputWidth) = (shape[0], shape[1], shape[2], shape[3])
        points = outputHeight * outputWidth
        self.mode = mode
        x = SamplingAxis(size: inputWidth, alignCorners: alignCorners, padding: padding)
        y = SamplingAxis(size: inputHeight, alignCorners: alignCorners, padding: padding)
    }

    private var planeSize: Int { inputHeight * inputWidth }
    /// Taps per point: four pixels for bilinear, one for nearest.
    private var tapCount: Int { mode == .bilinear ? 4 : 1 }
    /// Grid points per slice of the thread pool, so that a slice reads about `Elementwise.grain` pixels.
    private var pointGrain: Int { Swift.max(Self.chunk, Elementwise.grain / Swift.max(1, tapCount * channels)) }

    /// The pixels a chunk's points read and their weights, tap-major: `index[k · chunk + j]` is
    /// point j's tap k (0 for a pixel outside the image, whose weight is 0). With slopes, also the
    /// derivatives of each tap's weight by the point's x and y pixel coordinates, and the
    /// coordinates' derivatives by the grid (bilinear only).
    private struct Taps {
        let index: UnsafeMutablePointer<Int>
        let weight: UnsafeMutablePointer<Float>
        let slopeX: UnsafeMutablePointer<Float>, slopeY: UnsafeMutablePointer<Float>
        let scaleX: UnsafeMutablePointer<Float>, scaleY: UnsafeMutablePointer<Float>
    }

    /// Runs `body` with scratch room for one chunk's taps (allocated once per thread-pool slice).
    private func withTaps(_ body: (Taps) -> Void) {
        let n = Self.chunk
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 4 * n) { index in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 14 * n) { floats in
                let f = floats.baseAddress!
                let taps = Taps(
                    index: index.baseAddress!, weight: f, slopeX: f + 4 * n, slopeY: f + 8 * n,
                    scaleX: f + 12 * n, scaleY: f + 13 * n)
                body(taps)
            }
        }
    }

    /// Fills `taps` for `count` points read from `grid` (x, y pairs).
    private func fill(_ taps: Taps, from grid: UnsafePointer<Float>, count: Int, slopes: Bool) {
        let n = Self.chunk
        for j in 0..<count {
            let (sx, dx) = x.source(grid[2 * j]), (sy, dy) = y.source(grid[2 * j + 1])
            if slopes {
                taps.scaleX[j] = dx
                taps.scaleY[j] = dy
            }
            guard sx.isFinite && sy.isFinite else {
                // A non-finite point: bilinear weights (x − ⌊x⌋ and the like) are NaN, nearest reads nothing.
                let weight: Float = mode == .bilinear ? .nan : 0
                for k in 0..<tapCount {
                    taps.index[k * n + j] = 0
                    taps.weight[k * n + j] = weight
                    if slopes { (taps.slopeX[k * n + j], taps.slopeY[k * n + j]) = (weight, weight) }
                }
                continue
            }
            switch mode {
            case .nearest:
                let ix = Int(sx.rounded(.toNearestOrEven)), iy = Int(sy.rounded(.toNearestOrEven))
                let inside = ix >= 0 && ix < inputWidth && iy >= 0 && iy < inputHeight
                taps.index[j] = inside ? iy * inputWidth + ix : 0
                taps.weight[j] = inside ? 1 : 0
            case .bilinear:
                let left = sx.rounded(.down), top = sy.rounded(.down)
                let fx = sx - left, fy = sy - top
                let x0 = Int(left), y0 = Int(top)
                // Taps in PyTorch's order: north-west, north-east, south-west, south-east.
                for k in 0..<4 {
                    let east = k & 1 == 1, south = k >= 2
                    let cx = east ? x0 + 1 : x0, cy = south ? y0 + 1 : y0
                    let wx = east ? fx : 1 - fx, wy = south ? fy : 1 - fy
                    let inside: Float = cx >= 0 && cx < inputWidth && cy >= 0 && cy < inputHeight ? 1 : 0
                    taps.index[k * n + j] = inside == 1 ? cy * inputWidth + cx : 0
                    taps.weight[k * n + j] = inside * wx * wy
                    if slopes {
                        // ∂w/∂x and ∂w/∂y of the corner's weight, zero outside the image.
                        taps.slopeX[k * n + j] = inside * (east ? wy : -wy)
                        taps.slopeY[k * n + j] = inside * (south ? wx : -wx)
                    }
                }
            }
        }
    }

    /// Calls `body(image, firstPoint, count)` for the chunks of the flat point range [begin, end)
    /// over all images, a chunk never spanning two images.
    private func forEachChunk(_ begin: Int, _ end: Int, _ body: (Int, Int, Int) -> Void) {
        var q = begin
        while q < end {
            let image = q / points, first = q % points
            let count = Swift.min(Self.chunk, end - q, points - first)
            body(image, first, count)
            q += count
        }
    }

    /// output[n, c, p] = Σ over taps of weight · input[n, c, tap], chunk by chunk of points.
    func sample(_ input: UnsafePointer<Float>, at grid: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
        parallelFor(batch * points, grain: pointGrain) { begin, end in
            withTaps { taps in
                forEachChunk(begin, end) { n, first, count in
                    fill(taps, from: grid + 2 * (n * points + first), count: count, slopes: false)
                    for c in 0..<channels {
                        let source = input + (n * channels + c) * planeSize
                        let out = output + (n * channels + c) * points + first
                        read(source, through: taps, count: count, into: out)
                    }
                }
            }
        }
    }

    @inline(__always) private func read(
        _ source: UnsafePointer<Float>, through taps: Taps, count: Int, into out: UnsafeMutablePointer<Float>
    ) {
        let n = Self.chunk, i = taps.index, w = taps.weight
        switch mode {
        case .nearest:
            for j in 0..<count { out[j] = w[j] * source[i[j]] }
        case .bilinear:
            for j in 0..<count {
                out[j] =
                    w[j] * source[i[j]] + w[n + j] * source[i[n + j]] + w[2 * n + j] * source[i[2 * n + j]]
                    + w[3 * n + j] * source[i[3 * n + j]]
            }
        }
    }

    /// dInput[n, c, tap] += weight · g[n, c, p], the transpose of `sample`. Several points may
    /// read one pixel, so the thread pool splits channel planes; a slice computes each chunk's taps
    /// once for all its planes of that image.
    func inputGradient(of g: UnsafePointer<Float>, at grid: UnsafePointer<Float>, into dInput: UnsafeMutablePointer<Float>) {
        let planeGrain = Swift.max(1, Elementwise.grain / Swift.max(1, tapCount * points))
        parallelFor(batch * channels, grain: planeGrain) { begin, end in
            withTaps { taps in
                var firstPlane = begin
                while firstPlane < end {
                    let n = firstPlane / channels, planes = firstPlane..<Swift.min(end, (n + 1) * channels)
                    forEachChunk(n * points, (n + 1) * points) { _, first, count in
                        fill(taps, from: grid + 2 * (n * points + first), count: count, slopes: false)
                        for p in planes {
                            scatter(g + p * points + first, through: taps, count: count, into: dInput + p * planeSize)
                        }
                    }
                    firstPlane = planes.upperBound
                }
            }
        }
    }

    @inline(__always) private func scatter(
        _ g: UnsafePointer<Float>, through taps: Taps, count: Int, into target: UnsafeMutablePointer<Float>
    ) {
        let n = Self.chunk, i = taps.index, w = taps.weight
        for k in 0..<tapCount {
            for j in 0..<count { target[i[k * n + j]] += w[k * n + j] * g[j] }
        }
    }

    /// dGrid[n, p] = (∂x/∂gx · Σ_c g · Σ_taps ∂w/∂x · input, the same for y): bilinear only.
    func gridGradient(
        of g: UnsafePointer<Float>, input: UnsafePointer<Float>, at grid: UnsafePointer<Float>,
        into dGrid: UnsafeMutablePointer<Float>
    ) {
        parallelFor(batch * points, grain: pointGrain) { begin, end in
            withTaps { taps in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * Self.chunk) { sums in
                    let sumX = sums.baseAddress!, sumY = sumX + Self.chunk
                    forEachChunk(begin, end) { n, first, count in
                        fill(taps, from: grid + 2 * (n * points + first), count: count, slopes: true)
                        sumX.update(repeating: 0, count: count)
                        sumY.update(repeating: 0, count: count)
                        for c in 0..<channels {
                            let source = input + (n * channels + c) * planeSize
                            accumulateSlopes(source, g + (n * channels + c) * points + first, through: taps, count: count, sumX, sumY)
                        }
                        let out = dGrid + 2 * (n * points + first)
                        for j in 0..<count {
                            out[2 * j] = taps.scaleX[j] * sumX[j]
                            out[2 * j + 1] = taps.scaleY[j] * sumY[j]
                        }
                    }
                }
            }
        }
    }

    @inline(__always) private func accumulateSlopes(
        _ source: UnsafePointer<Float>, _ g: UnsafePointer<Float>, through taps: Taps, count: Int,
        _ sumX: UnsafeMutablePointer<Float>, _ sumY: UnsafeMutablePointer<Float>
    ) {
        let n = Self.chunk, i = taps.index, sx = taps.slopeX, sy = taps.slopeY
        for j in 0..<count {
            let v0 = source[i[j]], v1 = source[i[n + j]], v2 = source[i[2 * n + j]], v3 = source[i[3 * n + j]]
            sumX[j] += g[j] * (sx[j] * v0 + sx[n + j] * v1 + sx[2 * n + j] * v2 + sx[3 * n + j] * v3)
            sumY[j] += g[j] * (sy[j] * v0 + sy[n + j] * v1 + sy[2 * n + j] * v2 + sy[3 * n + j] * v3)
        }
    }
}
