import CMyelinKernels
import Foundation

/// Splits `[0, count)` into contiguous slices over the kernel thread pool and runs
/// `body(begin, end)` on each, returning when all are done. Work under two `grain`s stays on the
/// calling thread (a hand-off costs microseconds). Slices must not write to shared locations.
@inline(__always)
public func parallelFor(_ count: Int, grain: Int, _ body: (Int, Int) -> Void) {
    if count < 2 * grain || myelin_threads_here() == 1 {
        body(0, count)
        return
    }
    withoutActuallyEscaping(body) { escapable in
        var closure = escapable
        withUnsafeMutablePointer(to: &closure) { pointer in
            myelin_parallel_for(
                Int64(count), Int64(grain),
                { context, begin, end in
                    let body = context!.assumingMemoryBound(to: ((Int, Int) -> Void).self).pointee
                    body(Int(begin), Int(end))
                }, pointer)
        }
    }
}

/// Thread count used by Myelin's kernels.
public enum Threads {
    /// Number of threads (the caller plus pool workers) that large kernels use: by default one per
    /// core this process may run on, or the environment's MYELIN_THREADS.
    public static var count: Int {
        get { Int(myelin_thread_count()) }
        set { myelin_set_thread_count(Int32(newValue)) }
    }

    /// Whether MYELIN_THREADS chose the count (then nobody else should).
    public static var isSetByEnvironment: Bool { getenv("MYELIN_THREADS") != nil }

    /// Runs `body` with the kernels it starts from this thread using `count` threads, whatever
    /// `count` is set to for the process meanwhile (other threads keep theirs): for a test that needs
    /// one or two threads while other tests run at once.
    public static func withCount<Result>(_ count: Int, _ body: () throws -> Result) rethrows -> Result {
        precondition(count >= 1, "Threads.withCount: needs at least 1 thread, got \(count)")
        let previous = myelin_set_thread_count_here(Int32(count))
        defer { myelin_set_thread_count_here(previous) }
        return try body()
    }

    /// Runs `body` with every kernel it starts on the calling thread alone, leaving the pool's
    /// workers to other threads: for background work (a data loader's next batch) beside the thread
    /// that trains, as PyTorch's loader workers each run on one thread.
    public static func alone<Result>(_ body: () throws -> Result) rethrows -> Result {
        let previous = myelin_set_thread_alone(1)
        defer { myelin_set_thread_alone(previous) }
        return try body()
    }
}
