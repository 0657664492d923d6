/// A reference-counted, 64-byte aligned buffer that tensors view through shape, strides and offset.
///
/// Alignment to a cache line lets SIMD kernels use aligned loads on fresh tensors, and several
/// tensors (views) can share one storage without copying.
public final class TensorStorage {
    public let dtype: DType
    /// Number of elements (not bytes).
    public let count: Int
    public let base: UnsafeMutableRawPointer

    /// Allocates `count` elements. Memory is zero-filled when `zeroed` is true, else uninitialised.
    public init(count: Int, dtype: DType, zeroed: Bool = false) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        self.dtype = dtype
        self.count = count
        let bytes = Self.allocatedBytes(count, dtype)
        base = StorageCache.allocate(bytes)
        if zeroed { base.initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
    }

    deinit { StorageCache.deallocate(base, bytes: Self.allocatedBytes(count, dtype)) }

    /// The bytes asked of the allocator: at least a cache line, so that no buffer is empty.
    private static func allocatedBytes(_ count: Int, _ dtype: DType) -> Int { max(count * dtype.byteSize, 64) }

    /// The most bytes that freed tensors' large buffers (1 MiB and more) may keep for new tensors of
    /// their size, instead of returning them to the system (which maps and zeroes fresh pages for
    /// the next). A quarter of the machine's memory unless set; 0 turns the reuse off and frees what
    /// is kept, as does lowering it.
    public static var cacheLimit: Int {
        get { StorageCache.usage.limit }
        set { StorageCache.setLimit(newValue) }
    }

    /// The bytes now kept for reuse (see `cacheLimit`).
    public static var cachedBytes: Int { StorageCache.usage.cached }

    @inline(__always) public var floats: UnsafeMutablePointer<Float> {
        base.assumingMemoryBound(to: Float.self)
    }
}
