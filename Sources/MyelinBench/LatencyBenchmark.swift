import Myelin

/// W7: inference latency of W1's MLP (fresh default init, eval mode, no gradient recording) for
/// batch 1 and batch 128: 1,000 warm-up calls, then 10,000 calls each timed on its own.
func latencyWorkload() -> [String: Any] {
    manualSeed(0)
    let model = Sequential {
        Linear(784, 256); ReLU(); Linear(256, 256); ReLU(); Linear(256, 10)
    }
    model.eval()
    func measure(_ x: Tensor) -> [String: Double] {
        var times = [UInt64]()
        times.reserveCapacity(10_000)
        withoutGrad {
            for _ in 0..<1_000 { _ = model(x) }
            for _ in 0..<10_000 {
                let start = nowNanoseconds()
                _ = model(x)
                times.append(nowNanoseconds() - start)
            }
        }
        times.sort()
        let us = { (ns: UInt64) in rounded(Double(ns) / 1000, 2) }
        return [
            "median_us": us(times[times.count / 2]), "p10_us": us(times[times.count / 10]),
            "p90_us": us(times[9 * times.count / 10]),
            "mean_us": rounded(Double(times.reduce(0, +)) / Double(times.count) / 1000, 2),
        ]
    }
    let batch1 = measure(Tensor.rand([1, 784]))
    let batch128 = measure(Tensor.rand([128, 784]))
    return [
        "workload": "latency",
        "batch1_median_us": batch1["median_us"]!,
        "batch128_median_us": batch128["median_us"]!,
        "batch1": batch1, "batch128": batch128,
        "batch128_samples_per_sec_from_median": rounded(128 / (batch128["median_us"]! * 1e-6)),
        "settings": [
            "model": "W1 MLP 784-256-256-10", "no_grad": true, "warmup_calls": 1000,
            "timed_calls": 10000, "timer": "CLOCK_MONOTONIC per call",
        ] as [String: Any],
    ]
}
