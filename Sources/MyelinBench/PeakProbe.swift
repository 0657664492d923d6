import CMyelinKernels
import Foundation
import MyelinTensor

// W9 peak: the single-precision FMA throughput of this machine (CMyelinKernels' probe: independent
// FMA chains, 16 on zmm and 12 on ymm or 128-bit registers, median of 5 trials), the yardstick
// for W8 on each kernel path.

/// The vector width in bits whose FMA peak bounds a kernel path: 512 for AVX-512, 256 for AVX2,
/// 128 for the portable path (SSE2's multiply and add, NEON's FMA).
func fmaWidth(of path: KernelPath) -> Int32 {
    switch path {
    case .avx512: 512
    case .avx2: 256
    case .portable: 128
    }
}

/// The ~0.5 s 2-thread FMA probe of the path in use that every workload line carries (as the
/// reference's `fma_peak 2 0.1 512`: 5 trials of 0.1 s). On Zen 5 AVX-512 gives about 450 when the
/// two vCPUs are not contending, 230–330 when they are.
func probeFMATwoThreads(_ path: KernelPath = .current) -> Double {
    myelin_fma_peak_gflops(2, 0.5, fmaWidth(of: path))
}

/// W9: the FMA peak on 1 and 2 threads for 512-bit and 256-bit vectors, next to /proc/cpuinfo.
func peakWorkload() -> [String: Any] {
    let trialSeconds = 0.5, trials = 5.0
    let measure = { (threads: Int32, width: Int32) in
        rounded(myelin_fma_peak_gflops(threads, trialSeconds * trials, width))
    }
    let avx512One = measure(1, 512), avx512Two = measure(2, 512)
    let avx2One = measure(1, 256), avx2Two = measure(2, 256)
    let portableOne = measure(1, 128), portableTwo = measure(2, 128)
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let mhz = cpuinfoValues(cpuinfo, key: "cpu MHz").compactMap(Double.init)
    let model = cpuinfoValues(cpuinfo, key: "model name").first ?? "unknown"
    var result: [String: Any] = [
        "workload": "peak",
        "avx512_gflops_1core": avx512One,
        "avx512_gflops_2cores_threads": avx512Two,
        "avx2_gflops_1core": avx2One,
        "avx2_gflops_2cores_threads": avx2Two,
        "portable_gflops_1core": portableOne,
        "portable_gflops_2cores_threads": portableTwo,
        "cpuinfo_mhz": mhz,
        "implied_ghz_if_64_flops_per_cycle": rounded(avx512One / 64, 2),
        "cpu_family": Int(myelin_cpu_family()),
        "settings": [
            "probe": "CMyelinKernels myelin_fma_peak_gflops (target attributes, no -m flags)",
            "chains": ["avx512": 16, "avx2": 12, "portable": 12],
            "portable": "128-bit vectors in plain C: multiply + add on SSE2, fused on NEON",
            "trial_s": trialSeconds, "trials": Int(trials), "stat": "median of 5 trials",
            "cpu_model": model,
            "not_measured": "avx*_gflops_2cores_processes_sum (needs two processes)",
        ] as [String: Any],
    ]
    if let first = mhz.first, first > 0 {
        result["avx512_flops_per_cycle_at_cpuinfo_mhz"] = rounded(avx512One * 1e3 / first)
    }
    return result
}

/// The values of every `key : value` line of /proc/cpuinfo.
private func cpuinfoValues(_ text: String, key: String) -> [String] {
    text.split(separator: "\n").compactMap { line in
        let parts = line.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == key else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}
