import CMyelinKernels

/// An activation that the GEMM epilogue applies while the output is still in registers.
public enum FusedActivation: Sendable {
    case none, relu

    var kernelValue: myelin_activation { self == .relu ? MYELIN_ACTIVATION_RELU : MYELIN_ACTIVATION_NONE }

    /// The gradient before the activation, from the gradient `g` after it and the output it produced.
    func backward(_ g: Tensor, output: Tensor) -> Tensor {
        self == .relu ? Elementwise.zip(g, output, "fused relu backward", ReLUGradient()) : g
    }
}

/// C = A·B (+ bias per column, then activation, then times each element of `times`, a contiguous
/// [m, n]) into a fresh or existing buffer, reading A and B through their strides so transposed
/// views cost nothing.
func gemm(
    _ a: Tensor, _ b: Tensor, aOffset: Int, bOffset: Int, into c: UnsafeMutablePointer<Float>,
    accumulate: Bool = false, bias: Tensor? = nil, activation: FusedActivation = .none, times: Tensor? = nil
) {
    let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
    let biasPointer = bias.map { UnsafePointer($0.floatPointer) }
    let timesPointer = times.map { UnsafePointer($0.floatPointer) }
    myelin_sgemm_times(
        Int64(m), Int64(n), Int64(k), 1,
        a.storage.floats + aOffset, Int64(a.strides[a.rank - 2]), Int64(a.strides[a.rank - 1]),
        b.storage.floats + bOffset, Int64(b.strides[b.rank - 2]), Int64(b.strides[b.rank - 1]),
        accumulate ? 1 : 0, c, Int64(n), biasPointer, activation.kernelValue, timesPointer, Int64(n))
}

/// aᵀ·b for a [k, m] and b [k, n]: a weight gradient, gradientsᵀ · inputs. The GEMM packs its
/// transposed operand; where b is the narrower, (bᵀ·a)ᵀ packs b instead, k·(m − n) floats fewer,
/// and then transposes the m × n result, a strided copy that costs several times a packed float.
/// So it is taken where k is large beside the result: the char transformer's fc1 (m = 512 outputs,
/// n = 128 inputs, k = 2,048 tokens) packs a quarter as much, but an MLP GAN's batch of 64 rows
/// against a 784 × 512 weight made its training steps 12 % slower.
func transposedProduct(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(
        a.rank == 2 && b.rank == 2 && a.shape[0] == b.shape[0],
        "transposedProduct: shapes \(a.shape) and \(b.shape) do not share their first dimension")
    guard swapsTransposedProduct(k: a.shape[0], m: a.shape[1], n: b.shape[1]) else { return matmul(a.T, b) }
    return swappedTransposedProduct(a, b, addingColumnSumsOfATo: nil)
}

/// Whether `transposedProduct` of a [k, m] and b [k, n] computes (bᵀ·a)ᵀ rather than aᵀ·b.
private func swapsTransposedProduct(k: Int, m: Int, n: Int) -> Bool { n < m && k * (m - n) > 4 * m * n }

/// (bᵀ·a)ᵀ for a [k, m] and b [k, n], both float32: one GEMM with a as its B, its n × m result
/// transposed back; with `sums` ([m]), a's column sums added into it by that GEMM.
private func swappedTransposedProduct(_ a: Tensor, _ b: Tensor, addingColumnSumsOfATo sums: Tensor?) -> Tensor {
    precondition(
        a.dtype == .float32 && b.dtype == .float32,
        "transposedProduct: needs float32 tensors, got \(a.dtype) and \(b.dtype)")
    let (k, m, n) = (a.shape[0], a.shape[1], b.shape[1])
    let swapped = Tensor(empty: [n, m])
    myelin_sgemm_summing_b(
        Int64(n), Int64(m), Int64(k), 1, b.floatPointer, Int64(b.strides[1]), Int64(b.strides[0]),
        a.floatPointer, Int64(a.strides[0]), Int64(a.strides[1]), 0, swapped.storage.floats, Int64(m),
        sums?.floatPointer)
    return swapped.T.contiguousCopy()
}

/// A layer's weight and bias gradients from the gradient of its output, gz [k, out], and its input
/// x [k, in]: gzᵀ·x (as `transposedProduct`) and gz's column sums, each nil where not wanted. Where
/// both are and the product is swapped, (xᵀ·gz)ᵀ, gz is the GEMM's B, and the GEMM sums its columns
/// in its own pass over gz (`myelin_sgemm_summing_b`: block by block, each while in cache, where
/// column chunks read gz in place). A separate `gz.sum(axis: 0)` had read gz from memory again: in
/// the char transformer (W6), whose qkv and fc1 products are swapped, the bias sums fell from 1.4 %
/// of its AVX2 samples to under 0.4, and the step ran 1.017× (twelve alternating pairs).
func weightAndBiasGradients(_ gz: Tensor, _ x: Tensor, weight: Bool, bias: Bool) -> (weight: Tensor?, bias: Tensor?) {
    guard weight && bias else { return (weight ? transposedProduct(gz, x) : nil, bias ? gz.sum(axis: 0) : nil) }
    precondition(
        gz.rank == 2 && x.rank == 2 && gz.shape[0] == x.shape[0],
        "weightAndBiasGradients: shapes \(gz.shape) and \(x.shape) do not share their first dimension")
    guard swapsTransposedProduct(k: gz.shape[0], m: gz.shape[1], n: x.shape[1]) else {
        return (transposedProduct(gz, x), gz.sum(axis: 0))
    }
    let sums = Tensor.zeros([gz.shape[1]])
    return (swappedTransposedProduct(gz, x, addingColumnSumsOfATo: sums), sums)
}

/// aᵀ·b for a [k, m] stored row- or column-major and b [k, n], as `transposedProduct` but never
/// swapped, and row r of a added into row `groups[r]` of `sums` (rows `sums.strides[0]` apart) in
/// the order of r, by the GEMM as it reads a: a recurrence's token-table gradient from W_hh's pass
/// over the gates' gradient. A plain result, outside the graph: it serves backward passes.
func transposedProduct(_ a: Tensor, _ b: Tensor, addingRowsTo sums: Tensor, groups: ArraySlice<Int>) -> Tensor {
    precondition(
        a.rank == 2 && b.rank == 2 && a.shape[0] == b.shape[0] && groups.count == a.shape[0] && sums.rank == 2
            && sums.shape[1] == a.shape[1],
        "transposedProduct(addingRowsTo:): shapes \(a.shape), \(b.shape) and sums \(sums.shape) do not fit \(groups.count) groups")
    precondition(
        (a.strides[1] == 1 || a.strides[0] == 1) && sums.strides[1] == 1,
        "transposedProduct(addingRowsTo:): neither rows nor columns dense (strides \(a.strides) and sums \(sums.strides))")
    precondition(
        groups.allSatisfy { (0..<sums.shape[0]).contains($0) },
        "transposedProduct(addingRowsTo:): a group is not a row of sums \(sums.shape)")
    let (k, m, n) = (a.shape[0], a.shape[1], b.shape[1])
    let c = Tensor(empty: [m, n])
    withInt64Indices(groups) { groups in
        myelin_sgemm_summing_a(
            Int64(m), Int64(n), Int64(k), 1, a.floatPointer, Int64(a.strides[1]), Int64(a.strides[0]), b.floatPointer,
            Int64(b.strides[0]), Int64(b.strides[1]), 0, c.storage.floats, Int64(n), groups,
            sums.floatPointer, Int64(sums.strides[0]))
    }
    return c
}

/// Matrix product. 2-D × 2-D gives [m, n]; with 3-D operands the leading (batch) dimension is
/// matched or broadcast ([b, m, k] × [k, n] → [b, m, n]); a 1-D operand is a row or column vector.
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.dtype == .float32 && b.dtype == .float32, "matmul: needs float32 tensors, got \(a.dtype) and \(b.dtype)")
    if a.rank == 1 && b.rank == 1 { return matmul(a.unsqueezed(axis: 0), b.unsqueezed(axis: 1)).reshaped([]) }
    if a.rank == 1 { return matmul(a.unsqueezed(axis: 0), b).squeezed(axis: -2) }
    if b.rank == 1 { return matmul(a, b.unsqueezed(axis: 1)).squeezed(axis: -1) }
    precondition(a.rank <= 3 && b.rank <= 3, "matmul: supports up to 3-D operands, got shapes \(a.shape) and \(b.shape)")
    let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
    precondition(
        b.shape[b.rank - 2] == k, "matmul: shapes \(a.shape) and \(b.shape) do not match (inner sizes \(k) and \(b.shape[b.rank - 2]))")
    let batchA = a.rank == 3 ? a.shape[0] : 1, batchB = b.rank == 3 ? b.shape[0] : 1
    precondition(
        batchA == batchB || a.rank == 2 || b.rank == 2,
        "matmul: batch sizes of shapes \(a.shape) and \(b.shape) do not match")
    let batch = Swift.max(batchA, batchB)
    let outShape = (a.rank == 3 || b.rank == 3) ? [batch, m, n] : [m, n]
    let c = Tensor(empty: outShape)
    for i in 0..<batch {
        gemm(
            a, b, aOffset: a.offset + (a.rank == 3 ? i * a.strides[0] : 0),
            bOffset: b.offset + (b.rank == 3 ? i * b.strides[0] : 0), into: c.storage.floats + i * m * n)
    }
    return differentiable("matmul", [a, b], result: c) { g in
        // dA = G·Bᵀ, dB = Aᵀ·G, summed over a broadcast batch.
        [
            a.requiresGrad ? matmul(g, b.detached().transposed()).sumToShape(a.shape) : nil,
            b.requiresGrad ? matmul(a.detached().transposed(), g).sumToShape(b.shape) : nil,
        ]
    }
}

extension Tensor {
    /// Matrix product (see `matmul`).
    public func matmul(_ other: Tensor) -> Tensor { MyelinTensor.matmul(self, other) }
}

/// The affine map of a fully connected layer: y = x·Wᵀ + b, then `activation`, in one GEMM pass.
///
/// Shapes: x [..., in], weight [out, in], bias [out] (or nil) → y [..., out].
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, activation: FusedActivation = .none) -> Tensor {
    precondition(weight.rank == 2, "linear: weight must be 2-D [out, in], got shape \(weight.shape)")
    let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
    precondition(
        x.rank >= 1 && x.shape.last == inFeatures,
        "linear: input shape \(x.shape) does not end in \(inFeatures) (weight shape \(weight.shape))")
    if let bias {
        precondition(bias.shape == [outFeatures], "linear: bias shape \(bias.shape) does not match weight shape \(weight.shape)")
    }
    let outShape = Array(x.shape.dropLast()) + [outFeatures]
    let x2 = x.rank == 2 ? x : x.reshaped([-1, inFeatures])
    // The kernel reads the bias as a dense vector; the gradient still goes to `bias` itself.
    let denseBias = bias.map { $0.isContiguous ? $0 : $0.contiguousCopy() }
    let wT = weight.detached().T
    let y = Tensor(empty: [x2.shape[0], outFeatures])
    gemm(x2, wT, aOffset: x2.offset, bOffset: wT.offset, into: y.storage.floats, bias: denseBias, activation: activation)
    let yd = y.detached()
    let result = differentiable("linear", [x2, weight, bias], result: y) { g in
        let gz = activation.backward(g, output: yd)
        let (weightGradient, biasGradient) = weightAndBiasGradients(
            gz, x2.detached(), weight: weight.requiresGrad, bias: bias?.requiresGrad == true)
        return [x2.requiresGrad ? matmul(gz, weight.detached()) : nil, weightGradient, biasGradient]
    }
    return x.rank == 2 ? result : result.reshaped(outShape)
}
