import CMyelinKernels

// Layer normalisation as one recorded operation (kernel: CMyelinKernels/layer_norm.c): the forward
// pass saves each row's mean and 1/σ, the backward pass makes dx (with x's gradient so far added),
// dγ and dβ in one pass over the rows.

/// Normalises over the last `normalizedShape.count` dimensions of `x` — each such block to zero
/// mean and unit (biased) variance — then scales by `weight` (γ) and shifts by `bias` (β): PyTorch's
/// `F.layer_norm`.
///
/// Shapes: x [..., *normalizedShape] → the same; weight and bias `normalizedShape` (nil: 1 and 0).
public func layerNorm(
    _ x: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil,
    epsilon: Float = 1e-5
) -> Tensor {
    precondition(x.dtype == .float32, "layerNorm: needs a float32 input, got \(x.dtype)")
    precondition(
        !normalizedShape.isEmpty && x.rank >= normalizedShape.count
            && Array(x.shape.suffix(normalizedShape.count)) == normalizedShape,
        "layerNorm: input shape \(x.shape) does not end in the normalized shape \(normalizedShape)")
    for (name, t) in [("weight", weight), ("bias", bias)] {
        guard let t else { continue }
        precondition(
            t.shape == normalizedShape && t.dtype == .float32,
            "layerNorm: \(name) shape \(t.shape) does not match the normalized shape \(normalizedShape) (input shape \(x.shape))")
    }
    let cols = normalizedShape.reduce(1, *), rows = cols == 0 ? 0 : x.count / cols
    let dense = { (t: Tensor) in t.isContiguous ? t.detached() : t.contiguousCopy() }
    let input = dense(x), gamma = weight.map(dense), beta = bias.map(dense)
    let y = Tensor(empty: x.shape)
    let mean = Tensor(empty: [rows]), rstd = Tensor(empty: [rows])
    myelin_layer_norm_forward(
        Int64(rows), Int64(cols), input.floatPointer, gamma?.floatPointer, beta?.floatPointer,
        epsilon, y.storage.floats, mean.storage.floats, rstd.storage.floats)

    // dx adds the gradient x already has (a residual connection's, in a pre-LN transformer block)
    // as it is written.
    return differentiable("layerNorm", [x, weight, bias], result: y, addingCollectedTo: [0]) { g, collected in
        let g = dense(g), addend = collected[0].map(dense)
        let dx = x.requiresGrad ? Tensor(empty: x.shape) : nil
        let dWeight = weight?.requiresGrad == true ? Tensor(empty: normalizedShape) : nil
        let dBias = bias?.requiresGrad == true ? Tensor(empty: normalizedShape) : nil
        myelin_layer_norm_backward(
            Int64(rows), Int64(cols), input.floatPointer, gamma?.floatPointer,
            mean.storage.floats, rstd.storage.floats, g.floatPointer, dx?.storage.floats,
            addend?.floatPointer, dWeight?.storage.floats, dBias?.storage.floats)
        return [dx, dWeight, dBias]
    }
}

/// Layer normalisation over the last dimension of `x`, of size `features` (see
/// `layerNorm(_:normalizedShape:weight:bias:epsilon:)`).
public func layerNorm(
    _ x: Tensor, features: Int, weight: Tensor? = nil, bias: Tensor? = nil,
    epsilon: Float = 1e-5
) -> Tensor {
    layerNorm(x, normalizedShape: [features], weight: weight, bias: bias, epsilon: epsilon)
}
