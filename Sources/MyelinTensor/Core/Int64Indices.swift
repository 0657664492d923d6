/// Calls `body` with `indices` as the C kernels take integer indices, int64_t: Swift's Int is that
/// on every platform Myelin builds for, so the buffer is read in place rather than converted.
func withInt64Indices<R>(_ indices: ArraySlice<Int>, _ body: (UnsafePointer<Int64>?) throws -> R) rethrows -> R {
    try indices.withUnsafeBufferPointer { try $0.withMemoryRebound(to: Int64.self) { try body($0.baseAddress) } }
}
