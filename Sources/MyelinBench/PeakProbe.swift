import CMyelinKernels
import Foundation

// W9 peak: the single-precision FMA throughput of this machine (CMyelinKernels' probe: independent
// FMA chains, 16 on zmm and 12 on ymm registers, median of 5 trials), the yardstick for W8.

/// The ~0.5 s 2-thread AVX-512 FMA probe every workload line carries (the reference's
/// `fma_peak 2 0.1 512`: 5 trials of 0.1 s): about 450 = the two vCPUs are not contending.
func probeAVX512TwoThreads() -> Double {
    myelin_fma_peak_gflops(2, 0.5, 512)
}

/// W9: the FMA peak on 1 and 2 threads for 512-bit and 256-bit vectors, next to /proc/cpuinfo.
func peakWorkload() -> [String: Any] {
    let trialSeconds = 0.5, trials = 5.0
    let measure = { (threads: Int32, width: Int32) in
        rounded(myelin_fma_peak_gflops(threads, trialSeconds * trials, width))
    }
    let avx512One = measure(1, 512), avx512Two = measure(2, 512)
    let avx2One = measure(1, 256), avx2Two = measure(2, 256)
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let mhz = cpuinfoValues(cpuinfo, key: "cpu MHz").compactMap(Double.init)
    let model = cpuinfoValues(cpuinfo, key: "model name").first ?? "unknown"
    var result: [String: Any] = [
        "workload": "peak",
        "avx512_gflops_1core": avx512One,
        "avx512_gflops_2cores_threads": avx512Two,
        "avx2_gflops_1core": avx2One,
        "avx2_gflops_2cores_threads": avx2Two,
        "cpuinfo_mhz": mhz,
        "implied_ghz_if_64_flops_per_cycle": rounded(avx512One / 64, 2),
        "cpu_family": Int(myelin_cpu_family()),
        "settings": [
            "probe": "CMyelinKernels myelin_fma_peak_gflops (target attributes, no -m flags)",
            "chains": ["avx512": 16, "avx2": 12],
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

