import CMyelinKernels
import Foundation
import Synchronization

/// Keeps the large buffers of freed tensors for the next tensors of the same size class.
///
/// A training step allocates the same large activations and gradients every step. Above 32 MiB
/// the C library hands each one to the kernel when it is freed and maps fresh pages for the next,
/// and the kernel zeroes every page on first touch: for VGG16 at 224×224 that was 8 % of a step.
/// Buffers of at least `minimumBytes` are therefore kept here, up to `limit` bytes in all, and
/// reused by size class (a power of two in eighths, so a buffer is at most 1/8 larger than asked).
/// They come from `myelin_allocate`, which maps them on 2 MiB pages (see memory.c).
enum StorageCache {
    /// Smaller buffers are recycled well by the C library itself.
    static let minimumBytes = Int(MYELIN_HUGE_PAGE_MIN_BYTES)

    private struct State {
        var free: [Int: [UnsafeMutableRawPointer]] = [:]
        var cachedBytes = 0
        var limit = StorageCache.defaultLimit
    }
    private static let state = Mutex(State())

    /// A quarter of the machine's memory.
    private static var defaultLimit: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        return pages > 0 && pageSize > 0 ? pages * pageSize / 4 : 1 << 30
    }

    /// The size class of a request: the bytes actually allocated for it.
    static func sizeClass(_ bytes: Int) -> Int {
        guard bytes >= minimumBytes else { return bytes }
        let power = Int.bitWidth - 1 - bytes.leadingZeroBitCount  // 2^power ≤ bytes
        let step = 1 << (power - 3)
        return (bytes + step - 1) / step * step
    }

    /// A 64-byte aligned buffer of `sizeClass(bytes)` bytes: a cached one when there is one.
    static func allocate(_ bytes: Int) -> UnsafeMutableRawPointer {
        let size = sizeClass(bytes)
        if size >= minimumBytes,
            let reused = state.withLock({ state -> UnsafeMutableRawPointer? in
                guard let buffer = state.free[size]?.popLast() else { return nil }
                state.cachedBytes -= size
                return buffer
            })
        {
            return reused
        }
        guard let buffer = myelin_allocate(size) else {
            fatalError("TensorStorage: the system has no memory left for \(size) bytes")
        }
        return buffer
    }

    /// Takes back a buffer that `allocate(bytes)` returned: kept while the cache has room, else freed.
    static func deallocate(_ buffer: UnsafeMutableRawPointer, bytes: Int) {
        let size = sizeClass(bytes)
        let kept =
            size >= minimumBytes
            && state.withLock { state in
                guard state.cachedBytes + size <= state.limit else { return false }
                state.free[size, default: []].append(buffer)
                state.cachedBytes += size
                return true
            }
        if !kept { myelin_free(buffer, size) }
    }

    /// The bytes held for reuse, and at most how many may be.
    static var usage: (cached: Int, limit: Int) { state.withLock { ($0.cachedBytes, $0.limit) } }

    /// Sets the most bytes held for reuse (0: none), freeing what no longer fits.
    static func setLimit(_ bytes: Int) {
        precondition(bytes >= 0, "TensorStorage.cacheLimit: \(bytes) bytes is negative")
        let freed = state.withLock { state -> [(buffer: UnsafeMutableRawPointer, size: Int)] in
            state.limit = bytes
            var freed: [(buffer: UnsafeMutableRawPointer, size: Int)] = []
            for size in state.free.keys.sorted(by: >) where state.cachedBytes > bytes {
                while state.cachedBytes > bytes, let buffer = state.free[size]?.popLast() {
                    freed.append((buffer, size))
                    state.cachedBytes -= size
                }
            }
            return freed
        }
        for (buffer, size) in freed { myelin_free(buffer, size) }
    }
}
