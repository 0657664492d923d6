extension Tensor {
    /// A float32 tensor filled with `value`.
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        let t = Tensor(empty: shape)
        t.storage.floats.update(repeating: value, count: t.count)
        return t
    }

    public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        Tensor(storage: TensorStorage(count: shape.reduce(1, *), dtype: dtype, zeroed: true), shape: shape)
    }

    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }

    public static func zeros(like t: Tensor) -> Tensor { zeros(t.shape) }
    public static func ones(like t: Tensor) -> Tensor { ones(t.shape) }

    /// `[start, start + step, …]` below `end`, as float32.
    public static func arange(_ start: Float, _ end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0, "arange: step must not be zero")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor(uninitializedShape: [n]) { buf in
            for i in 0..<n { buf[i] = start + Float(i) * step }
        }
    }

    /// `[0, 1, …, end − 1]`, as float32 (PyTorch's `arange(end)`).
    public static func arange(_ end: Float) -> Tensor { arange(0, end) }

    /// The n×n identity matrix.
    public static func eye(_ n: Int) -> Tensor {
        let t = zeros([n, n])
        for i in 0..<n { t.storage.floats[i * n + i] = 1 }
        return t
    }

    /// A contiguous copy that owns its storage (always copies; no gradient is recorded).
    public func contiguousCopy() -> Tensor {
        let out = Tensor(empty: shape, dtype: dtype)
        let size = dtype.byteSize
        if isContiguous {
            out.storage.base.copyMemory(from: storage.base + offset * size, byteCount: count * size)
            return out
        }
        if size == 4, rank == 2, strides == [1, shape[0]] {
            transposeTiles(from: storage.base.assumingMemoryBound(to: UInt32.self) + offset, into: out)
            return out
        }
        var dst = 0
        StridedLoop.forEachRow(shape: shape, strides: [strides], offsets: [offset]) { offs, n, inner in
            let s = inner[0], o = offs[0]
            switch size {
            case 4:
                let src = storage.base.assumingMemoryBound(to: UInt32.self)
                let d = out.storage.base.assumingMemoryBound(to: UInt32.self) + dst
                for i in 0..<n { d[i] = src[o + i * s] }
            case 8:
                let src = storage.base.assumingMemoryBound(to: UInt64.self)
                let d = out.storage.base.assumingMemoryBound(to: UInt64.self) + dst
                for i in 0..<n { d[i] = src[o + i * s] }
            default:
                let src = storage.base.assumingMemoryBound(to: UInt8.self)
                let d = out.storage.base.assumingMemoryBound(to: UInt8.self) + dst
                for i in 0..<n { d[i] = src[o + i * s] }
            }
            dst += n
        }
        return out
    }

    /// A matrix's transpose (this tensor is its transposed view, [r, c] with strides [1, r]) copied in
    /// tiles of 16 rows (a source cache line) by 8 columns (8 source lines), so that a tile's source
    /// lines fit in L1 even when they are 4 KiB apart and share one set of it. Element by element,
    /// every read of a row of the result lands on another line: a weight gradient's 1,024 × 256
    /// transpose (see `transposedProduct`) took 2.5 % of the char-LSTM benchmark's step. Threads
    /// take bands of 16 rows.
    private func transposeTiles(from source: UnsafeMutablePointer<UInt32>, into out: Tensor) {
        let (rows, columns) = (shape[0], shape[1])
        let target = out.storage.base.assumingMemoryBound(to: UInt32.self)
        let bands = (rows + 15) / 16
        parallelFor(bands, grain: Swift.max(1, Elementwise.grain / (16 * Swift.max(1, columns)))) { first, end in
            for r0 in stride(from: first * 16, to: Swift.min(end * 16, rows), by: 16) {
                for c0 in stride(from: 0, to: columns, by: 8) {
                    for r in r0..<Swift.min(r0 + 16, rows) {
                        for c in c0..<Swift.min(c0 + 8, columns) { target[r * columns + c] = source[c * rows + r] }
                    }
                }
            }
        }
    }

    /// This tensor's values converted to another element type (no gradient flows to integer types).
    public func to(_ type: DType) -> Tensor {
        if type == dtype { return self }
        if type == .float32 {
            let out = Tensor(empty: shape)
            var i = 0
            forEachOffset {
                out.storage.floats[i] = floatValue(atStorageOffset: $0); i += 1
            }
            return out
        }
        if type == .bool {
            // Nonzero (NaN included) is true, as in PyTorch; truncating to an integer first
            // would turn 0.5 into false.
            let out = Tensor(empty: shape, dtype: .bool)
            let p = out.storage.base.assumingMemoryBound(to: Bool.self)
            var i = 0
            forEachOffset {
                p[i] = floatValue(atStorageOffset: $0) != 0; i += 1
            }
            return out
        }
        return Tensor(shape: shape, integers: integers, dtype: type)
    }
}
