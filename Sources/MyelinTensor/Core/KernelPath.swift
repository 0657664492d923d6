import CMyelinKernels

/// The family of CPU kernels Myelin runs: AVX-512, AVX2 with FMA, or portable C (what Arm gets).
///
/// Every kernel (matrix products, convolutions, vector math, recurrences, attention, layer norm,
/// the Adam update) has all three. A process starts on the best path its CPU supports, or on the one
/// the environment variable `MYELIN_CPU` names (`avx512`, `avx2` or `portable`, capped at what the
/// CPU supports; any other value stops the process with a message naming it).
///
/// ```swift
/// print(KernelPath.current)                       // avx512, avx2 or portable
/// KernelPath.withPath(.portable) { model(x) }     // this thread's kernels on the portable path
/// ```
public enum KernelPath: String, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    case portable, avx2, avx512

    /// The path kernels called from this thread run on now.
    public static var current: KernelPath { KernelPath(myelin_cpu_current_path()) }

    /// The best path this CPU supports.
    public static var best: KernelPath { KernelPath(myelin_cpu_best_path()) }

    /// The paths this CPU supports, slowest first: every one a test should check.
    public static var supported: [KernelPath] { allCases.filter(\.isSupported) }

    /// Whether this CPU can run the path.
    public var isSupported: Bool { myelin_cpu_path_supported(kernelValue) != 0 }

    /// Sets the path of the whole process, capped at what the CPU supports (nil: back to
    /// `MYELIN_CPU` or the best), and returns the path now in use on this thread.
    @discardableResult
    public static func setProcessPath(_ path: KernelPath?) -> KernelPath {
        KernelPath(myelin_cpu_set_path(path?.kernelValue ?? MYELIN_CPU_AUTO))
    }

    /// Runs `body` with the kernels it calls on this thread, and the thread-pool work they start, on
    /// `path` (capped at what the CPU supports), then puts the previous setting back. Other threads
    /// keep their path: tests use this to check every path while other tests run.
    public static func withPath<Result>(_ path: KernelPath, _ body: () throws -> Result) rethrows -> Result {
        let previous = myelin_cpu_set_thread_path(path.kernelValue)
        defer { myelin_cpu_set_thread_path(previous) }
        return try body()
    }

    public var description: String { rawValue }

    public static func < (a: KernelPath, b: KernelPath) -> Bool { a.kernelValue.rawValue < b.kernelValue.rawValue }

    var kernelValue: myelin_cpu_path {
        switch self {
        case .portable: MYELIN_CPU_PORTABLE
        case .avx2: MYELIN_CPU_AVX2
        case .avx512: MYELIN_CPU_AVX512
        }
    }

    init(_ path: myelin_cpu_path) {
        switch path {
        case MYELIN_CPU_AVX512: self = .avx512
        case MYELIN_CPU_AVX2: self = .avx2
        default: self = .portable
        }
    }
}
