import CMyelinKernels

/// Splits `[0, count)` into slices over the kernel thread pool and runs `body(begin, end)` on each.
/// Work under two `grain`s stays on the calling thread (thread hand-off costs microseconds).
@inline(__always)
func parallelFor(_ count: Int, grain: Int, _ body: (Int, Int) -> Void) {
    if count < 2 * grain || myelin_thread_count() == 1 {
        body(0, count)
        return
    }
    withoutActuallyEscaping(body) { escapable in
        var closure = escapable
        withUnsafeMutablePointer(to: &closure) { pointer in
            myelin_parallel_for(Int64(count), Int64(grain), { context, begin, end in
                let body = context!.assumingMemoryBound(to: ((Int, Int) -> Void).self).pointee
                body(Int(begin), Int(end))
            }, pointer)
        }
    }
}

/// Thread count used by Myelin's kernels.
public enum Threads {
    /// Number of threads (the caller plus pool workers) that large kernels use.
    public static var count: Int {
        get { Int(myelin_thread_count()) }
        set { myelin_set_thread_count(Int32(newValue)) }
    }
}
