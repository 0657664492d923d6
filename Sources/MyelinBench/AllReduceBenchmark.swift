import Foundation
import Myelin

// allreduce: ProcessGroup.allReduce (a sum of floats, in place, its length check included) on
// 4 KB to 64 MB, under `mpirun -np 2`, as Tools/allreduce_gloo.py measures torch.distributed's
// Gloo backend. Per size: 3 warm-up calls, then 5 batches of k calls (k chosen on rank 0 so that a
// batch takes about 0.1 s), each batch started together after a barrier; the figure is the median
// batch's time per call, the slowest rank's. Bus bandwidth after NCCL's tests: bytes × 2(n−1)/n
// over the time, what each link carries in a ring all-reduce.

let allReduceSizes = [4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20]

func allReduceWorkload() -> [String: Any] {
    guard let group = try? ProcessGroup.world(), group.isDistributed else {
        return [
            "workload": "allreduce",
            "error": "run it on several processes: mpirun --allow-run-as-root -np 2 .build/release/MyelinBench allreduce",
        ]
    }
    var seconds: [Double] = [], busBandwidth: [Double] = []
    for bytes in allReduceSizes {
        var buffer = [Float](repeating: 1, count: bytes / 4)
        for _ in 0..<3 { group.allReduce(&buffer) }
        group.barrier()
        let start = now()
        group.allReduce(&buffer)
        let calls = group.allReduced(max(1, Int(0.1 / max(now() - start, 1e-7))), .max)
        var batches: [Double] = []
        for _ in 0..<5 {
            group.barrier()
            let begin = now()
            for _ in 0..<calls { group.allReduce(&buffer) }
            batches.append(group.allReduced((now() - begin) / Double(calls), .max))
        }
        let perCall = batches.sorted()[2]
        seconds.append(perCall)
        busBandwidth.append(Double(bytes) * 2 * Double(group.size - 1) / Double(group.size) / perCall / 1e9)
    }
    return [
        "workload": "allreduce",
        "ranks": group.size,
        "sizes_bytes": allReduceSizes,
        "time_us": seconds.map { rounded($0 * 1e6) },
        "bus_bandwidth_gb_per_sec": busBandwidth.map { rounded($0, 3) },
        "settings": [
            "backend": group.backend, "operation": "sum of float32, in place",
            "timing": "median of 5 batches of calls lasting ~0.1 s, slowest rank", "bus_bandwidth": "bytes x 2(n-1)/n / time",
        ],
    ]
}
