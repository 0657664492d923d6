// Upsampling of the last two dimensions of an [N, C, H, W] tensor, with PyTorch's index
// formulas, each mode with its derivative.
//
// Both modes are a fixed linear map from input pixels to output pixels, precomputed per output
// row and column: nearest copies one source pixel, bilinear blends four. The backward is the
// transpose of that map: each output pixel's gradient goes back to the pixels it was read from.
// Planes (n, c) are independent, so they are split over the thread pool, forward and backward.

/// How `upsampled` computes an output pixel from the input.
public enum UpsamplingMode: Sendable {
    /// The nearest source pixel (PyTorch's `mode="nearest"`).
    case nearest
    /// Linear interpolation along both axes between the four surrounding source pixels, with
    /// pixel centres aligned (PyTorch's `mode="bilinear", align_corners=False`).
    case bilinear
}

extension Tensor {
    /// Upsamples the last two dimensions by `scaleFactor`: output size ⌊size · scaleFactor⌋, and
    /// the source of output index i is read at i / scaleFactor, as in PyTorch's `interpolate`.
    ///
    /// Shapes: [N, C, H, W] → [N, C, ⌊H·s⌋, ⌊W·s⌋].
    public func upsampled(scaleFactor: Double, mode: UpsamplingMode = .nearest) -> Tensor {
        upsampled(scaleFactors: (scaleFactor, scaleFactor), mode: mode)
    }

    /// Upsamples with separate height and width factors (see `upsampled(scaleFactor:mode:)`).
    public func upsampled(scaleFactors: (height: Double, width: Double), mode: UpsamplingMode = .nearest) -> Tensor {
        precondition(rank == 4, "upsample: needs a 4-D input [N, C, H, W], got shape \(shape)")
        precondition(
            scaleFactors.height > 0 && scaleFactors.width > 0,
            "upsample: scale factors (\(scaleFactors.height), \(scaleFactors.width)) must be positive")
        let height = Int((Double(shape[2]) * scaleFactors.height).rounded(.down))
        let width = Int((Double(shape[3]) * scaleFactors.width).rounded(.down))
        // PyTorch reads the source at index·(1/scale), the reciprocal taken in double.
        return resampled(
            height: height, width: width, mode: mode,
            steps: (Float(1 / scaleFactors.height), Float(1 / scaleFactors.width)))
    }

    /// Upsamples (or downsamples) the last two dimensions to `size`; the source of output index i
    /// is read at i · input size / output size.
    ///
    /// Shapes: [N, C, H, W] → [N, C, size.height, size.width].
    public func upsampled(size: (height: Int, width: Int), mode: UpsamplingMode = .nearest) -> Tensor {
        precondition(rank == 4, "upsample: needs a 4-D input [N, C, H, W], got shape \(shape)")
        let steps = (Float(shape[2]) / Float(Swift.max(size.height, 1)), Float(shape[3]) / Float(Swift.max(size.width, 1)))
        return resampled(height: size.height, width: size.width, mode: mode, steps: steps)
    }

    private func resampled(height: Int, width: Int, mode: UpsamplingMode, steps: (Float, Float)) -> Tensor {
        precondition(dtype == .float32, "upsample: needs a float32 tensor, got \(dtype)")
        precondition(
            height > 0 && width > 0 && shape[2] > 0 && shape[3] > 0,
            "upsample: input and output sizes must be positive, got input shape \(shape) and output size (\(height), \(width))")
        let planes = shape[0] * shape[1], inH = shape[2], inW = shape[3]
        let rows = Interpolation(mode, input: inH, output: height, step: steps.0)
        let columns = Interpolation(mode, input: inW, output: width, step: steps.1)
        let x = isContiguous ? detached() : contiguousCopy()
        let px = UnsafePointer(x.floatPointer)
        let y = Tensor(empty: [shape[0], shape[1], height, width])
        let py = y.storage.floats
        let inPlane = inH * inW, outPlane = height * width
        parallelFor(planes, grain: Swift.max(1, Elementwise.grain / outPlane)) { begin, end in
            for p in begin..<end {
                rows.forward(columns, from: px + p * inPlane, inW, into: py + p * outPlane)
            }
        }
        let inputShape = shape
        return differentiable("upsample", [self], result: y) { g in
            let g = g.isContiguous ? g : g.contiguousCopy()
            let pg = UnsafePointer(g.floatPointer)
            let dx = Tensor.zeros(inputShape)
            let pd = dx.storage.floats
            parallelFor(planes, grain: Swift.max(1, Elementwise.grain / outPlane)) { begin, end in
                for p in begin..<end {
                    rows.backward(columns, from: pg + p * outPlane, into: pd + p * inPlane, inW)
                }
            }
            return [dx]
        }
    }
}

/// Where each output index along one axis reads the input: one source index (nearest), or two
/// with weights (linear).
private struct Interpolation {
    let mode: UpsamplingMode
    var first: [Int], second: [Int]
    var firstWeight: [Float], secondWeight: [Float]

    init(_ mode: UpsamplingMode, input: Int, output: Int, step: Float) {
        self.mode = mode
        first = []; second = []; firstWeight = []; secondWeight = []
        switch mode {
        case .nearest:
            // PyTorch's nearest_idx, its shortcuts for equal and doubled sizes included.
            first = (0..<output).map { i in
                if output == input { return i }
                if output == 2 * input { return i >> 1 }
                return Swift.min(Int((Float(i) * step).rounded(.down)), input - 1)
            }
        case .bilinear:
            // area_pixel_compute_source_index (align_corners = false), clamped at 0.
            for i in 0..<output {
                let source = Swift.max(step * (Float(i) + 0.5) - 0.5, 0)
                let i0 = Swift.min(Int(source.rounded(.down)), input - 1)
                let lambda = Swift.min(Swift.max(source - Float(i0), 0), 1)
                first.append(i0)
                second.append(i0 < input - 1 ? i0 + 1 : i0)
                firstWeight.append(1 - lambda)
                secondWeight.append(lambda)
            }
        }
    }

    /// Fills one output plane from one input plane (`self` along rows, `columns` along columns).
    func forward(
        _ columns: Interpolation, from x: UnsafePointer<Float>, _ inW: Int,
        into y: UnsafeMutablePointer<Float>
    ) {
        let width = columns.first.count
        columns.first.withUnsafeBufferPointer { c0 in
            columns.second.withUnsafeBufferPointer { c1 in
                columns.firstWeight.withUnsafeBufferPointer { w0 in
                    columns.secondWeight.withUnsafeBufferPointer { w1 in
                        for oy in first.indices {
                            let out = y + oy * width
                            switch mode {
                            case .nearest:
                                let row = x + first[oy] * inW
                                for ox in 0..<width { out[ox] = row[c0[ox]] }
                            case .bilinear:
                                let top = x + first[oy] * inW, bottom = x + second[oy] * inW
                                let h0 = firstWeight[oy], h1 = secondWeight[oy]
                                for ox in 0..<width {
                                    let a = c0[ox], b = c1[ox]
                                    out[ox] = h0 * (w0[ox] * top[a] + w1[ox] * top[b]) + h1 * (w0[ox] * bottom[a] + w1[ox] * bottom[b])
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds one output plane's gradient into the (zeroed) input plane's, each output pixel's
    /// share going to the pixels it was read from.
    func backward(
        _ columns: Interpolation, from g: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
        _ inW: Int
    ) {
        let width = columns.first.count
        columns.first.withUnsafeBufferPointer { c0 in
            columns.second.withUnsafeBufferPointer { c1 in
                columns.firstWeight.withUnsafeBufferPointer { w0 in
                    columns.secondWeight.withUnsafeBufferPointer { w1 in
                        for oy in first.indices {
                            let gRow = g + oy * width
                            switch mode {
                            case .nearest:
                                let row = dx + first[oy] * inW
                                for ox in 0..<width { row[c0[ox]] += gRow[ox] }
                            case .bilinear:
                                let top = dx + first[oy] * inW, bottom = dx + second[oy] * inW
                                let h0 = firstWeight[oy], h1 = secondWeight[oy]
                                for ox in 0..<width {
                                    let a = c0[ox], b = c1[ox], gv = gRow[ox]
                                    top[a] += h0 * w0[ox] * gv
                                    top[b] += h0 * w1[ox] * gv
                                    bottom[a] += h1 * w0[ox] * gv
                                    bottom[b] += h1 * w1[ox] * gv
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
