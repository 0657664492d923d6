import CMyelinKernels
import Testing

/// Every kernel test lives in this suite, run one test at a time: the tests switch process-wide
/// settings (GEMM kernel family, thread count, vector-math path) and must not see each other's.
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

/// The GEMM families this CPU can run, AUTO excluded.
let supportedGEMMPaths: [myelin_gemm_path] = [MYELIN_GEMM_PORTABLE, MYELIN_GEMM_AVX2, MYELIN_GEMM_AVX512]
    .filter { myelin_gemm_path_supported($0) != 0 }
