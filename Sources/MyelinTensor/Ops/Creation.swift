import CMyelinKernels

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
            // A matrix's transpose: the matrix is [columns, rows] row-major, transposed back in
            // registers, tile by tile (element by element, every read of a row of the result lands on
            // another cache line; a weight gradient's 1,024 × 256 transpose took 2.5 % of the
            // char-LSTM benchmark's step so). Only bits move, so 4-byte integers go the same way.
            let source = storage.base.assumingMemoryBound(to: Float.self) + offset
            let target = out.storage.base.assumingMemoryBound(to: Float.self)
            myelin_transpose(Int64(shape[1]), Int64(shape[0]), source, Int64(shape[0]), target, Int64(shape[1]))
            return out
        }
        var dst = 0
        StridedLoop.forEachRow(shape: shape, strides: [strides], offsets: [offset]) { offs, n, inner in
            let s = inner[0], o = offs[0]
            if s == 1 {
                // Whole rows (a permutation of the leading axes, as a language model's [T, B, V]
                // logits viewed as [B, T, V]): one block copy each.
                (out.storage.base + dst * size).copyMemory(from: storage.base + o * size, byteCount: n * size)
                dst += n
                return
            }
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
