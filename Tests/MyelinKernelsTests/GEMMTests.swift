import CMyelinKernels
import Testing

/// How a matrix operand is laid out in memory.
enum Layout: CustomStringConvertible {
    case rowMajor
    case transposed  // stored as its transpose, row-major: column-major
    case strided  // row stride larger than the width, column stride 2
    case transposedGaps  // column-major with gaps: neither stride is 1

    /// (row stride, column stride, floats of storage) for a rows×cols matrix.
    func strides(rows: Int, cols: Int) -> (rs: Int, cs: Int, count: Int) {
        switch self {
        case .rowMajor: return (cols, 1, max(rows * cols, 1))
        case .transposed: return (1, rows, max(rows * cols, 1))
        case .strided: return (2 * cols + 3, 2, max(rows * (2 * cols + 3), 1))
        case .transposedGaps: return (2, 2 * rows + 5, max(cols * (2 * rows + 5), 1))
        }
    }

    var description: String {
        switch self {
        case .rowMajor: "row-major"
        case .transposed: "transposed"
        case .strided: "strided"
        case .transposedGaps: "transposed+gaps"
        }
    }
}

struct GEMMCase: CustomTestStringConvertible, Sendable {
    var m: Int, n: Int, k: Int
    var a: Layout = .rowMajor, b: Layout = .rowMajor
    var alpha: Float = 1, beta: Float = 0
    var bias = false, relu = false
    /// Through `myelin_sgemm_times`, each output multiplied by its own factor last.
    var times = false
    /// Through `myelin_sgemm_summing_a`, A's columns also added into rows of sums by group.
    var sums = false
    /// Through `myelin_sgemm_summing_b`, B's columns also summed (a bias gradient beside its weight's).
    var bSums = false
    /// Through `myelin_gemm_pack_b` and `myelin_sgemm_packed_b`, B packed once before the product.
    var packedB = false

    var testDescription: String {
        "\(m)×\(k)·\(k)×\(n) A \(a) B \(b) alpha \(alpha) beta \(beta)\(bias ? " bias" : "")\(relu ? " relu" : "")"
            + "\(times ? " times" : "")\(sums ? " sums" : "")\(bSums ? " B sums" : "")\(packedB ? " B packed" : "")"
    }
}

extension Layout: Sendable {}

/// The shapes that break blocked GEMMs: 1×1, sizes that are no multiple of any register tile,
/// GEMV both ways, K = 1 and K = 0, every operand layout, alpha/beta/bias/ReLU, and products big
/// enough to be split over threads (by columns, and by rows when N is narrow).
let gemmCases: [GEMMCase] = {
    var cases = [
        GEMMCase(m: 1, n: 1, k: 1),
        GEMMCase(m: 7, n: 5, k: 13),
        GEMMCase(m: 129, n: 65, k: 257),
        GEMMCase(m: 1, n: 256, k: 784),
        GEMMCase(m: 1, n: 256, k: 784, b: .transposed),
        GEMMCase(m: 1, n: 37, k: 50, a: .strided, b: .strided, alpha: 0.5, beta: 2, bias: true, relu: true),
        GEMMCase(m: 300, n: 200, k: 1),
        GEMMCase(m: 300, n: 1, k: 70, alpha: -1, beta: 0.5, bias: true),
        GEMMCase(m: 300, n: 1, k: 70, a: .transposed),
        GEMMCase(m: 13, n: 17, k: 0, beta: 0.5, bias: true, relu: true),
        GEMMCase(m: 13, n: 17, k: 0),
        GEMMCase(m: 128, n: 256, k: 784, b: .transposed, bias: true, relu: true),
        GEMMCase(m: 200, n: 150, k: 300, alpha: 1.5, beta: -1),
        GEMMCase(m: 2000, n: 20, k: 40, a: .transposed),
        GEMMCase(m: 25, n: 600, k: 490, a: .transposed, b: .transposed, bias: true),
        GEMMCase(m: 12, n: 32, k: 16),
        GEMMCase(m: 24, n: 64, k: 480),
        // Operands read in place or packed, by size and by row stride (4 KiB multiples are packed).
        GEMMCase(m: 100, n: 300, k: 1024, alpha: -0.5, beta: 1),
        GEMMCase(m: 100, n: 300, k: 256, alpha: -0.5, beta: 1),
        GEMMCase(m: 64, n: 520, k: 600, bias: true, relu: true),
        GEMMCase(m: 300, n: 100, k: 600, alpha: 2),
        GEMMCase(m: 300, n: 300, k: 200, beta: 0.5),
        GEMMCase(m: 40, n: 1024, k: 1024, b: .transposed),
        // Row tiles of up to 4 rows over a B read in place take strips of three vectors (AVX2,
        // AVX-512): after each group of three panels when the A block fits L1 (16 rows: AVX2's
        // 6 + 6 + 4), else across the row (58 rows: 6·9 + 4, A past L1 for any K block), and alone
        // (4 rows: the only short tile AVX-512's 12-row tiles leave); with every epilogue and more
        // than one K block.
        GEMMCase(m: 16, n: 100, k: 600, alpha: 0.5, beta: 1, bias: true, relu: true, times: true),
        GEMMCase(m: 58, n: 75, k: 900, beta: -0.5, bias: true),
        GEMMCase(m: 4, n: 53, k: 33, alpha: 2, times: true),
        GEMMCase(m: 4, n: 130, k: 600, beta: 0.5, bias: true, relu: true),
        // A weight gradient with more columns than rows (split by columns, B read in place): each
        // block's first row tile fetches B's rows ahead, into the next K block and up to the end of K.
        GEMMCase(m: 70, n: 200, k: 700, a: .transposed, beta: 1, bias: true),
        // B read in place and packed by each block's first row tile for the tiles below it (AVX2,
        // portable): the last panel 3 columns wide (less than a vector on both), with A blocks past
        // L1 and short tiles' strips over the panels it packed (50 rows: AVX2's 6·7 + 4 + 4).
        GEMMCase(m: 50, n: 211, k: 700, a: .transposed, beta: 0.5, bias: true),
        // A weight gradient's shape (N ≤ M: split by rows, B packed once and shared, three K blocks).
        GEMMCase(m: 520, n: 130, k: 1100, a: .transposed, b: .transposed, beta: 1),
        // Split by rows with a row-major B whose K block (500 × 600 floats) is larger than half of
        // L2: packed and shared rather than read in place.
        GEMMCase(m: 700, n: 600, k: 500, beta: 0.5, bias: true),
    ]
    for a in [Layout.rowMajor, .transposed, .strided, .transposedGaps] {
        for b in [Layout.rowMajor, .transposed, .strided, .transposedGaps] {
            cases.append(GEMMCase(m: 37, n: 70, k: 50, a: a, b: b))
        }
    }
    cases.append(GEMMCase(m: 37, n: 70, k: 50, alpha: 0.25, beta: 0))
    cases.append(GEMMCase(m: 37, n: 70, k: 50, alpha: 2, beta: 3))
    cases.append(GEMMCase(m: 37, n: 70, k: 50, a: .transposed, b: .transposed, alpha: -1, beta: 1, bias: true, relu: true))
    cases.append(GEMMCase(m: 37, n: 70, k: 50, alpha: 0, beta: 0.5, bias: true))
    // The factors of myelin_sgemm_times: on the last K block only (three blocks here), on partial
    // tiles, split by rows and by columns, through GEMV both ways and with K = 0.
    cases.append(GEMMCase(m: 520, n: 130, k: 1100, a: .transposed, beta: 1, bias: true, times: true))
    cases.append(GEMMCase(m: 61, n: 300, k: 700, b: .transposed, alpha: 0.5, relu: true, times: true))
    cases.append(GEMMCase(m: 7, n: 5, k: 13, beta: 2, times: true))
    cases.append(GEMMCase(m: 1, n: 37, k: 50, bias: true, times: true))
    cases.append(GEMMCase(m: 300, n: 1, k: 70, beta: 0.5, times: true))
    cases.append(GEMMCase(m: 13, n: 17, k: 0, beta: 0.5, bias: true, times: true))
    // The sums of myelin_sgemm_summing_a: made as A is packed where the product is split by rows and
    // A is stored transposed (partial tiles of A's rows and columns, chunks starting off any vector
    // boundary, alpha scaling the product but not the sums), a few row tiles at a time where it is
    // split by rows and reads a row-major A in place (three K blocks, chunks of several groups of
    // tiles), and in a pass of their own everywhere else: one thread, split by columns, A in other
    // layouts, GEMV both ways, alpha = 0 and K = 0.
    cases.append(GEMMCase(m: 520, n: 130, k: 1100, a: .transposed, beta: 1, sums: true))
    cases.append(GEMMCase(m: 520, n: 130, k: 1100, alpha: 0.5, sums: true))
    cases.append(GEMMCase(m: 99, n: 40, k: 333, a: .transposed, alpha: 0.5, sums: true))
    cases.append(GEMMCase(m: 61, n: 300, k: 700, a: .transposed, b: .transposed, sums: true))
    for a in [Layout.rowMajor, .strided, .transposedGaps] { cases.append(GEMMCase(m: 99, n: 40, k: 333, a: a, sums: true)) }
    cases.append(GEMMCase(m: 1, n: 37, k: 50, a: .transposed, sums: true))
    cases.append(GEMMCase(m: 300, n: 1, k: 70, a: .transposed, beta: 0.5, sums: true))
    cases.append(GEMMCase(m: 37, n: 70, k: 50, a: .transposed, alpha: 0, beta: 0.5, sums: true))
    cases.append(GEMMCase(m: 13, n: 17, k: 0, a: .transposed, sums: true))
    // The column sums of myelin_sgemm_summing_b: chunk by chunk where column chunks read B in place
    // (two K blocks), in a pass of their own everywhere else: split by rows (three K blocks), B
    // stored transposed, strided, GEMV both ways, alpha = 0 and K = 0.
    cases.append(GEMMCase(m: 70, n: 200, k: 700, a: .transposed, beta: 1, bSums: true))
    cases.append(GEMMCase(m: 520, n: 130, k: 1100, a: .transposed, bSums: true))
    // Summed chunk by chunk on one thread (columns, B in place) and in their own pass on two and
    // three (split by rows): the same bits either way.
    cases.append(GEMMCase(m: 200, n: 100, k: 700, a: .transposed, bSums: true))
    cases.append(GEMMCase(m: 61, n: 300, k: 700, b: .transposed, bSums: true))
    cases.append(GEMMCase(m: 37, n: 70, k: 50, b: .strided, bSums: true))
    cases.append(GEMMCase(m: 1, n: 37, k: 50, bSums: true))
    cases.append(GEMMCase(m: 300, n: 1, k: 70, bSums: true))
    cases.append(GEMMCase(m: 37, n: 70, k: 50, alpha: 0, beta: 0.5, bSums: true))
    cases.append(GEMMCase(m: 13, n: 17, k: 0, bSums: true))
    // B packed once (a recurrence's W_hh, multiplied every step): the per-step shapes (one K block
    // and two), short row tiles, GEMV, split by columns and by rows on two threads (the split packs
    // nothing then), B stored transposed, every epilogue, alpha = 0 and K = 0.
    cases.append(GEMMCase(m: 16, n: 1024, k: 256, alpha: 0.5, beta: 1, bias: true, packedB: true))
    cases.append(GEMMCase(m: 16, n: 256, k: 1024, b: .transposed, beta: 1, packedB: true))
    cases.append(GEMMCase(m: 4, n: 53, k: 33, alpha: 2, relu: true, packedB: true))
    // Short tiles' strips over packed panels, in pairs of three panels, then whole panels: AVX2's
    // 6 + 4 rows over 120 columns (two pairs, then 24 columns as panels), AVX-512's 4 × 200 (two
    // pairs, then 8 columns).
    cases.append(GEMMCase(m: 4, n: 200, k: 300, beta: 0.5, bias: true, packedB: true))
    cases.append(GEMMCase(m: 10, n: 120, k: 70, alpha: -1, packedB: true))
    // A 16-row A block past L1 (AVX2: the short tile's strips across the row, a pair, then two and
    // a half panels), and K = 1 (a packed block one row deep).
    cases.append(GEMMCase(m: 16, n: 88, k: 1024, beta: 1, packedB: true))
    cases.append(GEMMCase(m: 4, n: 100, k: 1, bias: true, packedB: true))
    cases.append(GEMMCase(m: 1, n: 37, k: 50, b: .strided, bias: true, packedB: true))
    cases.append(GEMMCase(m: 300, n: 1, k: 70, beta: 0.5, packedB: true))
    cases.append(GEMMCase(m: 61, n: 300, k: 700, a: .transposed, alpha: 0.5, relu: true, packedB: true))
    cases.append(GEMMCase(m: 520, n: 130, k: 1100, a: .transposed, b: .transposed, beta: 1, packedB: true))
    cases.append(GEMMCase(m: 37, n: 70, k: 50, alpha: 0, beta: 0.5, bias: true, packedB: true))
    cases.append(GEMMCase(m: 13, n: 17, k: 0, beta: 0.5, bias: true, packedB: true))
    return cases
}()

extension KernelTests {
    @Suite struct GEMM {
        /// Checks one case on every kernel family and on 1 and 2 threads (3 as well for the sums, so that
        /// more chunks start off a vector boundary at once) against a double-precision
        /// reference.
        ///
        /// Tolerance: each output is a K-term dot product, so float rounding is bounded by about
        /// K·u·Σ|a||b| (u = 2⁻²⁴, whatever the summation order or FMA use), plus one rounding each for
        /// alpha, beta·C, the bias and the factor t of `times`:
        /// |C − ref| ≤ (K + 5)·u·(|alpha|·Σ|a||b| + |beta·C₀| + |bias|)·|t|.
        @Test(arguments: gemmCases)
        func matchesReference(_ c: GEMMCase) {
            var rng = SeededFloats(seed: UInt64(c.m * 7919 + c.n * 104_729 + c.k * 31))
            let (rsA, csA, countA) = c.a.strides(rows: c.m, cols: c.k)
            let (rsB, csB, countB) = c.b.strides(rows: c.k, cols: c.n)
            let a = rng.array(countA), b = rng.array(countB), bias = rng.array(c.n)
            let ldc = c.n + 3, ldt = c.n + 5
            let initialC = rng.array(c.m * ldc), factors = rng.array(c.m * ldt)
            // Seven groups, repeats in every run of columns; sums' rows 4 floats longer than M.
            let groups: [Int64] = (0..<c.k).map { (p: Int) -> Int64 in Int64((5 * p + p / 3) % 7) }
            let ldSums = c.m + 4
            let initialSums = rng.array(7 * ldSums)
            var wantSums = initialSums  // in float, column after column: the order the GEMM must keep
            for p in 0..<c.k {
                for i in 0..<c.m { wantSums[Int(groups[p]) * ldSums + i] += a[i * rsA + p * csA] }
            }
            // B's column sums start from values of their own: the GEMM adds to them. Four sentinels
            // after them must survive.
            let initialBSums = rng.array(c.n) + [Float](repeating: 12345, count: 4)
            var firstBSums: [Float]? = nil  // the first thread count's, which every other must match

            // The reference: Σ a·b and Σ|a·b| in double.
            var dot = [Double](repeating: 0, count: c.m * c.n), size = dot
            for i in 0..<c.m {
                for j in 0..<c.n {
                    var s = 0.0, t = 0.0
                    for p in 0..<c.k {
                        let x = Double(a[i * rsA + p * csA]) * Double(b[p * rsB + j * csB])
                        s += x
                        t += abs(x)
                    }
                    dot[i * c.n + j] = s
                    size[i * c.n + j] = t
                }
            }

            let threadsBefore = myelin_thread_count()
            defer { myelin_set_thread_count(threadsBefore) }
            onEveryPath { path in
                #expect(myelin_cpu_current_path() == path)
                firstBSums = nil
                for threads: Int32 in c.sums || c.bSums ? [1, 2, 3] : [1, 2] {
                    myelin_set_thread_count(threads)
                    // beta == 0 must not read C: fill it with NaN. Padding past column n holds a
                    // sentinel that must survive.
                    var out = initialC, sums = initialSums, bSums = initialBSums
                    for i in 0..<c.m {
                        for j in 0..<ldc { out[i * ldc + j] = j >= c.n ? 12345 : c.beta == 0 ? .nan : initialC[i * ldc + j] }
                    }
                    a.withUnsafeBufferPointer { a in
                        b.withUnsafeBufferPointer { b in
                            bias.withUnsafeBufferPointer { bias in
                                let activation = c.relu ? MYELIN_ACTIVATION_RELU : MYELIN_ACTIVATION_NONE
                                if c.packedB {
                                    var packed = [Float](
                                        repeating: .nan, count: max(Int(myelin_gemm_packed_b_floats(Int64(c.k), Int64(c.n))), 1))
                                    myelin_gemm_pack_b(Int64(c.k), Int64(c.n), b.baseAddress, Int64(rsB), Int64(csB), &packed)
                                    myelin_sgemm_packed_b(
                                        Int64(c.m), Int64(c.n), Int64(c.k), c.alpha, a.baseAddress, Int64(rsA),
                                        Int64(csA), packed, c.beta, &out, Int64(ldc), c.bias ? bias.baseAddress : nil,
                                        activation)
                                } else if c.bSums {
                                    myelin_sgemm_summing_b(
                                        Int64(c.m), Int64(c.n), Int64(c.k), c.alpha, a.baseAddress, Int64(rsA),
                                        Int64(csA), b.baseAddress, Int64(rsB), Int64(csB), c.beta, &out,
                                        Int64(ldc), &bSums)
                                } else if c.sums {
                                    myelin_sgemm_summing_a(
                                        Int64(c.m), Int64(c.n), Int64(c.k), c.alpha, a.baseAddress, Int64(rsA),
                                        Int64(csA), b.baseAddress, Int64(rsB), Int64(csB), c.beta, &out,
                                        Int64(ldc), groups, &sums, Int64(ldSums))
                                } else if c.times {
                                    myelin_sgemm_times(
                                        Int64(c.m), Int64(c.n), Int64(c.k), c.alpha, a.baseAddress, Int64(rsA),
                                        Int64(csA), b.baseAddress, Int64(rsB), Int64(csB), c.beta, &out,
                                        Int64(ldc), c.bias ? bias.baseAddress : nil, activation, factors, Int64(ldt))
                                } else {
                                    myelin_sgemm(
                                        Int64(c.m), Int64(c.n), Int64(c.k), c.alpha, a.baseAddress, Int64(rsA),
                                        Int64(csA), b.baseAddress, Int64(rsB), Int64(csB), c.beta, &out,
                                        Int64(ldc), c.bias ? bias.baseAddress : nil, activation)
                                }
                            }
                        }
                    }
                    var worst = 0.0, failures = 0
                    for i in 0..<c.m {
                        for j in 0..<ldc {
                            let got = Double(out[i * ldc + j])
                            if j >= c.n {
                                if got != 12345 { failures += 1 }
                                continue
                            }
                            let c0 = c.beta == 0 ? 0 : Double(c.beta) * Double(initialC[i * ldc + j])
                            let biasTerm = c.bias ? Double(bias[j]) : 0
                            var want = Double(c.alpha) * dot[i * c.n + j] + c0 + biasTerm
                            if c.relu { want = max(want, 0) }
                            var scale = abs(Double(c.alpha)) * size[i * c.n + j] + abs(c0) + abs(biasTerm)
                            if c.times {
                                let factor = Double(factors[i * ldt + j])
                                want *= factor
                                scale *= abs(factor)
                            }
                            let tolerance = Double(c.k + 5) * 0x1p-24 * scale + 1e-30
                            let error = abs(got - want)
                            if !(error <= tolerance) { failures += 1 }
                            if scale > 0 { worst = max(worst, error / scale) }
                        }
                    }
                    #expect(failures == 0, "\(name(path)), \(threads) thread(s): \(failures) wrong; worst |error|/scale \(worst)")
                    if c.sums {
                        let wrong = zip(sums, wantSums).filter { $0 != $1 }.count
                        #expect(wrong == 0, "\(name(path)), \(threads) thread(s): \(wrong) of the sums differ from a sum in order")
                    }
                    if c.bSums {
                        // Each sum within (K + 1)·u of the magnitudes it adds, and the same bits on
                        // every thread count.
                        var wrong = 0
                        for j in 0..<c.n {
                            var want = Double(initialBSums[j]), scale = abs(want)
                            for p in 0..<c.k {
                                want += Double(b[p * rsB + j * csB])
                                scale += abs(Double(b[p * rsB + j * csB]))
                            }
                            if !(abs(Double(bSums[j]) - want) <= Double(c.k + 1) * 0x1p-24 * scale + 1e-30) { wrong += 1 }
                        }
                        #expect(wrong == 0, "\(name(path)), \(threads) thread(s): \(wrong) of B's column sums wrong")
                        #expect(bSums[c.n...].allSatisfy { $0 == 12345 }, "\(name(path)): written past B's column sums")
                        if let firstBSums {
                            #expect(bSums == firstBSums, "\(name(path)): B's column sums change with the thread count (\(threads))")
                        } else {
                            firstBSums = bSums
                        }
                    }
                }
            }
        }

        /// No product splits its K sum between threads, so the thread count never changes a result:
        /// 1 and 2 threads give the same bits.
        @Test(arguments: [
            (1, 256, 784, true), (1, 301, 1000, true), (1, 300, 1000, false), (4000, 1, 200, false), (128, 256, 784, true),
            (256, 256, 256, false), (2000, 20, 40, false), (300, 700, 300, true), (520, 130, 1100, true),
            (700, 600, 500, false),
        ])
        func sameBitsOnAnyThreadCount(m: Int, n: Int, k: Int, transposeB: Bool) {
            var rng = SeededFloats(seed: 3)
            let a = rng.array(m * k), b = rng.array(k * n)
            let (rsB, csB) = transposeB ? (1, k) : (n, 1)
            let threadsBefore = myelin_thread_count()
            defer { myelin_set_thread_count(threadsBefore) }
            onEveryPath { path in
                var results: [[Float]] = []
                for threads: Int32 in [1, 2] {
                    myelin_set_thread_count(threads)
                    var c = [Float](repeating: 0, count: m * n)
                    myelin_sgemm(
                        Int64(m), Int64(n), Int64(k), 0.75, a, Int64(k), 1, b, Int64(rsB), Int64(csB), 0, &c,
                        Int64(n), nil, MYELIN_ACTIVATION_NONE)
                    results.append(c)
                }
                #expect(results[0] == results[1], "\(name(path))")
            }
        }

        /// B packed once gives the same bits as `myelin_sgemm` wherever the product is no GEMV (each
        /// output takes its K terms in the same order), as the header promises: packing a recurrence's
        /// W_hh once changes none of its results.
        @Test(arguments: [
            (16, 1024, 256, false), (16, 256, 1024, false), (8, 1024, 256, true), (4, 200, 300, false), (520, 130, 1100, true),
        ])
        func packedBChangesNoBits(m: Int, n: Int, k: Int, transposeB: Bool) {
            var rng = SeededFloats(seed: 5)
            let a = rng.array(m * k), b = rng.array(k * n), bias = rng.array(n)
            let (rsB, csB) = transposeB ? (1, k) : (n, 1)
            let threadsBefore = myelin_thread_count()
            defer { myelin_set_thread_count(threadsBefore) }
            onEveryPath { path in
                var packed = [Float](repeating: .nan, count: Int(myelin_gemm_packed_b_floats(Int64(k), Int64(n))))
                myelin_gemm_pack_b(Int64(k), Int64(n), b, Int64(rsB), Int64(csB), &packed)
                for threads: Int32 in [1, 2] {
                    myelin_set_thread_count(threads)
                    var direct = [Float](repeating: 0, count: m * n), fromPacked = direct
                    myelin_sgemm(
                        Int64(m), Int64(n), Int64(k), 0.75, a, Int64(k), 1, b, Int64(rsB), Int64(csB), 0, &direct,
                        Int64(n), bias, MYELIN_ACTIVATION_NONE)
                    myelin_sgemm_packed_b(
                        Int64(m), Int64(n), Int64(k), 0.75, a, Int64(k), 1, packed, 0, &fromPacked, Int64(n), bias,
                        MYELIN_ACTIVATION_NONE)
                    #expect(direct == fromPacked, "\(name(path)), \(threads) thread(s)")
                }
            }
        }

        /// The profile counts each shape's calls by layout while it is on, GEMVs included, and
        /// nothing while it is off; its entries come most time first, and a reset forgets them.
        @Test func profileCountsShapesWhileOn() {
            let (m, n, k) = (37, 29, 53), tall = 400  // tall × n × k takes the most time
            var rng = SeededFloats(seed: 11)
            let a = rng.array(tall * k), b = rng.array(k * n)
            var c = [Float](repeating: 0, count: tall * n)
            func multiply(rows: Int, transposedA: Bool) {
                myelin_sgemm(
                    Int64(rows), Int64(n), Int64(k), 1, a, Int64(transposedA ? 1 : k), Int64(transposedA ? rows : 1), b,
                    Int64(n), 1, 0, &c, Int64(n), nil, MYELIN_ACTIVATION_NONE)
            }
            func profiled() -> [myelin_gemm_profile_entry] {
                var entries = [myelin_gemm_profile_entry](
                    repeating: myelin_gemm_profile_entry(), count: Int(MYELIN_GEMM_PROFILE_MAX_SHAPES))
                let count = Int(myelin_gemm_profile_entries(&entries, Int64(entries.count)))
                return Array(entries.prefix(count))
            }
            // Other tests may multiply at the same time: only this test's shapes are checked.
            func mine(_ entries: [myelin_gemm_profile_entry]) -> [myelin_gemm_profile_entry] {
                entries.filter { $0.n == n && $0.k == k }
            }
            myelin_gemm_profile_reset()
            myelin_gemm_profile_enable(1)
            // Least time first, so that a table left in the order it was filled is out of order.
            multiply(rows: 1, transposedA: false)
            multiply(rows: m, transposedA: true)
            multiply(rows: m, transposedA: false)
            var packed = [Float](repeating: 0, count: Int(myelin_gemm_packed_b_floats(Int64(k), Int64(n))))
            myelin_gemm_pack_b(Int64(k), Int64(n), b, Int64(n), 1, &packed)
            myelin_sgemm_packed_b(2, Int64(n), Int64(k), 1, a, Int64(k), 1, packed, 0, &c, Int64(n), nil, MYELIN_ACTIVATION_NONE)
            for _ in 0..<3 { multiply(rows: tall, transposedA: false) }
            myelin_gemm_profile_enable(0)
            multiply(rows: m, transposedA: false)

            let all = profiled(), ours = mine(all)
            func calls(rows: Int, a layout: Character) -> Int {
                ours.filter { $0.m == rows && UInt8(bitPattern: $0.a) == layout.asciiValue }.map { Int($0.calls) }.reduce(0, +)
            }
            #expect(calls(rows: tall, a: "n") == 3)
            #expect(calls(rows: m, a: "n") == 1)
            #expect(calls(rows: m, a: "t") == 1)
            #expect(calls(rows: 1, a: "n") == 1)
            #expect(calls(rows: 2, a: "n") == 1)
            #expect(ours.count == 5)
            #expect(ours.allSatisfy { UInt8(bitPattern: $0.b) == UInt8(ascii: $0.m == 2 ? "p" : "n") && $0.seconds >= 0 })
            #expect(ours.filter { $0.m > 1 }.allSatisfy { $0.seconds > 0 })
            #expect(ours.first?.m == Int64(tall))
            #expect(zip(all, all.dropFirst()).allSatisfy { $0.seconds >= $1.seconds })

            myelin_gemm_profile_reset()
            #expect(mine(profiled()).isEmpty)
        }

        /// Many threads calling at once: the pool serves one and the others run on their own.
        @Test func concurrentCallers() async {
            let m = 96, n = 80, k = 64
            var rng = SeededFloats(seed: 5)
            let a = rng.array(m * k), b = rng.array(k * n)
            var want = [Float](repeating: 0, count: m * n)
            myelin_sgemm(
                Int64(m), Int64(n), Int64(k), 1, a, Int64(k), 1, b, Int64(n), 1, 0, &want, Int64(n), nil,
                MYELIN_ACTIVATION_NONE)
            let results = await withTaskGroup(of: [Float].self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        var c = [Float](repeating: 0, count: m * n)
                        for _ in 0..<20 {
                            myelin_sgemm(
                                Int64(m), Int64(n), Int64(k), 1, a, Int64(k), 1, b, Int64(n), 1, 0, &c,
                                Int64(n), nil, MYELIN_ACTIVATION_NONE)
                        }
                        return c
                    }
                }
                return await group.reduce(into: [[Float]]()) { $0.append($1) }
            }
            for c in results {
                let worst = zip(c, want).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 1e-4)
            }
        }
    }
}
