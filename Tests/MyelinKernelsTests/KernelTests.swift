import CMyelinKernels
import Testing

/// Every kernel test lives in this suite, run one test at a time: the tests switch process-wide
/// settings (the thread count, the process path) and must not see each other's.
@Suite(.serialized) struct KernelTests {}

/// A reproducible stream of floats in [-1, 1).
struct SeededFloats {
    private var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
    }
    mutating func array(_ count: Int) -> [Float] { (0..<count).map { _ in next() } }
}

/// The kernel paths this CPU can run, slowest first (AUTO excluded).
let supportedPaths: [myelin_cpu_path] = [MYELIN_CPU_PORTABLE, MYELIN_CPU_AVX2, MYELIN_CPU_AVX512]
    .filter { myelin_cpu_path_supported($0) != 0 }

/// A path's name, for messages.
func name(_ path: myelin_cpu_path) -> String { String(cString: myelin_cpu_path_name(path)) }

/// Runs `body` once on every path this CPU supports (this thread's override, which the pool's
/// workers follow), then goes back to the process path.
func onEveryPath(_ body: (myelin_cpu_path) throws -> Void) rethrows {
    defer { _ = myelin_cpu_set_thread_path(MYELIN_CPU_AUTO) }
    for path in supportedPaths {
        _ = myelin_cpu_set_thread_path(path)
        try body(path)
    }
}
