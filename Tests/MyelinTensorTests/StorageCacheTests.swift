import Testing

@testable import MyelinTensor

/// Large buffers of freed tensors are reused by new tensors of their size class. The sizes here
/// are odd on purpose, so that tests running alongside do not take the same buffers.
@Suite(.serialized) struct StorageCacheTests {
    @Test func sizeClassesWasteAtMostAnEighth() {
        for bytes in [StorageCache.minimumBytes, 1_234_567, 3 << 20, (3 << 20) + 1, 100_000_007, 1 << 33] {
            let size = StorageCache.sizeClass(bytes)
            #expect(size >= bytes && size <= bytes + bytes / 8, "\(bytes) bytes in a class of \(size)")
            #expect(size % 64 == 0, "\(bytes) bytes in a class of \(size)")
        }
        // Small buffers are left to the C library, as asked.
        #expect(StorageCache.sizeClass(1000) == 1000)
    }

    @Test func aFreedBufferServesTheNextTensorOfItsClass() {
        var first: TensorStorage? = TensorStorage(count: 777_777, dtype: .float32)
        let buffer = first!.base
        first!.floats[5] = 42
        first = nil
        // 777,000 floats fall in the same class: the buffer comes back, zeroed when asked.
        let second = TensorStorage(count: 777_000, dtype: .float32, zeroed: true)
        #expect(second.base == buffer)
        #expect(second.floats[5] == 0)
        // Small tensors never come from the cache.
        #expect(StorageCache.sizeClass(4 * 1000) < StorageCache.minimumBytes)
    }

    @Test func aLimitOfZeroFreesWhatIsKeptAndKeepsNothing() {
        let saved = TensorStorage.cacheLimit
        defer { TensorStorage.cacheLimit = saved }
        _ = TensorStorage(count: 655_555, dtype: .float32)
        #expect(TensorStorage.cachedBytes >= StorageCache.sizeClass(4 * 655_555))
        TensorStorage.cacheLimit = 0
        #expect(TensorStorage.cachedBytes == 0)
        _ = TensorStorage(count: 655_555, dtype: .float32)
        #expect(TensorStorage.cachedBytes == 0)
    }
}
