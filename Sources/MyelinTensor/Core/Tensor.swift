/// An n-dimensional array of float32 (or integer/bool) values that records the operations applied
/// to it, so `loss.backward()` can compute gradients.
///
/// A tensor is a view — shape, strides (in elements) and an offset — over a shared `TensorStorage`.
/// Like PyTorch's, tensors are reference types: a parameter's `grad` and `requiresGrad` are
/// visible to every holder. Operations return new tensors; views share storage without copying.
public final class Tensor {
    public let storage: TensorStorage
    public let shape: [Int]
    /// Element strides per dimension; 0 for broadcast (expanded) dimensions.
    public let strides: [Int]
    /// Element offset of index (0, …, 0) in `storage`.
    public let offset: Int

    /// Whether `backward()` should compute a gradient for this tensor. Set it on leaves (parameters).
    ///
    /// Inside `gradient(at:of:)` only the point and what is computed from it require one: every
    /// other leaf (a model's parameters) reads false there, so it is a constant of that function.
    public var requiresGrad: Bool {
        get { leafRequiresGrad && (gradFn != nil || GradMode.differentiates(self)) }
        set {
            precondition(
                !newValue || dtype.isFloatingPoint,
                "requiresGrad: only float32 tensors can require gradients (this is \(dtype))")
            leafRequiresGrad = newValue
        }
    }
    /// What `requiresGrad` was set to.
    private var leafRequiresGrad: Bool
    /// The accumulated gradient, filled by `backward()` on tensors that require it.
    public var grad: Tensor?
    /// The operation that produced this tensor, or nil for a leaf.
    public internal(set) var gradFn: GradNode?

    /// Wraps a storage. `strides` defaults to the contiguous row-major strides of `shape`.
    public init(storage: TensorStorage, shape: [Int], strides: [Int]? = nil, offset: Int = 0) {
        let strides = strides ?? Tensor.contiguousStrides(for: shape)
        precondition(strides.count == shape.count, "Tensor: \(shape.count) dims but \(strides.count) strides")
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative size in shape \(shape)")
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.leafRequiresGrad = false
    }

    deinit {
        // Free the recorded graph iteratively (see GradNode.release): a deep one must not recurse.
        guard gradFn != nil else { return }
        var nodes = [gradFn!]
        gradFn = nil
        GradNode.release(&nodes)
    }

    public var dtype: DType { storage.dtype }
    public var rank: Int { shape.count }
    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// Whether elements lie in row-major order without gaps (size-1 dimensions may have any stride).
    public var isContiguous: Bool {
        var expected = 1
        for d in stride(from: rank - 1, through: 0, by: -1) where shape[d] != 1 {
            if strides[d] != expected { return false }
            expected *= shape[d]
        }
        return true
    }

    static func contiguousStrides(for shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d] = running
            running *= shape[d]
        }
        return strides
    }

    /// Resolves a possibly negative axis (-1 = last) and checks it.
    public func normalizedAxis(_ axis: Int, for op: String, rank r: Int? = nil) -> Int {
        let r = r ?? rank
        let a = axis < 0 ? axis + r : axis
        precondition(a >= 0 && a < r, "\(op): axis \(axis) is out of range for a tensor of shape \(shape)")
        return a
    }
}

// MARK: - Creating tensors from values

extension Tensor {
    /// A new contiguous, uninitialised tensor.
    public convenience init(empty shape: [Int], dtype: DType = .float32) {
        self.init(storage: TensorStorage(count: shape.reduce(1, *), dtype: dtype), shape: shape)
    }

    /// A float32 tensor of `shape` holding `scalars` in row-major order.
    public convenience init(shape: [Int], scalars: [Float]) {
        precondition(
            shape.reduce(1, *) == scalars.count,
            "Tensor(shape:scalars:): shape \(shape) needs \(shape.reduce(1, *)) values, got \(scalars.count)")
        self.init(empty: shape)
        scalars.withUnsafeBufferPointer { src in
            storage.floats.update(from: src.baseAddress!, count: src.count)
        }
    }

    /// A 1-D float32 tensor.
    public convenience init(_ scalars: [Float]) {
        self.init(shape: [scalars.count], scalars: scalars)
    }

    /// A 2-D float32 tensor from rows of equal length.
    public convenience init(_ rows: [[Float]]) {
        let width = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == width }, "Tensor(rows): rows have different lengths")
        self.init(shape: [rows.count, width], scalars: rows.flatMap { $0 })
    }

    /// A 0-dimensional (scalar) float32 tensor.
    public convenience init(scalar: Float) {
        self.init(shape: [], scalars: [scalar])
    }

    /// An integer tensor (int64 by default, like PyTorch's labels) of `shape`.
    public convenience init(shape: [Int], integers: [Int], dtype: DType = .int64) {
        precondition(
            shape.reduce(1, *) == integers.count,
            "Tensor(shape:integers:): shape \(shape) needs \(shape.reduce(1, *)) values, got \(integers.count)")
        self.init(empty: shape, dtype: dtype)
        switch dtype {
        case .int64:
            let p = storage.base.assumingMemoryBound(to: Int64.self)
            for (i, v) in integers.enumerated() { p[i] = Int64(v) }
        case .int32:
            let p = storage.base.assumingMemoryBound(to: Int32.self)
            for (i, v) in integers.enumerated() { p[i] = Int32(v) }
        case .bool:
            let p = storage.base.assumingMemoryBound(to: Bool.self)
            for (i, v) in integers.enumerated() { p[i] = v != 0 }
        case .float32:
            let p = storage.floats
            for (i, v) in integers.enumerated() { p[i] = Float(v) }
        }
    }

    /// A 1-D int64 tensor.
    public convenience init(integers: [Int]) {
        self.init(shape: [integers.count], integers: integers)
    }

    /// A new contiguous float32 tensor whose buffer `initializer` fills (every element must be written).
    public convenience init(
        uninitializedShape shape: [Int],
        initializer: (UnsafeMutableBufferPointer<Float>) throws -> Void
    ) rethrows {
        self.init(empty: shape)
        try initializer(UnsafeMutableBufferPointer(start: storage.floats, count: count))
    }
}

// MARK: - Reading values

extension Tensor {
    /// Element offsets into storage, in row-major order of the logical indices.
    func forEachOffset(_ body: (Int) -> Void) {
        if isContiguous {
            for i in 0..<count { body(offset + i) }
            return
        }
        StridedLoop.forEachRow(shape: shape, strides: [strides], offsets: [offset]) { offs, n, inner in
            let s = inner[0]
            for i in 0..<n { body(offs[0] + i * s) }
        }
    }

    /// The values as Floats in row-major order (any dtype is converted).
    public var scalars: [Float] {
        if dtype == .float32 && isContiguous {
            return Array(UnsafeBufferPointer(start: storage.floats + offset, count: count))
        }
        var out = [Float]()
        out.reserveCapacity(count)
        forEachOffset { out.append(self.floatValue(atStorageOffset: $0)) }
        return out
    }

    /// The values as Ints in row-major order (float values are truncated toward zero).
    public var integers: [Int] {
        var out = [Int]()
        out.reserveCapacity(count)
        forEachOffset { out.append(self.intValue(atStorageOffset: $0)) }
        return out
    }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
        var value: Float = 0
        forEachOffset { value = self.floatValue(atStorageOffset: $0) }
        return value
    }

    @inline(__always) func floatValue(atStorageOffset o: Int) -> Float {
        switch dtype {
        case .float32: return storage.floats[o]
        case .int32: return Float(storage.base.assumingMemoryBound(to: Int32.self)[o])
        case .int64: return Float(storage.base.assumingMemoryBound(to: Int64.self)[o])
        case .bool: return storage.base.assumingMemoryBound(to: Bool.self)[o] ? 1 : 0
        }
    }

    @inline(__always) func intValue(atStorageOffset o: Int) -> Int {
        switch dtype {
        case .float32:
            let value = storage.floats[o]
            precondition(
                value.isFinite && Swift.abs(value) < 0x1p63,
                "integers: \(value) has no integer value (tensor of shape \(shape))")
            return Int(value)
        case .int32: return Int(storage.base.assumingMemoryBound(to: Int32.self)[o])
        case .int64: return Int(storage.base.assumingMemoryBound(to: Int64.self)[o])
        case .bool: return storage.base.assumingMemoryBound(to: Bool.self)[o] ? 1 : 0
        }
    }

    /// The value at a full index, e.g. `t[1, 2]` on a matrix.
    public subscript(index: Int...) -> Float {
        precondition(index.count == rank, "subscript: \(index.count) indices for a tensor of shape \(shape)")
        var o = offset
        for (d, i) in index.enumerated() {
            precondition(i >= 0 && i < shape[d], "subscript: index \(index) is out of range for shape \(shape)")
            o += i * strides[d]
        }
        return floatValue(atStorageOffset: o)
    }

    /// Direct access to a contiguous float32 tensor's elements (no copy).
    public func withUnsafeScalars<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(
            dtype == .float32 && isContiguous,
            "withUnsafeScalars: needs a contiguous float32 tensor (shape \(shape), \(dtype)); call contiguous() first")
        return try body(UnsafeBufferPointer(start: storage.floats + offset, count: count))
    }

    /// Direct mutable access to a contiguous float32 tensor's elements, for in-place updates such as
    /// an optimizer step. It bypasses autograd: use it on leaves, outside of recorded computations.
    public func withUnsafeMutableScalars<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(
            dtype == .float32 && isContiguous,
            "withUnsafeMutableScalars: needs a contiguous float32 tensor (shape \(shape), \(dtype))")
        return try body(UnsafeMutableBufferPointer(start: storage.floats + offset, count: count))
    }

    /// Direct mutable access to a contiguous tensor's bytes, whatever its dtype: to send or copy it whole.
    public func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableBufferPointer<UInt8>) throws -> R) rethrows -> R {
        precondition(isContiguous, "withUnsafeMutableBytes: needs a contiguous tensor (shape \(shape), strides \(strides))")
        let start = storage.base.advanced(by: offset * dtype.byteSize).assumingMemoryBound(to: UInt8.self)
        return try body(UnsafeMutableBufferPointer(start: start, count: count * dtype.byteSize))
    }

    /// Pointer to element (0, …, 0) of a float32 tensor (for kernels that use strides themselves).
    @inline(__always) var floatPointer: UnsafeMutablePointer<Float> { storage.floats + offset }
}
