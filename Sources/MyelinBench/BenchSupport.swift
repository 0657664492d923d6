import CMyelinKernels
import Foundation
import Myelin

/// Monotonic time in seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Monotonic time in nanoseconds, for timing single calls.
func nowNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Times a workload's measured steps. With MYELIN_PERF_CONTROL set to the control FIFO of a
/// `perf record --control fifo:PATH -D -1` (Tools/where_the_time_goes.sh), it also switches perf's
/// sampling on for exactly that stretch, so a profile holds the measured steps and nothing else;
/// with MYELIN_GEMM_PROFILE=1, it times the stretch's products by shape (see `gemmProfile`).
struct Stopwatch {
    private static let perfControl: FileHandle? = ProcessInfo.processInfo.environment["MYELIN_PERF_CONTROL"]
        .flatMap { FileHandle(forWritingAtPath: $0) }
    static let profilesGEMM = ProcessInfo.processInfo.environment["MYELIN_GEMM_PROFILE"] == "1"
    private var started = 0.0

    mutating func start() {
        Self.perfControl?.write(Data("enable\n".utf8))
        if Self.profilesGEMM { myelin_gemm_profile_enable(1) }
        started = now()
    }

    /// Seconds since start().
    func stop() -> Double {
        let seconds = now() - started
        if Self.profilesGEMM { myelin_gemm_profile_enable(0) }
        Self.perfControl?.write(Data("disable\n".utf8))
        return seconds
    }
}

/// The timed stretches' products by shape, most time first: calls, milliseconds summed over them,
/// and GFLOP/s (2·M·N·K per call). The recurrence's per-step products run on every thread at once,
/// each on one thread: their GFLOP/s is one thread's, to set beside the probe divided by the threads.
func gemmProfile() -> [[String: Any]] {
    var entries = [myelin_gemm_profile_entry](
        repeating: myelin_gemm_profile_entry(), count: Int(MYELIN_GEMM_PROFILE_MAX_SHAPES))
    let count = Int(myelin_gemm_profile_entries(&entries, Int64(entries.count)))
    return entries.prefix(count).map { e in
        let flops = 2 * Double(e.m) * Double(e.n) * Double(e.k) * Double(e.calls)
        return [
            "shape": "\(e.m)x\(e.n)x\(e.k)", "a": String(UnicodeScalar(UInt8(bitPattern: e.a))),
            "b": String(UnicodeScalar(UInt8(bitPattern: e.b))), "calls": Int(e.calls),
            "ms": rounded(e.seconds * 1e3, 2), "gflops": rounded(e.seconds > 0 ? flops / e.seconds / 1e9 : 0),
        ]
    }
}

/// Rounds to `places` decimals so JSON lines stay short and readable.
func rounded(_ x: Double, _ places: Int = 1) -> Double {
    let scale = Foundation.pow(10, Double(places))
    return (x * scale).rounded() / scale
}

/// Runs one workload and prints its result as one JSON line, with the kernel path it ran on (`isa`)
/// and that path's two-thread FMA peak probed just before it (`probe_fma_2t_gflops`; on the
/// AVX-512 path also under its old name, `probe_avx512_2t_gflops`).
func runAndEmit(_ workload: () -> [String: Any]) {
    let path = KernelPath.current
    let probe = probeFMATwoThreads(path)
    var line = workload()
    line["isa"] = path.rawValue
    line["probe_fma_2t_gflops"] = rounded(probe)
    if path == .avx512 { line["probe_avx512_2t_gflops"] = rounded(probe) }
    line["threads"] = Threads.count
    line["cpu_family"] = Int(myelin_cpu_family())
    if Stopwatch.profilesGEMM {
        line["gemm_profile"] = gemmProfile()
        let uncounted = myelin_gemm_profile_uncounted_calls()
        if uncounted > 0 { line["gemm_profile_uncounted_calls"] = Int(uncounted) }
    }
    let data = try! JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
    fflush(stdout)
}

/// Loads MNIST from the project's Data/mnist (found from the current folder upward) or from
/// $MNIST_DIR, exiting with the reason if it can't.
func loadMNIST(_ split: MNIST.Split, scaling: MNIST.Scaling = .unitInterval) -> MNIST {
    let directory = ProcessInfo.processInfo.environment["MNIST_DIR"].map { URL(fileURLWithPath: $0) }
    do {
        return try MNIST(split: split, directory: directory, scaling: scaling)
    } catch {
        FileHandle.standardError.write(
            Data(
                """
                MyelinBench: \(error)
                MyelinBench reads MNIST from Data/mnist: run it from the project's folder, or set MNIST_DIR to the folder of the IDX files.

                """.utf8))
        exit(1)
    }
}

/// Test accuracy of a classifier over a whole split, in chunks of 1,000, in evaluation mode.
func accuracy(of model: Module, on data: MNIST, flatten: Bool) -> Double {
    model.eval()
    defer { model.train() }
    return classificationAccuracy(of: { model(flatten ? $0.reshaped([$0.shape[0], -1]) : $0) }, on: data)
}

/// One training step of a classifier on the examples at `indices` (batch assembly included, as the
/// reference scripts time it); returns the loss.
func trainingStep(
    _ model: Module, _ optimizer: Optimizer, _ data: MNIST, _ indices: [Int],
    prepare: (Tensor) -> Tensor = { $0 }, loss: (Tensor, Tensor) -> Tensor = { crossEntropy($0, $1) }
) -> Float {
    let (images, labels) = data.batch(at: indices)
    return minimize(loss(model(prepare(images)), labels), with: optimizer)
}

/// One optimizer step down `loss`'s gradient, the gradients of `clipping`'s parameters clipped to its
/// global norm first when given; returns the loss.
func minimize(_ loss: Tensor, with optimizer: Optimizer, clipping: (parameters: [Tensor], maxNorm: Float)? = nil) -> Float {
    optimizer.zeroGrad()
    loss.backward()
    if let clipping { clipGradientNorm(clipping.parameters, maxNorm: clipping.maxNorm) }
    optimizer.step()
    return loss.item
}

/// `warmup` untimed steps, which are real training steps, then `measured` timed ones; `step(i)`
/// takes step i and returns its loss. Returns the timed steps' seconds and the last loss.
func timedTraining(warmup: Int, measured: Int, _ step: (Int) -> Float) -> (seconds: Double, lastLoss: Float) {
    var lastLoss: Float = 0, clock = Stopwatch()
    for i in 0..<(warmup + measured) {
        if i == warmup { clock.start() }
        lastLoss = step(i)
    }
    return (clock.stop(), lastLoss)
}

/// The reference scripts' warm-up: `steps` full batches and one partial batch (the size of an
/// epoch's last) of random examples, through `step`, on a throw-away model.
func warmUp(steps: Int, batchSize: Int, data: MNIST, step: ([Int]) -> Void) {
    let generator = RandomGenerator(seed: 1)
    for i in 0...steps {
        let size = i < steps ? batchSize : data.count % batchSize
        step((0..<size).map { _ in generator.integer(below: data.count) })
    }
}
