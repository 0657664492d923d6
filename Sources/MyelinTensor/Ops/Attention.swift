import CMyelinKernels

// Scaled dot-product attention as one recorded operation. The kernel (CMyelinKernels/attention.c)
// runs every (batch, head) pair's scores, masked softmax and weighted sum in one pass over blocks of
// queries, reading the operands in place through their strides; the backward pass recomputes the
// probabilities from the scores and the saved log Σ exp (see the kernel for why).

/// softmax(scale · Q·Kᵀ, masked) · V: PyTorch's `F.scaled_dot_product_attention`.
///
/// Shapes: query [..., T, D], key [..., S, D], value [..., S, Dv], with the same leading dimensions
/// (typically [B, H]) → [..., T, Dv]. `keyPaddingMask`: bool [B, S] (B the first leading dimension;
/// [S] without leading dimensions), true where a key is padding and must be ignored. `causal`: query
/// i sees keys 0…i only. `scale` defaults to 1/√D. A query that sees no key gets zeros, not NaN.
///
/// A 4-D result is laid out as [B, T, H, Dv] in memory, so merging its heads,
/// `result.transposed(1, 2).reshaped([B, T, H·Dv])`, is a view, not a copy.
public func scaledDotProductAttention(
    query: Tensor, key: Tensor, value: Tensor, causal: Bool = false,
    keyPaddingMask: Tensor? = nil, scale: Float? = nil
) -> Tensor {
    let r = query.rank
    precondition(
        r >= 2 && key.rank == r && value.rank == r,
        "scaledDotProductAttention: query, key and value must have one rank ≥ 2, got shapes \(query.shape), \(key.shape) and \(value.shape)"
    )
    let lead = Array(query.shape.dropLast(2))
    precondition(
        Array(key.shape.dropLast(2)) == lead && Array(value.shape.dropLast(2)) == lead,
        "scaledDotProductAttention: the leading dimensions of query shape \(query.shape), key shape \(key.shape) and value shape \(value.shape) differ"
    )
    precondition(
        key.shape[r - 1] == query.shape[r - 1],
        "scaledDotProductAttention: query shape \(query.shape) and key shape \(key.shape) differ in their last (feature) dimension")
    precondition(
        value.shape[r - 2] == key.shape[r - 2],
        "scaledDotProductAttention: key shape \(key.shape) and value shape \(value.shape) differ in the number of keys")
    let (t, valueSize) = (query.shape[r - 2], value.shape[r - 1])
    let batch = lead.first ?? 1, heads = lead.dropFirst().reduce(1, *)
    let problem = AttentionProblem(
        batch: batch, heads: heads, queries: t, keys: key.shape[r - 2],
        headSize: query.shape[r - 1], valueSize: valueSize, causal: causal,
        scale: scale, mask: keyPaddingMask, maskShape: r >= 3 ? [batch, key.shape[r - 2]] : [key.shape[r - 2]],
        query: Heads(query), key: Heads(key), value: Heads(value))
    // 4-D: heads interleaved ([B, T, H, Dv] in memory); otherwise contiguous.
    let storage = TensorStorage(count: batch * heads * t * valueSize, dtype: .float32)
    let interleaved = r == 4
    let output = Heads(
        owner: Tensor(storage: storage, shape: [storage.count]), offset: 0,
        batch: heads * t * valueSize, head: interleaved ? valueSize : t * valueSize,
        position: interleaved ? heads * valueSize : valueSize)
    let result = Tensor(
        storage: storage, shape: lead + [t, valueSize],
        strides: interleaved ? [output.batch, output.head, output.position, 1] : nil)
    let logSumExp = problem.forward(into: output)
    return differentiable("scaledDotProductAttention", [query, key, value], result: result) { g in
        let grads = [query, key, value].map { $0.requiresGrad ? Tensor(empty: $0.shape) : nil }
        problem.backward(
            logSumExp: logSumExp, gradOutput: Heads(g),
            gradQuery: grads[0].map(Heads.init), gradKey: grads[1].map(Heads.init),
            gradValue: grads[2].map(Heads.init))
        return grads
    }
}

/// Multi-head self-attention on a packed projection, as a fused `qkv` linear layer makes it
/// (nanoGPT, the char-transformer benchmark): the queries, keys and values of every position side by side, each split into
/// `heads` heads of D features.
///
/// Shapes: qkv [B, T, 3·H·D] → [B, T, H·D], the heads' outputs side by side (what the output
/// projection reads). `keyPaddingMask`: bool [B, T], true where a position is padding. The same
/// kernel as `scaledDotProductAttention(query:key:value:…)`, reading q, k and v in place and writing
/// their gradients into one [B, T, 3·H·D] tensor, so splitting and merging the heads cost nothing.
public func scaledDotProductAttention(
    packed qkv: Tensor, heads: Int, causal: Bool = false,
    keyPaddingMask: Tensor? = nil, scale: Float? = nil
) -> Tensor {
    precondition(
        qkv.rank == 3 && heads > 0 && qkv.shape[2] % (3 * heads) == 0,
        "scaledDotProductAttention(packed:): qkv must be [batch, steps, 3·heads·headSize] for \(heads) heads, got shape \(qkv.shape)")
    let (batch, t, width) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
    let headSize = width / heads
    // Part `part` (0: q, 1: k, 2: v; 0 alone for the output) of rows [B, T, parts·H·D]: column
    // blocks of D per head.
    func operand(_ rows: Tensor, part: Int) -> Heads {
        let x = rows.strides[2] == 1 || rows.shape[2] <= 1 ? rows.detached() : rows.contiguousCopy()
        return Heads(owner: x, offset: x.offset + part * width, batch: x.strides[0], head: headSize, position: x.strides[1])
    }
    let problem = AttentionProblem(
        batch: batch, heads: heads, queries: t, keys: t, headSize: headSize,
        valueSize: headSize, causal: causal, scale: scale, mask: keyPaddingMask,
        maskShape: [batch, t], query: operand(qkv, part: 0), key: operand(qkv, part: 1),
        value: operand(qkv, part: 2))
    let result = Tensor(empty: [batch, t, width])
    let logSumExp = problem.forward(into: operand(result, part: 0))
    return differentiable("scaledDotProductAttention(packed:)", [qkv], result: result) { g in
        let grad = Tensor(empty: qkv.shape)
        problem.backward(
            logSumExp: logSumExp, gradOutput: operand(g, part: 0), gradQuery: operand(grad, part: 0),
            gradKey: operand(grad, part: 1), gradValue: operand(grad, part: 2))
        return [grad]
    }
}

/// One operand as the kernel reads it: element (b, h, i, d) at offset + b·batch + h·head + i·position + d
/// in `owner`'s storage (which the operand keeps alive).
private struct Heads {
    let owner: Tensor
    let offset, batch, head, position: Int

    init(owner: Tensor, offset: Int, batch: Int, head: Int, position: Int) {
        (self.owner, self.offset, self.batch, self.head, self.position) = (owner, offset, batch, head, position)
    }

    /// A tensor [..., n, f]: its first dimension is the batch, the ones between are merged into heads.
    /// Copied first when its features are not contiguous or its middle dimensions cannot merge.
    init(_ x: Tensor) {
        func fits(_ t: Tensor) -> Bool {
            let r = t.rank
            guard t.shape[r - 1] <= 1 || t.strides[r - 1] == 1 else { return false }
            guard r > 4 else { return true }
            let middle = (1...(r - 3)).filter { t.shape[$0] != 1 }
            return zip(middle, middle.dropFirst()).allSatisfy { t.strides[$0] == t.strides[$1] * t.shape[$1] }
        }
        let t = fits(x) ? x.detached() : x.contiguousCopy()
        let r = t.rank
        let merged = r >= 4 ? (1...(r - 3)).last { t.shape[$0] != 1 } ?? 1 : nil
        self.init(
            owner: t, offset: t.offset, batch: r >= 3 ? t.strides[0] : 0, head: merged.map { t.strides[$0] } ?? 0,
            position: t.strides[r - 2])
    }

    var kernelValue: myelin_heads {
        myelin_heads(data: owner.storage.floats + offset, batch: Int64(batch), head: Int64(head), position: Int64(position))
    }
}

/// The geometry, operands and mask shared by a forward pass and its backward pass.
private struct AttentionProblem {
    var shape: myelin_attention_shape
    let query, key, value: Heads
    /// The padding mask as contiguous bytes (nonzero: ignore the key), or nil.
    let mask: Tensor?

    init(
        batch: Int, heads: Int, queries: Int, keys: Int, headSize: Int, valueSize: Int, causal: Bool, scale: Float?,
        mask: Tensor?, maskShape: [Int], query: Heads, key: Heads, value: Heads
    ) {
        precondition(
            [query, key, value].allSatisfy { $0.owner.dtype == .float32 },
            "scaledDotProductAttention: query, key and value must be float32")
        if let mask {
            precondition(
                mask.dtype == .bool && mask.shape == maskShape,
                "scaledDotProductAttention: keyPaddingMask must be bool of shape \(maskShape) for these queries and keys, got \(mask.dtype) of shape \(mask.shape)"
            )
        }
        shape = myelin_attention_shape(
            batch: Int64(batch), heads: Int64(heads), queries: Int64(queries), keys: Int64(keys),
            head_dim: Int64(headSize), value_dim: Int64(valueSize),
            scale: scale ?? 1 / Float(Swift.max(headSize, 1)).squareRoot(), causal: causal ? 1 : 0)
        (self.query, self.key, self.value) = (query, key, value)
        self.mask = mask.map { $0.isContiguous ? $0.detached() : $0.contiguousCopy() }
    }

    private var maskBytes: UnsafePointer<UInt8>? {
        mask.map { UnsafePointer($0.storage.base.assumingMemoryBound(to: UInt8.self) + $0.offset) }
    }

    /// Writes the output; returns each query's log Σ exp, which the backward pass needs.
    func forward(into output: Heads) -> Tensor {
        let logSumExp = Tensor(empty: [Int(shape.batch * shape.heads * shape.queries)])
        var shape = shape
        myelin_attention_forward(
            &shape, query.kernelValue, key.kernelValue, value.kernelValue, maskBytes,
            output.kernelValue, logSumExp.storage.floats)
        return logSumExp
    }

    /// Overwrites the gradients that are given.
    func backward(logSumExp: Tensor, gradOutput: Heads, gradQuery: Heads?, gradKey: Heads?, gradValue: Heads?) {
        let none = myelin_heads(data: nil, batch: 0, head: 0, position: 0)
        var shape = shape
        myelin_attention_backward(
            &shape, query.kernelValue, key.kernelValue, value.kernelValue, maskBytes,
            logSumExp.storage.floats, gradOutput.kernelValue, gradQuery?.kernelValue ?? none,
            gradKey?.kernelValue ?? none, gradValue?.kernelValue ?? none)
    }
}
