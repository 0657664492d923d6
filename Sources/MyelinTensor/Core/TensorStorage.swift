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
        let bytes = max(count * dtype.byteSize, 64)
        base = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        if zeroed { base.initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
    }

    deinit { base.deallocate() }

    @inline(__always) public var floats: UnsafeMutablePointer<Float> {
        base.assumingMemoryBound(to: Float.self)
    }
}
