import CMyelinKernels

/// The feed-forward network of a transformer block, fc2(GELU(fc1(x))), as one op:
/// y = GELU(x·W₁ᵀ + b₁)·W₂ᵀ + b₂, with the exact (erf) GELU.
///
/// It gives the same values and gradients, bit for bit, as `linear`, `gelu` and `linear` one after
/// another. The difference is in the backward pass: the gradient through GELU, fc2's input
/// gradient times GELU's slope, is multiplied in the epilogue of the GEMM that produces it
/// (`myelin_sgemm_times`) instead of in a pass of its own over the [tokens, hidden] activations.
/// That pass had taken 1.3 % of the char transformer's (W6) samples on the AVX2 path.
///
/// Shapes: x [..., in], weight1 [hidden, in], bias1 [hidden] (or nil), weight2 [out, hidden],
/// bias2 [out] (or nil) → [..., out].
public func feedForward(
    _ x: Tensor, weight1: Tensor, bias1: Tensor?, weight2: Tensor, bias2: Tensor?
) -> Tensor {
    precondition(
        weight1.rank == 2 && weight2.rank == 2 && weight2.shape[1] == weight1.shape[0],
        "feedForward: weight shapes \(weight1.shape) and \(weight2.shape) are not [hidden, in] and [out, hidden]")
    let (inFeatures, hiddenFeatures, outFeatures) = (weight1.shape[1], weight1.shape[0], weight2.shape[0])
    precondition(
        x.rank >= 1 && x.shape.last == inFeatures,
        "feedForward: input shape \(x.shape) does not end in \(inFeatures) (weight1 shape \(weight1.shape))")
    for (bias, size, name) in [(bias1, hiddenFeatures, "bias1"), (bias2, outFeatures, "bias2")] {
        if let bias {
            precondition(bias.shape == [size], "feedForward: \(name) shape \(bias.shape) is not [\(size)]")
        }
    }
    precondition(
        [x, weight1, weight2].allSatisfy { $0.dtype == .float32 },
        "feedForward: needs float32 tensors, got \(x.dtype), \(weight1.dtype) and \(weight2.dtype)")
    let x2 = x.rank == 2 ? x : x.reshaped([-1, inFeatures])
    let rows = x2.shape[0]
    // The kernel reads the biases as dense vectors; their gradients still go to the biases themselves.
    func dense(_ bias: Tensor?) -> Tensor? { bias.map { $0.isContiguous ? $0 : $0.contiguousCopy() } }
    let (dense1, dense2) = (dense(bias1), dense(bias2))
    let (w1T, w2T) = (weight1.detached().T, weight2.detached().T)

    let preActivation = Tensor(empty: [rows, hiddenFeatures])
    gemm(x2, w1T, aOffset: x2.offset, bOffset: w1T.offset, into: preActivation.storage.floats, bias: dense1)
    let hidden = Tensor(empty: [rows, hiddenFeatures])
    let inputs = [x2, weight1, bias1, weight2, bias2]
    let records = GradMode.records(inputs)
    // GELU's slope Φ(z) + z·φ(z) shares the forward pass's exp (Φ's and φ's); the backward pass
    // needs it and not z.
    let slope = records ? Tensor(empty: [rows, hiddenFeatures]) : nil
    if let slope {
        myelin_vgelu_with_slope(
            preActivation.floatPointer, hidden.storage.floats, slope.storage.floats, Int64(rows * hiddenFeatures))
    } else {
        myelin_vgelu(preActivation.floatPointer, hidden.storage.floats, Int64(rows * hiddenFeatures))
    }
    let y = Tensor(empty: [rows, outFeatures])
    gemm(hidden, w2T, aOffset: 0, bOffset: w2T.offset, into: y.storage.floats, bias: dense2)

    let result = differentiable("feedForward", inputs, result: y) { g in
        let firstLayer = x2.requiresGrad || weight1.requiresGrad || bias1?.requiresGrad == true
        // dL/d(pre-activation) = (g·W₂) ⊙ slope, in one GEMM.
        let gz = firstLayer ? Tensor(empty: [rows, hiddenFeatures]) : nil
        if let gz, let slope {
            let w2 = weight2.detached()
            gemm(g, w2, aOffset: g.offset, bOffset: w2.offset, into: gz.storage.floats, times: slope)
        }
        let (weight2Gradient, bias2Gradient) = weightAndBiasGradients(
            g, hidden, weight: weight2.requiresGrad, bias: bias2?.requiresGrad == true)
        let (weight1Gradient, bias1Gradient) =
            firstLayer
            ? weightAndBiasGradients(gz!, x2.detached(), weight: weight1.requiresGrad, bias: bias1?.requiresGrad == true)
            : (nil, nil)
        return [
            x2.requiresGrad ? matmul(gz!, weight1.detached()) : nil, weight1Gradient, bias1Gradient, weight2Gradient,
            bias2Gradient,
        ]
    }
    return x.rank == 2 ? result : result.reshaped(Array(x.shape.dropLast()) + [outFeatures])
}
