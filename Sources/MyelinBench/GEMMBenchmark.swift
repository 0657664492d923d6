import CMyelinKernels
import Foundation
import MyelinTensor

// W8 gemm: float32 C = A·B, square n ∈ {128 … 2048}, 2n³ flops, as torch/w8_gemm.py measures
// torch.mm: per size a warm-up, then 7 batches of k calls (k chosen so a batch takes ~0.1 s); the
// median batch is the figure and the best batch is kept too. Myelin runs with 2 threads (the
// reference setting) and with 1, each beside an FMA peak probe taken in the same run, so the
// percentages hold even when the two vCPUs contend. The MLP's own GEMM shapes follow, with the
// transposed operands read through strides as MyelinTensor passes them.

private let gemmSizes = [128, 256, 512, 1024, 2048]

/// One product to time: C[m×n] = A[m×k]·B[k×n] + beta·C, each operand row-major or transposed, or
/// B packed once beforehand (`packedB`, myelin_sgemm_packed_b). With `factors`
/// (myelin_sgemm_times), each output is multiplied by its own factor. C (and the factors) rotate
/// through `copies` buffers: four of the transformer's shape are 32 MiB, so that they come from
/// memory as they do in training.
private struct GEMMShape {
    let name: String
    let m: Int, n: Int, k: Int
    var transposeA = false, transposeB = false
    var beta: Float = 0
    var factors = false
    var packedB = false
    var copies = 1
}

/// W4's per-step recurrent product on one thread's half of the batch: h[16×256]·W_hhᵀ[256×1024]
/// added onto the gates, W_hhᵀ packed once as the recurrence packs it.
private let lstmStepShape = GEMMShape(name: "lstm_step_16x256_x_256x1024", m: 16, n: 1024, k: 256, beta: 1, packedB: true)

/// The MLP of W1 (784-256-256-10, batch 128): forward x·Wᵀ, the input gradient dY·W, the
/// weight gradient dYᵀ·X.
private let mlpShapes = [
    GEMMShape(name: "fwd_128x784_x_784x256_Bt", m: 128, n: 256, k: 784, transposeB: true),
    GEMMShape(name: "fwd_128x784_x_784x256", m: 128, n: 256, k: 784),
    GEMMShape(name: "dx_128x256_x_256x784", m: 128, n: 784, k: 256),
    GEMMShape(name: "dx_128x256_x_256x784_Bt", m: 128, n: 784, k: 256, transposeB: true),
    GEMMShape(name: "dw_256x128_At_x_128x784", m: 256, n: 784, k: 128, transposeA: true),
    GEMMShape(name: "fwd_128x256_x_256x256_Bt", m: 128, n: 256, k: 256, transposeB: true),
]

/// W6's feed-forward gradient through GELU (dY[2048×128]·W2[128×512] ⊙ GELU's slope), and the same
/// product without the factors.
private let geluSlopeShapes = [
    GEMMShape(name: "gelu_slope_2048x128_x_128x512", m: 2048, n: 512, k: 128, factors: true, copies: 4),
    GEMMShape(name: "same_without_slope", m: 2048, n: 512, k: 128, copies: 4),
]

/// Median and best GFLOP/s of 7 batches of ~0.1 s.
private func timeShape(_ s: GEMMShape, threads: Int32) -> (median: Double, best: Double) {
    myelin_set_thread_count(threads)
    // Operands aligned to 64 bytes as MyelinTensor's storage is (a Swift array is not: a vector
    // load from it can straddle two cache lines, which cost the LSTM step a quarter of its speed).
    let a = alignedFloats(s.m * s.k) { Float(($0 * 7) % 23) / 23 - 0.5 }
    let (rsA, csA) = s.transposeA ? (1, s.m) : (s.k, 1)
    let (rsB, csB) = s.transposeB ? (1, s.k) : (s.n, 1)
    let b = alignedFloats(s.k * s.n) { Float(($0 * 5) % 19) / 19 - 0.5 }
    let copies = s.copies, size = s.m * s.n
    let c = alignedFloats(size * copies) { _ in 0 }
    let factors = alignedFloats(s.factors ? size * copies : 1) { Float(($0 * 3) % 17) / 17 }
    let packed = alignedFloats(s.packedB ? Int(myelin_gemm_packed_b_floats(Int64(s.k), Int64(s.n))) : 1) { _ in 0 }
    if s.packedB { myelin_gemm_pack_b(Int64(s.k), Int64(s.n), b, Int64(rsB), Int64(csB), packed) }
    defer { [a, b, c, factors, packed].forEach { $0.deallocate() } }
    let flops = 2.0 * Double(s.m) * Double(s.n) * Double(s.k)
    var calls = 0
    let call = {
        let copy = calls % copies * size
        calls += 1
        if s.packedB {
            myelin_sgemm_packed_b(
                Int64(s.m), Int64(s.n), Int64(s.k), 1, a, Int64(rsA), Int64(csA), packed, s.beta, c + copy, Int64(s.n),
                nil, MYELIN_ACTIVATION_NONE)
            return
        }
        myelin_sgemm_times(
            Int64(s.m), Int64(s.n), Int64(s.k), 1, a, Int64(rsA), Int64(csA), b, Int64(rsB), Int64(csB), s.beta,
            c + copy, Int64(s.n), nil, MYELIN_ACTIVATION_NONE, s.factors ? factors + copy : nil, Int64(s.n))
    }
    call()
    var start = now()
    call()
    let once = max(now() - start, 1e-7)
    let k = max(1, Int(0.1 / once))
    for _ in 0..<k { call() }
    var rates: [Double] = []
    for _ in 0..<7 {
        start = now()
        for _ in 0..<k { call() }
        rates.append(flops * Double(k) / (now() - start) / 1e9)
    }
    rates.sort()
    return (rates[3], rates[6])
}

/// `count` floats at a 64-byte boundary, element i set to `value(i)`; the caller deallocates.
private func alignedFloats(_ count: Int, _ value: (Int) -> Float) -> UnsafeMutablePointer<Float> {
    let floats = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.size, alignment: 64)
        .bindMemory(to: Float.self, capacity: count)
    for i in 0..<count { floats[i] = value(i) }
    return floats
}

/// W8: Myelin's SGEMM at 2 and 1 threads on the kernel path in use, with that path's FMA peak
/// measured in the same run.
func gemmWorkload() -> [String: Any] {
    let threadsBefore = myelin_thread_count()
    defer { myelin_set_thread_count(threadsBefore) }
    let start = now()
    let path = KernelPath.current, width = fmaWidth(of: path)

    // The 1-thread peak first (as W9 measures it, shorter: 5 trials of 0.1 s), then a 2-thread
    // probe right before each size's 2-thread run, since contention between the vCPUs comes and goes.
    let peakOne = myelin_fma_peak_gflops(1, 0.5, width)
    var twoThreads: [String: Double] = [:], oneThread: [String: Double] = [:]
    var bestTwo: [String: Double] = [:], bestOne: [String: Double] = [:]
    var probes: [String: Double] = [:]
    var percentTwo: [String: Double] = [:], percentOne: [String: Double] = [:]
    for n in gemmSizes {
        let key = String(n), shape = GEMMShape(name: key, m: n, n: n, k: n)
        let probe = myelin_fma_peak_gflops(2, 0.25, width)
        let two = timeShape(shape, threads: 2)
        let one = timeShape(shape, threads: 1)
        probes[key] = rounded(probe)
        (twoThreads[key], bestTwo[key]) = (rounded(two.median), rounded(two.best))
        (oneThread[key], bestOne[key]) = (rounded(one.median), rounded(one.best))
        if probe > 0 { percentTwo[key] = rounded(100 * two.median / probe) }
        if peakOne > 0 { percentOne[key] = rounded(100 * one.median / peakOne) }
    }
    var shapesTwo: [String: Double] = [:], shapesOne: [String: Double] = [:]
    for shape in mlpShapes {
        shapesTwo[shape.name] = rounded(timeShape(shape, threads: 2).median)
        shapesOne[shape.name] = rounded(timeShape(shape, threads: 1).median)
    }
    let lstmStep = timeShape(lstmStepShape, threads: 1).median
    var geluSlope: [String: Double] = [:]
    for shape in geluSlopeShapes { geluSlope[shape.name] = rounded(timeShape(shape, threads: 2).median) }
    let peakTwoAtEnd = myelin_fma_peak_gflops(2, 0.5, width)
    let sortedProbes = probes.values.sorted()
    let medianProbe = sortedProbes.isEmpty ? peakTwoAtEnd : sortedProbes[sortedProbes.count / 2]

    var result: [String: Any] = [
        "workload": "gemm",
        "myelin_gflops": twoThreads,
        "myelin_gflops_1thread": oneThread,
        "best_batch_gflops": ["myelin": bestTwo, "myelin_1thread": bestOne],
        "peak_fma_1t_gflops": rounded(peakOne),
        "peak_fma_2t_gflops": rounded(medianProbe),
        "peak_fma_2t_gflops_at_end": rounded(peakTwoAtEnd),
        "peak_fma_2t_gflops_before_size": probes,
        "percent_of_peak_2t": percentTwo,
        "percent_of_peak_1t": percentOne,
        "mlp_shapes_gflops": shapesTwo,
        "mlp_shapes_gflops_1thread": shapesOne,
        "lstm_step_gflops_1thread": rounded(lstmStep),
        "lstm_step_percent_of_peak_1t": peakOne > 0 ? rounded(100 * lstmStep / peakOne) : 0,
        "gelu_slope_gflops": geluSlope,
        "cpu_family": Int(myelin_cpu_family()),
        "gemm_kernel": path.rawValue,
        "wall_s": rounded(now() - start, 2),
        "settings": [
            "sizes": gemmSizes, "dtype": "float32", "flops": "2*n^3",
            "timing": "median of 7 batches of ~0.1 s", "threads": [2, 1],
            "peak": "FMA peak of the kernel path in use (\(width)-bit vectors)",
            "percent_of_peak_2t": "median 2-thread GFLOP/s over a 2-thread probe taken just before that size",
            "percent_of_peak_1t": "median 1-thread GFLOP/s over the 1-thread peak",
            "mlp_shapes": "W1's GEMMs (batch 128); _Bt / _At: that operand transposed, read through strides",
            "lstm_step": "W4's recurrent GEMM per step and thread: 16x256 · 256x1024 (B packed once), beta 1, 1 thread",
            "gelu_slope": "W6's dY·W2 times GELU's slope, 2 threads, C and the slopes rotating through 4 copies; and without the slopes",
        ] as [String: Any],
    ]
    // The peaks under the path's own name too (peak_avx512_* as before on the AVX-512 path).
    result["peak_\(path.rawValue)_1t_gflops"] = rounded(peakOne)
    result["peak_\(path.rawValue)_2t_gflops"] = rounded(medianProbe)
    return result
}
