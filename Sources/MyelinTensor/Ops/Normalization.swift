import CMyelinKernels

// Batch normalisation with its fused backward, and a ReLU fused into both.
//
// The input is read as [N, C, S] (S = the product of the dimensions after the channel, 1 for
// [N, C]): channel c owns N runs of S contiguous elements, or, when S = 1, one column of an [N, C]
// matrix. Each pass is one of CMyelinKernels' channel passes, on the CPU's vector path: sums run in
// vector lanes over chunks and are combined in Double, and the variance takes a second pass over
// the centred values, so a large mean cannot cancel it away.

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
/// `activation` is applied in the same pass over the output (ResNet's `relu(bn(conv(x)))`), and
/// its gradient in the same passes of the backward.
///
/// Shapes: input [N, C], [N, C, L] or [N, C, H, W] (any rank ≥ 2) → the same; runningMean,
/// runningVariance, weight, bias [C].
public func batchNorm(
    _ input: Tensor, runningMean: Tensor?, runningVariance: Tensor?,
    weight: Tensor? = nil, bias: Tensor? = nil, training: Bool,
    momentum: Float = 0.1, epsilon: Float = 1e-5, sumAcrossProcesses: (([Double]) -> [Double])? = nil,
    activation: FusedActivation = .none
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
    let gamma = weight?.scalars ?? [Float](repeating: 1, count: c)
    let beta = bias?.scalars ?? [Float](repeating: 0, count: c)
    let y = Tensor(empty: input.shape)
    let mean: [Float], invStd: [Float]
    if training {
        let squares: [Double]
        if let synchronize {
            // The passes one at a time, the sums crossing processes between them; the count travels
            // with the first sums: one exchange for both.
            let summed = synchronize(layout.sums(px) + [Double(m)])
            total = Int(summed[c])
            mean = summed[..<c].map { Float($0 / Double(total)) }
            squares = synchronize(layout.squaredDeviations(px, mean))
            invStd = squares.map { 1 / ((Float($0 / Double(total)) + epsilon).squareRoot()) }
        } else {
            // Statistics and output in one kernel, each channel while it is in cache.
            (mean, invStd, squares) = layout.normalize(
                px, weight: gamma, bias: beta, epsilon: epsilon, activation: activation, into: y.storage.floats)
        }
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
    let scale = (0..<c).map { gamma[$0] * invStd[$0] }
    if !training || synchronize != nil {
        // y = γ·σ⁻¹·(x − μ) + β, then the activation
        layout.combine(px, minus: mean, times: scale, plus: beta, activation: activation, into: y.storage.floats)
    }
    let reluOutput = activation == .relu ? y.detached() : nil

    return differentiable("batchNorm", [input, weight, bias], result: y) { g in
        let g = g.isContiguous ? g : g.contiguousCopy()
        // The closure holds `x` itself (not only its pointer): a contiguous copy lives as long as the graph.
        let pg = UnsafePointer(g.floatPointer), px = UnsafePointer(x.floatPointer)
        // With a fused ReLU, g' (g where the output is positive) stands for g.
        let pr = reluOutput.map { UnsafePointer($0.floatPointer) }
        let parameterSums = weight?.requiresGrad == true || bias?.requiresGrad == true
        // Training: dx = γσ⁻¹·(g − mean(g) − x̂·mean(g·x̂)), the batch statistics depending on x.
        // Evaluation: dx = γσ⁻¹·g. Synchronised, the means are over every process's batch, whose
        // sums are exchanged first. dγ = Σg·x̂ = σ⁻¹·Σg·(x − μ) and dβ = Σg are each process's own.
        var batchSums: [Double]?
        var sums: (g: [Double], gd: [Double])?
        if input.requiresGrad, let synchronize {
            let (localG, localGD) = layout.gradientSums(pg, reluOutput: pr, px, mean)
            batchSums = synchronize(localG + localGD)
            sums = (localG, localGD)
        }
        let dx = input.requiresGrad ? Tensor(empty: input.shape) : nil
        let found = layout.backward(
            pg, reluOutput: pr, px, mean: mean, scale: scale, invStd: invStd, training: training, count: total,
            batchSums: batchSums, wantsSums: parameterSums && sums == nil, into: dx?.storage.floats)
        sums = sums ?? found
        let dGamma = weight?.requiresGrad == true ? Tensor((0..<c).map { Float(sums!.gd[$0]) * invStd[$0] }) : nil
        let dBeta = bias?.requiresGrad == true ? Tensor(sums!.g.map { Float($0) }) : nil
        return [dx, dGamma, dBeta]
    }
}

/// A contiguous [N, C, …] tensor seen as [N, C, S], with batch norm's per-channel passes
/// (CMyelinKernels' batch_norm.c).
private struct ChannelLayout {
    let n: Int, channels: Int, s: Int

    init(_ shape: [Int]) {
        n = shape[0]
        channels = shape[1]
        s = shape.dropFirst(2).reduce(1, *)
    }

    /// Training's forward in one kernel: the channels' mean, σ⁻¹ and Σ(x − μ)², and the output.
    func normalize(
        _ x: UnsafePointer<Float>, weight: [Float], bias: [Float], epsilon: Float, activation: FusedActivation,
        into out: UnsafeMutablePointer<Float>
    ) -> (mean: [Float], invStd: [Float], squares: [Double]) {
        var mean = [Float](repeating: 0, count: channels), invStd = mean
        var squares = [Double](repeating: 0, count: channels)
        myelin_batch_norm_training(
            Int64(n), Int64(channels), Int64(s), x, weight, bias, epsilon, activation.kernelValue, out, &mean, &invStd,
            &squares)
        return (mean, invStd, squares)
    }

    /// The backward in one kernel: the input gradient into `out` when given, and Σg' and Σg'·(x − μ)
    /// when `wantsSums`. `batchSums` (Σg' then Σg'·(x − μ), every process's) replace this batch's
    /// own in the input gradient.
    func backward(
        _ g: UnsafePointer<Float>, reluOutput: UnsafePointer<Float>?, _ x: UnsafePointer<Float>, mean: [Float],
        scale: [Float], invStd: [Float], training: Bool, count: Int, batchSums: [Double]?, wantsSums: Bool,
        into out: UnsafeMutablePointer<Float>?
    ) -> (g: [Double], gd: [Double])? {
        // Σg' then Σg'·(x − μ): the sums found here, or those given.
        var found = [Double](repeating: 0, count: 2 * channels)
        let given = batchSums ?? []
        found.withUnsafeMutableBufferPointer { found in
            given.withUnsafeBufferPointer { given in
                let batch = batchSums == nil ? nil : given.baseAddress
                let own = wantsSums ? found.baseAddress : nil
                myelin_batch_norm_backward(
                    Int64(n), Int64(channels), Int64(s), g, reluOutput, x, mean, scale, invStd, training ? 1 : 0,
                    Double(count), batch, batch.map { $0 + channels }, own, own.map { $0 + channels }, out)
            }
        }
        return wantsSums ? (Array(found[..<channels]), Array(found[channels...])) : nil
    }

    /// Σx per channel.
    func sums(_ x: UnsafePointer<Float>) -> [Double] {
        [Double](unsafeUninitializedCapacity: channels) { buffer, count in
            myelin_channel_sums(Int64(n), Int64(channels), Int64(s), x, nil, buffer.baseAddress!)
            count = channels
        }
    }

    /// Σ(x − μ)² per channel.
    func squaredDeviations(_ x: UnsafePointer<Float>, _ mean: [Float]) -> [Double] {
        [Double](unsafeUninitializedCapacity: channels) { buffer, count in
            myelin_channel_sums(Int64(n), Int64(channels), Int64(s), x, mean, buffer.baseAddress!)
            count = channels
        }
    }

    /// Σg' and Σg'·(x − μ) per channel, g' being g masked by a fused ReLU's output when given.
    func gradientSums(
        _ g: UnsafePointer<Float>, reluOutput: UnsafePointer<Float>?, _ x: UnsafePointer<Float>, _ mean: [Float]
    ) -> ([Double], [Double]) {
        var sumG = [Double](repeating: 0, count: channels), sumGD = sumG
        sumG.withUnsafeMutableBufferPointer { sumG in
            sumGD.withUnsafeMutableBufferPointer { sumGD in
                myelin_channel_gradient_sums(
                    Int64(n), Int64(channels), Int64(s), g, reluOutput, x, mean, sumG.baseAddress!, sumGD.baseAddress!)
            }
        }
        return (sumG, sumGD)
    }

    /// out = a[c]·(x − μ[c]) + d[c] (+ b[c]·g' when `term` = (g, reluOutput, b) is given) over every
    /// element of channel c, then `activation`.
    func combine(
        _ x: UnsafePointer<Float>, minus mean: [Float], times a: [Float], plus d: [Float],
        adding term: (g: UnsafePointer<Float>, reluOutput: UnsafePointer<Float>?, b: [Float])? = nil,
        activation: FusedActivation = .none, into out: UnsafeMutablePointer<Float>
    ) {
        myelin_channel_affine(
            Int64(n), Int64(channels), Int64(s), x, mean, a, d, term?.g, term?.reluOutput, term?.b ?? [],
            activation.kernelValue, out)
    }
}
