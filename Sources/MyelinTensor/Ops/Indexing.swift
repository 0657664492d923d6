// Gathering by integer indices. The gradient scatters back: each gathered element's gradient is
// added to the position it came from (positions read twice get both contributions).

extension Tensor {
    /// Selects entries along `axis` at `indices` (any integer tensor, 1-D): PyTorch's `index_select`.
    /// Shape: this tensor's with dimension `axis` replaced by `indices.count`.
    public func indexSelect(axis: Int, indices: Tensor) -> Tensor {
        let a = normalizedAxis(axis, for: "indexSelect")
        precondition(
            indices.rank == 1 && indices.dtype != .float32,
            "indexSelect: indices must be a 1-D integer tensor, got \(indices.dtype) of shape \(indices.shape)")
        let idx = indices.integers
        for i in idx {
            precondition(i >= 0 && i < shape[a], "indexSelect: index \(i) is out of range for axis \(a) of shape \(shape)")
        }
        var outShape = shape
        outShape[a] = idx.count
        let out = Tensor(empty: outShape, dtype: dtype)
        let src = detached()
        for (j, i) in idx.enumerated() {
            let slot = out.narrowed(axis: a, start: j, length: 1), picked = src.narrowed(axis: a, start: i, length: 1)
            if dtype == .float32 { slot.assign(picked) } else { slot.assignIntegers(picked) }
        }
        let inputShape = shape
        return differentiable("indexSelect", [self], result: out) { g in
            let full = Tensor.zeros(inputShape)
            for (j, i) in idx.enumerated() {
                full.narrowed(axis: a, start: i, length: 1).addInPlace(g.narrowed(axis: a, start: j, length: 1))
            }
            return [full]
        }
    }

    /// Picks, along `axis`, the element named by `indices` at every position: PyTorch's `gather`.
    /// `indices` has this tensor's rank; the result has the shape of `indices`.
    public func gather(axis: Int, indices: Tensor) -> Tensor {
        let a = normalizedAxis(axis, for: "gather")
        precondition(
            indices.rank == rank && indices.dtype != .float32,
            "gather: indices must be an integer tensor of rank \(rank), got \(indices.dtype) of shape \(indices.shape)")
        for d in 0..<rank where d != a {
            precondition(indices.shape[d] <= shape[d], "gather: indices shape \(indices.shape) exceeds input shape \(shape) at axis \(d)")
        }
        let (storageOffsets, logicalOffsets) = gatherOffsets(axis: a, indices: indices)
        let out = Tensor(empty: indices.shape, dtype: dtype)
        func copy<Element>(_: Element.Type) {
            let src = storage.base.assumingMemoryBound(to: Element.self)
            let dst = out.storage.base.assumingMemoryBound(to: Element.self)
            for (k, o) in storageOffsets.enumerated() { dst[k] = src[o] }
        }
        switch dtype.byteSize {
        case 8: copy(UInt64.self)
        case 4: copy(UInt32.self)
        default: copy(UInt8.self)
        }
        let inputShape = shape
        return differentiable("gather", [self], result: out) { g in
            let full = Tensor.zeros(inputShape)
            let gv = g.contiguous().scalars
            for (k, o) in logicalOffsets.enumerated() { full.storage.floats[o] += gv[k] }
            return [full]
        }
    }

    /// For each element of `indices` (row-major), the storage offset of the element it picks and
    /// that element's row-major position in this tensor's shape (where its gradient goes).
    private func gatherOffsets(axis a: Int, indices: Tensor) -> (storage: [Int], logical: [Int]) {
        let idx = indices.integers
        let logicalStrides = Tensor.contiguousStrides(for: shape)
        var storageOffsets = [Int](repeating: 0, count: idx.count)
        var logicalOffsets = [Int](repeating: 0, count: idx.count)
        var position = [Int](repeating: 0, count: rank)
        for k in 0..<idx.count {
            let i = idx[k]
            precondition(i >= 0 && i < shape[a], "gather: index \(i) is out of range for axis \(a) of shape \(shape)")
            var o = offset, l = 0
            for d in 0..<rank {
                let p = d == a ? i : position[d]
                o += p * strides[d]
                l += p * logicalStrides[d]
            }
            storageOffsets[k] = o
            logicalOffsets[k] = l
            // Advance the row-major position over indices' shape.
            var d = rank - 1
            while d >= 0 {
                position[d] += 1
                if position[d] < indices.shape[d] { break }
                position[d] = 0
                d -= 1
            }
        }
        return (storageOffsets, logicalOffsets)
    }
}
