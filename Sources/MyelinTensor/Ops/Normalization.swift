// Batch normalisation with its fused backward.
//
// The input is read as [N, C, S] (S = the product of the dimensions after the channel, 1 for
// [N, C]): channel c owns N runs of S contiguous elements, or, when S = 1, one column of an [N, C]
// matrix. Each pass is a loop over raw pointers with the channels split over the thread pool;
// sums run in SIMD registers over chunks and are combined in Double, and the variance takes a
// second pass over the centred values, so a large mean cannot cancel it away.

/// Normalises each channel of `input` to zero mean and unit variance, then scales it by `weight`
/// (γ) and shifts it by `bias` (β): PyTorch's `F.batch_norm`.
///
/// With `training`, the statistics are the batch's own (mean and biased variance over every axis
/// but 1), and `runningMean`/`runningVariance`, when given, are updated in place:
/// running = (1 − momentum)·running + momentum·batch, the variance with its unbiased estimate.
/// Without it, the running statistics are used, and both must be given.
///
/// `sumAcrossProcesses`, in training, makes the batch several processes' slices together
/// (synchronised batch norm, PyTorch's `SyncBatchNorm`): it must return the element-wise sum of the
/// array every process passes, and is called with the per-channel sums the statistics need (in
/// forward, and for the input's gradient in backward). The weight's and bias's gradients stay each
/// process's own, to be averaged with the other gradients.
///
/// Shapes: input [N, C], [N, C, L] or [N, C, H, W] (any rank ≥ 2) → the same; runningMean,
/// runningVariance, weight, bias [C].
public func batchNorm(
    _ input: Tensor, runningMean: Tensor?, runningVariance: Tensor?,
    weight: Tensor? = nil, bias: Tensor? = nil, training: Bool,
    momentum: Float = 0.1, epsilon: Float = 1e-5, sumAcrossProcesses: (([Double]) -> [Double])? = nil
) -> Tensor {
    precondition(input.rank >= 2, "batchNorm: needs an input of shape [N, C, …], got shape \(input.shape)")
    precondition(input.dtype == .float32, "batchNorm: needs a float32 input, got \(input.dtype)")
    let layout = ChannelLayout(input.shape)
    let c = layout.channels, m = layout.n * layout.s
    for (name, t) in [("weight", weight), ("bias", bias), ("runningMean", runningMean), ("runningVariance", runningVariance)] {
        guard let t else { continue }
        precondition(
            t.shape == [c] && t.dtype == .float32,
            "batchNorm: \(name) of shape \(t.shape) does not match the \(c) channels of input shape \(input.shape)")
    }
    precondition(
        (runningMean == nil) == (runningVariance == nil),
        "batchNorm: give both runningMean and runningVariance, or neither")
    precondition(training || runningMean != nil, "batchNorm: evaluation (training: false) needs the running statistics")
    precondition(
        !training || m > 1,
        "batchNorm: expected more than 1 value per channel when training, got input shape \(input.shape)")

    let x = input.isContiguous ? input.detached() : input.contiguousCopy()
    let px = UnsafePointer(x.floatPointer)
    // Synchronised: the sums (and the count, after them) are every process's together.
    let synchronize = training ? sumAcrossProcesses : nil
    var total = m
    let mean: [Float], invStd: [Float]
    if training {
        // The count travels with the sums: one exchange for both.
        var sums = layout.sums(px)
        if let synchronize {
            let summed = synchronize(sums + [Double(m)])
            sums = Array(summed[..<c])
            total = Int(summed[c])
        }
        mean = sums.map { Float($0 / Double(total)) }
        let local = layout.squaredDeviations(px, mean)
        let squares = synchronize.map { $0(local) } ?? local
        let variance = squares.map { Float($0 / Double(total)) }
        invStd = variance.map { 1 / (($0 + epsilon).squareRoot()) }
        if let runningMean, let runningVariance {
            precondition(
                runningMean.isContiguous && runningVariance.isContiguous,
                "batchNorm: the running statistics must be contiguous to be updated in place")
            let rm = runningMean.floatPointer, rv = runningVariance.floatPointer
            for k in 0..<c {
                let unbiased = Float(squares[k] / Double(total - 1))
                rm[k] = momentum * mean[k] + (1 - momentum) * rm[k]
                rv[k] = momentum * unbiased + (1 - momentum) * rv[k]
            }
        }
    } else {
        mean = runningMean!.scalars
        invStd = runningVariance!.scalars.map { 1 / (($0 + epsilon).squareRoot()) }
    }
    let gamma = weight?.scalars ?? [Float](repeating: 1, count: c)
    let beta = bias?.scalars ?? [Float](repeating: 0, count: c)

    // y = γ·σ⁻¹·(x − μ) + β
    let y = Tensor(empty: input.shape)
    let scale = (0..<c).map { gamma[$0] * invStd[$0] }
    layout.combine(px, minus: mean, times: scale, plus: beta, into: y.storage.floats)

    return differentiable("batchNorm", [input, weight, bias], result: y) { g in
        let g = g.isContiguous ? g : g.contiguousCopy()
        // The closure holds `x` itself (not only its pointer): a contiguous copy lives as long as the graph.
        let pg = UnsafePointer(g.floatPointer), px = UnsafePointer(x.floatPointer)
        let needsSums = training && input.requiresGrad || weight?.requiresGrad == true || bias?.requiresGrad == true
        // Σg and Σg·(x − μ) per channel; Σg·x̂ = σ⁻¹·Σg·(x − μ).
        let (sumG, sumGD) = needsSums ? layout.gradientSums(pg, px, mean) : ([], [])
        var dx: Tensor?
        if input.requiresGrad {
            // Training: dx = γσ⁻¹·(g − mean(g) − x̂·mean(g·x̂)), the batch statistics depending on x,
            // i.e. γσ⁻¹·g + slope·(x − μ) + offset. Evaluation: dx = γσ⁻¹·g. Synchronised, the
            // means are over every process's batch.
            let n = Double(total)
            let both = training ? synchronize.map { $0(sumG + sumGD) } ?? (sumG + sumGD) : []
            let (batchG, batchGD) = training ? (Array(both[..<c]), Array(both[c...])) : ([], [])
            let slope = (0..<c).map { training ? Float(-Double(scale[$0] * invStd[$0] * invStd[$0]) * batchGD[$0] / n) : 0 }
            let offset = (0..<c).map { training ? Float(-Double(scale[$0]) * batchG[$0] / n) : 0 }
            let out = Tensor(empty: input.shape)
            layout.combine(px, minus: mean, times: slope, plus: offset, adding: (pg, scale), into: out.storage.floats)
            dx = out
        }
        let dGamma = weight?.requiresGrad == true ? Tensor((0..<c).map { Float(sumGD[$0]) * invStd[$0] }) : nil
        let dBeta = bias?.requiresGrad == true ? Tensor(sumG.map { Float($0) }) : nil
        return [dx, dGamma, dBeta]
    }
}

/// A contiguous [N, C, …] tensor seen as [N, C, S], with the per-channel loops of batch norm.
private struct ChannelLayout {
    let n: Int, channels: Int, s: Int

    init(_ shape: [Int]) {
        n = shape[0]
        channels = shape[1]
        s = shape.dropFirst(2).reduce(1, *)
    }

    /// Elements per thread slice below which splitting costs more than it saves.
    private static let grain = 1 << 15
    /// Floats summed in registers before the total moves to Double.
    private static let chunk = 2048

    /// Channel slices for the thread pool: enough channels that each slice has real work.
    private func forEachChannelSlice(_ body: (Range<Int>) -> Void) {
        let perChannel = Swift.max(1, n * s)
        let grain = s == 1 ? Swift.max(16, Self.grain / perChannel) : Swift.max(1, Self.grain / perChannel)
        parallelFor(channels, grain: grain) { begin, end in body(begin..<end) }
    }

    /// Per-channel Σ over N runs of S (S > 1) of `run(pointer offset, length)`, chunked.
    @inline(__always)
    private func channelTotals(
        _ out: UnsafeMutablePointer<Double>, _ range: Range<Int>,
        _ run: (Int, Int, Int) -> Double
    ) {
        for c in range {
            var total = 0.0
            for i in 0..<n {
                let base = (i * channels + c) * s
                var j = 0
                while j < s {
                    let length = Swift.min(Self.chunk, s - j)
                    total += run(c, base + j, length)
                    j += length
                }
            }
            out[c] = total
        }
    }

    /// Σx per channel.
    func sums(_ x: UnsafePointer<Float>) -> [Double] {
        var totals = [Double](repeating: 0, count: channels)
        totals.withUnsafeMutableBufferPointer { buffer in
            let out = buffer.baseAddress!
            forEachChannelSlice { range in
                if s == 1 {
                    for i in 0..<n {
                        let row = x + i * channels
                        for c in range { out[c] += Double(row[c]) }
                    }
                } else {
                    channelTotals(out, range) { _, start, length in Double(SIMDSum.sum(x + start, length)) }
                }
            }
        }
        return totals
    }

    /// Σ(x − μ)² per channel.
    func squaredDeviations(_ x: UnsafePointer<Float>, _ mean: [Float]) -> [Double] {
        var totals = [Double](repeating: 0, count: channels)
        mean.withUnsafeBufferPointer { meanBuffer in
            totals.withUnsafeMutableBufferPointer { buffer in
                let out = buffer.baseAddress!, mu = meanBuffer.baseAddress!
                forEachChannelSlice { range in
                    if s == 1 {
                        for i in 0..<n {
                            let row = x + i * channels
                            for c in range {
                                let d = row[c] - mu[c]
                                out[c] += Double(d * d)
                            }
                        }
                    } else {
                        channelTotals(out, range) { c, start, length in
                            Double(SIMDSum.squaredDeviations(x + start, length, mu[c]))
                        }
                    }
                }
            }
        }
        return totals
    }

    /// Σg and Σg·(x − μ) per channel.
    func gradientSums(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ mean: [Float]) -> ([Double], [Double]) {
        var sumG = [Double](repeating: 0, count: channels)
        var sumGD = [Double](repeating: 0, count: channels)
        mean.withUnsafeBufferPointer { meanBuffer in
            sumG.withUnsafeMutableBufferPointer { gBuffer in
                sumGD.withUnsafeMutableBufferPointer { gdBuffer in
                    let outG = gBuffer.baseAddress!, outGD = gdBuffer.baseAddress!, mu = meanBuffer.baseAddress!
                    forEachChannelSlice { range in
                        if s == 1 {
                            for i in 0..<n {
                                let rowG = g + i * channels, rowX = x + i * channels
                                for c in range {
                                    outG[c] += Double(rowG[c])
                                    outGD[c] += Double(rowG[c] * (rowX[c] - mu[c]))
                                }
                            }
                        } else {
                            // Σg·(x − μ) is the second sum; Σg is added to outG as a side effect.
                            channelTotals(outGD, range) { c, start, length in
                                let (a, b) = SIMDSum.gradientSums(g + start, x + start, length, mu[c])
                                outG[c] += Double(a)
                                return Double(b)
                            }
                        }
                    }
                }
            }
        }
        return (sumG, sumGD)
    }

    /// out = a[c]·(x − μ[c]) + d[c] (+ b[c]·g when `term` = (g, b) is given) over every element
    /// of channel c.
    func combine(
        _ x: UnsafePointer<Float>, minus mean: [Float], times a: [Float], plus d: [Float],
        adding term: (g: UnsafePointer<Float>, b: [Float])? = nil, into out: UnsafeMutablePointer<Float>
    ) {
        let g = term?.g, b = term?.b ?? a  // b is not read without g
        mean.withUnsafeBufferPointer { mu in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    d.withUnsafeBufferPointer { d in
                        let mu = mu.baseAddress!, a = a.baseAddress!, b = b.baseAddress!, d = d.baseAddress!
                        if s == 1 {
                            // Rows of [N, C]: the inner loop runs along the channels.
                            parallelFor(n, grain: Swift.max(1, Self.grain / Swift.max(1, channels))) { begin, end in
                                for i in begin..<end {
                                    let o = i * channels, px = x + o, po = out + o
                                    if let g {
                                        let pg = g + o
                                        for c in 0..<channels { po[c] = a[c] * (px[c] - mu[c]) + b[c] * pg[c] + d[c] }
                                    } else {
                                        for c in 0..<channels { po[c] = a[c] * (px[c] - mu[c]) + d[c] }
                                    }
                                }
                            }
                            return
                        }
                        // Runs of S: one (n, c) pair per run, its coefficients hoisted out of the loop.
                        parallelFor(n * channels, grain: Swift.max(1, Self.grain / s)) { begin, end in
                            for r in begin..<end {
                                let c = r % channels, o = r * s
                                let ac = a[c], mc = mu[c], bc = b[c], dc = d[c], px = x + o, po = out + o
                                if let g {
                                    let pg = g + o
                                    for j in 0..<s { po[j] = ac * (px[j] - mc) + bc * pg[j] + dc }
                                } else {
                                    for j in 0..<s { po[j] = ac * (px[j] - mc) + dc }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Sums over contiguous runs in SIMD registers (the compiler will not reorder a scalar float sum
/// into vector lanes itself). Runs are short (≤ `ChannelLayout.chunk`), so float lanes suffice.
private enum SIMDSum {
    typealias V = SIMD8<Float>

    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V {
        UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
    }

    @inline(__always) static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var a0 = V(), a1 = V()
        var i = 0
        while i + 16 <= n {
            a0 += load(x, i)
            a1 += load(x, i + 8)
            i += 16
        }
        var total = (a0 + a1).sum()
        while i < n { total += x[i]; i += 1 }
        return total
    }

    @inline(__always) static func squaredDeviations(_ x: UnsafePointer<Float>, _ n: Int, _ mean: Float) -> Float {
        var a0 = V(), a1 = V()
        let m = V(repeating: mean)
        var i = 0
        while i + 16 <= n {
            let d0 = load(x, i) - m, d1 = load(x, i + 8) - m
            a0 += d0 * d0
            a1 += d1 * d1
            i += 16
        }
        var total = (a0 + a1).sum()
        while i < n {
            let d = x[i] - mean
            total += d * d
            i += 1
        }
        return total
    }

    /// (Σg, Σg·(x − mean)).
    @inline(__always) static func gradientSums(
        _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int,
        _ mean: Float
    ) -> (Float, Float) {
        var s0 = V(), s1 = V(), p0 = V(), p1 = V()
        let m = V(repeating: mean)
        var i = 0
        while i + 16 <= n {
            let g0 = load(g, i), g1 = load(g, i + 8)
            s0 += g0
            s1 += g1
            p0 += g0 * (load(x, i) - m)
            p1 += g1 * (load(x, i + 8) - m)
            i += 16
        }
        var sumG = (s0 + s1).sum(), sumGD = (p0 + p1).sum()
        while i < n {
            sumG += g[i]
            sumGD += g[i] * (x[i] - mean)
            i += 1
        }
        return (sumG, sumGD)
    }
}
