import CMyelinKernels

// Embedding lookup: each index picks a row of a table. The gradient scatters back: each output
// row's gradient is added to the table row it came from (rows picked twice get both), except the
// padding row, which gets none (PyTorch's `padding_idx`).

/// Looks up row `indices[...]` of `weight` for every index: PyTorch's `F.embedding`.
///
/// Shapes: indices [...] (int32 or int64, any rank), weight [V, D] float32 → result [..., D].
/// `paddingIndex` (negative counts from V) names a row that gets no gradient.
public func embedding(_ indices: Tensor, weight: Tensor, paddingIndex: Int? = nil) -> Tensor {
    precondition(
        indices.dtype == .int32 || indices.dtype == .int64,
        "embedding: indices must be int32 or int64, got \(indices.dtype) of shape \(indices.shape)")
    precondition(
        weight.rank == 2 && weight.dtype == .float32,
        "embedding: weight must be a float32 matrix [V, D], got \(weight.dtype) of shape \(weight.shape)")
    let rowCount = weight.shape[0], width = weight.shape[1]
    let padding = normalizedPaddingIndex(paddingIndex, rowCount: rowCount, for: "embedding")
    let rows = embeddingRows(indices, weightShape: weight.shape)

    let table = weight.isContiguous ? weight : weight.contiguousCopy()
    let out = Tensor(empty: indices.shape + [width])
    gatherRows(rows, of: table.floatPointer, width: width, into: out.floatPointer)

    return differentiable("embedding", [weight], result: out) { g in
        let grad = Tensor.zeros([rowCount, width])
        let gc = g.isContiguous ? g : g.contiguousCopy()
        scatterAddRows(rows[...], of: gc.floatPointer, width: width, into: grad.floatPointer, skipping: padding)
        return [grad]
    }
}

/// Copies row `rows[k]` of `table` (rows `width` floats apart) to row k of `destination`: an
/// embedding lookup, or a data set's batch. In C (`myelin_gather_rows`), which fetches the first row
/// of each next run of consecutive rows while it copies one; the rows are split over threads.
package func gatherRows(
    _ rows: [Int], of table: UnsafePointer<Float>, width: Int, into destination: UnsafeMutablePointer<Float>
) {
    withInt64Indices(rows[...]) { myelin_gather_rows($0, Int64(rows.count), table, Int64(width), destination) }
}

/// Adds row k of `gradient` (rows `rowStride` floats apart, `width` when nil) to row `rows[k]` of
/// `sums` (rows `sumsRowStride` floats apart, `width` when nil), except to the padding row: the adjoint of `gatherRows`. It
/// runs on one thread, fetching rows ahead: rows repeat, so threads could only split the columns
/// (the char-LSTM's 2,048 × 1,024 then took twice as long) or own table rows (no faster: the sum
/// waits on memory, not on arithmetic). A recurrence from tokens sums its table's gradient inside
/// W_hh's gradient product instead (`transposedProduct(_:_:addingRowsTo:groups:)`), where each
/// thread's columns pass through its registers anyway.
func scatterAddRows(
    _ rows: ArraySlice<Int>, of gradient: UnsafePointer<Float>, rowStride: Int? = nil, width: Int,
    into sums: UnsafeMutablePointer<Float>, sumsRowStride: Int? = nil, skipping padding: Int? = nil
) {
    withInt64Indices(rows) { indices in
        myelin_scatter_add_rows(
            indices, Int64(rows.count), gradient, Int64(rowStride ?? width), Int64(width), sums,
            Int64(sumsRowStride ?? width), Int64(padding ?? -1))
    }
}

/// Resolves a padding row as PyTorch does (negative counts from `rowCount`) and checks it.
package func normalizedPaddingIndex(_ paddingIndex: Int?, rowCount: Int, for op: String) -> Int? {
    guard let paddingIndex else { return nil }
    let p = paddingIndex < 0 ? paddingIndex + rowCount : paddingIndex
    precondition(
        p >= 0 && p < rowCount,
        "\(op): paddingIndex \(paddingIndex) is out of range for \(rowCount) rows")
    return p
}

/// The indices in row-major order, each checked against the table's row count (`op` and `table`
/// name the call and its table in the message).
func embeddingRows(_ indices: Tensor, weightShape: [Int], for op: String = "embedding", table: String = "a weight")
    -> [Int]
{
    let dense = indices.isContiguous ? indices : indices.contiguousCopy()
    let n = dense.count, rowCount = weightShape[0]
    func read<Element: BinaryInteger>(_: Element.Type) -> [Int] {
        let p = dense.storage.base.assumingMemoryBound(to: Element.self) + dense.offset
        return [Int](unsafeUninitializedCapacity: n) { out, initialized in
            for k in 0..<n {
                let i = Int(p[k])
                precondition(
                    i >= 0 && i < rowCount,
                    "\(op): index \(i) is out of range for \(table) of shape \(weightShape)")
                out[k] = i
            }
            initialized = n
        }
    }
    return dense.dtype == .int64 ? read(Int64.self) : read(Int32.self)
}
