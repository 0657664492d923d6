/// Walks an n-d index space over several strided operands at once, one innermost run at a time.
///
/// Kernels get a pointer to each operand's element offset at the start of a run, the run length and
/// each operand's inner stride, so the hot loop is a plain 1-d loop the compiler can vectorise.
/// Dimensions that are contiguous for every operand are merged first, so a contiguous tensor is
/// one long run.
enum StridedLoop {
    /// Shape and per-operand strides with size-1 dimensions dropped and mergeable neighbours fused.
    static func simplify(shape: [Int], strides: [[Int]]) -> (shape: [Int], strides: [[Int]]) {
        var outShape: [Int] = []
        var outStrides: [[Int]] = Array(repeating: [], count: strides.count)
        for d in 0..<shape.count where shape[d] != 1 {
            if let last = outShape.last,
                strides.indices.allSatisfy({ outStrides[$0].last! == strides[$0][d] * shape[d] })
            {
                outShape[outShape.count - 1] = last * shape[d]
                for k in strides.indices { outStrides[k][outStrides[k].count - 1] = strides[k][d] }
            } else {
                outShape.append(shape[d])
                for k in strides.indices { outStrides[k].append(strides[k][d]) }
            }
        }
        return (outShape, outStrides)
    }

    /// Calls `body(offsets, runLength, innerStrides)` for every innermost run, in row-major order.
    /// Always inlined, so that the caller's body (and any function it calls, such as a reduction's
    /// combine) is compiled into the loop rather than called through a closure per element.
    @inline(__always)
    static func forEachRow(
        shape: [Int], strides: [[Int]], offsets: [Int],
        _ body: (UnsafeMutablePointer<Int>, Int, UnsafePointer<Int>) -> Void
    ) {
        if shape.contains(0) { return }
        let (s, st) = simplify(shape: shape, strides: strides)
        let operands = offsets.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: operands * 2 + s.count + 1) { scratch in
            let current = scratch.baseAddress!
            let inner = current + operands
            let index = inner + operands
            for k in 0..<operands {
                current[k] = offsets[k]
                inner[k] = s.isEmpty ? 1 : st[k][s.count - 1]
            }
            guard s.count > 1 else {
                body(current, s.first ?? 1, inner)
                return
            }
            let outer = s.count - 1
            for d in 0..<outer { index[d] = 0 }
            while true {
                body(current, s[outer], inner)
                // Odometer increment over the outer dimensions.
                var d = outer - 1
                while d >= 0 {
                    index[d] += 1
                    for k in 0..<operands { current[k] += st[k][d] }
                    if index[d] < s[d] { break }
                    for k in 0..<operands { current[k] -= st[k][d] * s[d] }
                    index[d] = 0
                    d -= 1
                }
                if d < 0 { return }
            }
        }
    }
}
