// Reductions over chosen axes, each with its derivative.
//
// Sum, max and min are computed by walking the input in memory order and combining each element
// into the output slot it reduces to (output strides are 0 along reduced axes), so a reduction
// over the inner axis is a running total and one over an outer axis adds whole rows: both
// vectorise, and no transposed copy is needed. A sum over the leading axes of a contiguous tensor
// (a bias gradient) splits its columns over threads, adding the rows in the same order.

extension Tensor {
    private func reducedShape(_ axes: [Int], keepingDimensions: Bool, op: String) -> (axes: Set<Int>, kept: [Int], out: [Int]) {
        let set = Set(axes.map { normalizedAxis($0, for: op) })
        let kept = shape.enumerated().map { set.contains($0.offset) ? 1 : $0.element }
        let out = keepingDimensions ? kept : shape.enumerated().filter { !set.contains($0.offset) }.map(\.element)
        return (set, kept, out)
    }

    /// Combines every element into its output slot with `combine`, starting from `initial`.
    @inline(__always)
    private func reduce(
        _ axes: [Int], keepingDimensions: Bool, op: String, initial: Float,
        _ combine: (Float, Float) -> Float
    ) -> (result: Tensor, kept: [Int]) {
        precondition(dtype == .float32, "\(op): needs a float32 tensor, got \(dtype)")
        let (_, kept, outShape) = reducedShape(axes, keepingDimensions: keepingDimensions, op: op)
        let out = Tensor.full(kept, initial)
        let outStrides = zip(kept, Tensor.contiguousStrides(for: kept)).map { $0.0 == 1 ? 0 : $0.1 }
        let po = out.storage.floats, pi = storage.floats
        StridedLoop.forEachRow(shape: shape, strides: [strides, outStrides], offsets: [offset, 0]) { offs, n, inner in
            let src = pi + offs[0], dst = po + offs[1], si = inner[0], so = inner[1]
            if so == 0 {
                // Reduce a run into one slot; four partial results let the loop pipeline.
                var a0 = initial, a1 = initial, a2 = initial, a3 = initial
                var i = 0
                if si == 1 {
                    while i + 4 <= n {
                        a0 = combine(a0, src[i]); a1 = combine(a1, src[i + 1])
                        a2 = combine(a2, src[i + 2]); a3 = combine(a3, src[i + 3])
                        i += 4
                    }
                }
                while i < n { a0 = combine(a0, src[i * si]); i += 1 }
                dst[0] = combine(dst[0], combine(combine(a0, a1), combine(a2, a3)))
            } else if si == 1 && so == 1 {
                for i in 0..<n { dst[i] = combine(dst[i], src[i]) }
            } else {
                for i in 0..<n { dst[i * so] = combine(dst[i * so], src[i * si]) }
            }
        }
        return (Tensor(storage: out.storage, shape: outShape), kept)
    }

    /// The sums over the leading `axes` of a contiguous float32 tensor (a bias gradient: the rows of
    /// [rows, columns]), with bands of columns split over threads; nil for any other reduction.
    /// Each band adds the rows in order, as `reduce` would, so the bits do not depend on the
    /// thread count.
    private func leadingAxesSum(_ axes: [Int], keepingDimensions: Bool) -> (result: Tensor, kept: [Int])? {
        let (reduced, kept, outShape) = reducedShape(axes, keepingDimensions: keepingDimensions, op: "sum")
        guard dtype == .float32 && isContiguous && count > 0 && reduced.count < rank && reduced == Set(0..<reduced.count)
        else { return nil }
        let columns = kept.reduce(1, *), rows = count / columns, band = 16
        let out = Tensor(empty: kept)
        let po = out.storage.floats, src = UnsafeRawPointer(floatPointer)
        parallelFor((columns + band - 1) / band, grain: Swift.max(1, Elementwise.grain / (rows * band))) { b0, b1 in
            // Four bands at a time, their sums in registers down the rows: each row's 256 bytes are
            // read in one go, which memory streams better than one line a row.
            var c = b0 * band
            let c1 = Swift.min(b1 * band, columns)
            while c + 4 * band <= c1 {
                var s0 = SIMD16<Float>(), s1 = SIMD16<Float>(), s2 = SIMD16<Float>(), s3 = SIMD16<Float>()
                for r in 0..<rows {
                    let row = src + 4 * (r * columns + c)
                    s0 += row.loadUnaligned(as: SIMD16<Float>.self)
                    s1 += row.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
                    s2 += row.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
                    s3 += row.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
                }
                let destination = UnsafeMutableRawPointer(po + c)
                destination.storeBytes(of: s0, as: SIMD16<Float>.self)
                destination.storeBytes(of: s1, toByteOffset: 64, as: SIMD16<Float>.self)
                destination.storeBytes(of: s2, toByteOffset: 128, as: SIMD16<Float>.self)
                destination.storeBytes(of: s3, toByteOffset: 192, as: SIMD16<Float>.self)
                c += 4 * band
            }
            for c0 in stride(from: c, to: c1, by: band) {
                if c0 + band <= columns {  // one vector of sums, kept in registers down the rows
                    var sums = SIMD16<Float>()
                    for r in 0..<rows { sums += src.loadUnaligned(fromByteOffset: 4 * (r * columns + c0), as: SIMD16<Float>.self) }
                    UnsafeMutableRawPointer(po + c0).storeBytes(of: sums, as: SIMD16<Float>.self)
                } else {  // the last, narrower band: row by row too, a running sum per column in the output
                    let sums = po + c0, width = columns - c0
                    sums.update(repeating: 0, count: width)
                    for r in 0..<rows {
                        let row = src + 4 * (r * columns + c0)
                        for c in 0..<width { sums[c] += row.load(fromByteOffset: 4 * c, as: Float.self) }
                    }
                }
            }
        }
        return (Tensor(storage: out.storage, shape: outShape), kept)
    }

    /// Sum over `axes` (all axes when empty), keeping reduced axes as size 1 if asked.
    public func sum(axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let axes = axes.isEmpty ? Array(0..<rank) : axes
        let (y, kept) =
            leadingAxesSum(axes, keepingDimensions: keepingDimensions)
            ?? reduce(axes, keepingDimensions: keepingDimensions, op: "sum", initial: 0, +)
        let inputShape = shape
        return differentiable("sum", [self], result: y) { g in [g.reshaped(kept).expanded(to: inputShape)] }
    }

    public func sum(axis: Int, keepingDimensions: Bool = false) -> Tensor {
        sum(axes: [axis], keepingDimensions: keepingDimensions)
    }

    /// Sum of all elements, as a 0-d tensor.
    public func sum() -> Tensor { sum(axes: []) }

    /// Mean over `axes` (all axes when empty).
    public func mean(axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let axes = axes.isEmpty ? Array(0..<rank) : axes
        let n = Set(axes.map { normalizedAxis($0, for: "mean") }).map { shape[$0] }.reduce(1, *)
        return sum(axes: axes, keepingDimensions: keepingDimensions) * (1 / Float(n))
    }

    public func mean(axis: Int, keepingDimensions: Bool = false) -> Tensor {
        mean(axes: [axis], keepingDimensions: keepingDimensions)
    }

    public func mean() -> Tensor { mean(axes: []) }

    /// Variance over `axes` with Bessel's `correction` (1 = unbiased, PyTorch's default; 0 = population).
    public func variance(axes: [Int], correction: Int = 1, keepingDimensions: Bool = false) -> Tensor {
        let axes = axes.isEmpty ? Array(0..<rank) : axes
        let n = Set(axes.map { normalizedAxis($0, for: "variance") }).map { shape[$0] }.reduce(1, *)
        let centered = self - mean(axes: axes, keepingDimensions: true)
        return (centered * centered).sum(axes: axes, keepingDimensions: keepingDimensions)
            * (1 / Float(Swift.max(n - correction, 0)))
    }

    public func variance(axis: Int, correction: Int = 1, keepingDimensions: Bool = false) -> Tensor {
        variance(axes: [axis], correction: correction, keepingDimensions: keepingDimensions)
    }

    /// Largest element over `axes` (all when empty; NaN if any element is NaN). The gradient is
    /// shared equally among ties.
    public func max(axes: [Int] = [], keepingDimensions: Bool = false) -> Tensor {
        extremum(axes, keepingDimensions: keepingDimensions, op: "max", initial: -.infinity) {
            $0 > $1 || $0.isNaN ? $0 : $1  // NaN wins, as in PyTorch: a diverged value must show
        }
    }

    /// Smallest element over `axes` (all when empty; NaN if any element is NaN). The gradient is
    /// shared equally among ties.
    public func min(axes: [Int] = [], keepingDimensions: Bool = false) -> Tensor {
        extremum(axes, keepingDimensions: keepingDimensions, op: "min", initial: .infinity) {
            $0 < $1 || $0.isNaN ? $0 : $1
        }
    }

    public func max(axis: Int, keepingDimensions: Bool = false) -> Tensor { max(axes: [axis], keepingDimensions: keepingDimensions) }
    public func min(axis: Int, keepingDimensions: Bool = false) -> Tensor { min(axes: [axis], keepingDimensions: keepingDimensions) }

    private func extremum(
        _ axes: [Int], keepingDimensions: Bool, op: String, initial: Float,
        _ combine: (Float, Float) -> Float
    ) -> Tensor {
        precondition(count > 0, "\(op): cannot reduce an empty tensor of shape \(shape)")
        let axes = axes.isEmpty ? Array(0..<rank) : axes
        let (y, kept) = reduce(axes, keepingDimensions: keepingDimensions, op: op, initial: initial, combine)
        let yd = y.detached()
        return differentiable(op, [self], result: y) { g in
            let hit = Elementwise.zip(self.detached(), yd.reshaped(kept), "\(op) backward") { $0 == $1 ? 1 : 0 }
            let ties = hit.sum(axes: axes, keepingDimensions: true)
            return [hit * (g.reshaped(kept) / ties)]
        }
    }

    /// Index of the largest element along `axis` (first one on ties; the first NaN if any), as int64.
    public func argmax(axis: Int, keepingDimensions: Bool = false) -> Tensor {
        argExtremum(axis, keepingDimensions: keepingDimensions, op: "argmax") { $0 > $1 }
    }

    /// Index of the smallest element along `axis` (first one on ties; the first NaN if any), as int64.
    public func argmin(axis: Int, keepingDimensions: Bool = false) -> Tensor {
        argExtremum(axis, keepingDimensions: keepingDimensions, op: "argmin") { $0 < $1 }
    }

    private func argExtremum(
        _ axis: Int, keepingDimensions: Bool, op: String,
        _ better: (Float, Float) -> Bool
    ) -> Tensor {
        let a = normalizedAxis(axis, for: op)
        precondition(dtype == .float32, "\(op): needs a float32 tensor, got \(dtype)")
        precondition(shape[a] > 0, "\(op): axis \(a) of shape \(shape) is empty")
        // Move the axis last so each output element scans one run.
        var order = Array(0..<rank)
        order.remove(at: a)
        order.append(a)
        let moved = detached().permuted(order)
        let n = shape[a]
        let outerShape = Array(moved.shape.dropLast())
        let out = Tensor(empty: outerShape, dtype: .int64)
        let po = out.storage.base.assumingMemoryBound(to: Int64.self)
        let pi = storage.floats
        var k = 0
        let step = moved.strides.last!
        StridedLoop.forEachRow(
            shape: outerShape + [1], strides: [moved.strides.dropLast() + [0]],
            offsets: [moved.offset]
        ) { offs, runs, inner in
            for r in 0..<runs {
                let row = pi + offs[0] + r * inner[0]
                var best = row[0], bestIndex = 0
                for j in 1..<n where !best.isNaN && (row[j * step].isNaN || better(row[j * step], best)) {
                    best = row[j * step]
                    bestIndex = j
                }
                po[k] = Int64(bestIndex)
                k += 1
            }
        }
        if keepingDimensions {
            var kept = shape
            kept[a] = 1
            return Tensor(storage: out.storage, shape: kept)
        }
        return out
    }
}
