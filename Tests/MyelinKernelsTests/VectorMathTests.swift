import CMyelinKernels
import Foundation
import Testing

/// A vector function under test, with its double-precision truth.
struct VectorFunction: CustomTestStringConvertible, Sendable {
    let name: String
    let apply: @Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void
    let truth: @Sendable (Double) -> Double
    /// The sweep: (low, high, logarithmic), all values of one sign.
    let ranges: [(Double, Double, Bool)]
    var testDescription: String { name }
}

let vectorFunctions: [VectorFunction] = [
    VectorFunction(name: "exp", apply: { myelin_vexp($0, $1, $2) }, truth: { Foundation.exp($0) },
                   ranges: [(-87.3, 88.7, false), (-1e-3, 1e-3, false)]),
    VectorFunction(name: "log", apply: { myelin_vlog($0, $1, $2) }, truth: { Foundation.log($0) },
                   ranges: [(1e-45, 1e-37, true), (1e-37, 3e38, true), (0.5, 2, false)]),
    VectorFunction(name: "tanh", apply: { myelin_vtanh($0, $1, $2) }, truth: { Foundation.tanh($0) },
                   ranges: [(-12, 12, false), (1e-30, 1, true), (-1, -1e-30, false)]),
    VectorFunction(name: "sigmoid", apply: { myelin_vsigmoid($0, $1, $2) }, truth: { 1 / (1 + Foundation.exp(-$0)) },
                   ranges: [(-87, 40, false), (-1e-3, 1e-3, false)]),
    VectorFunction(name: "erf", apply: { myelin_verf($0, $1, $2) }, truth: { Foundation.erf($0) },
                   ranges: [(-6, 6, false), (1e-30, 1, true)]),
]

extension KernelTests {
    @Suite struct VectorMath {
        /// Both implementations (AVX-512 polynomials where the CPU has them, and the C library).
        static let paths: [Int32] = myelin_vector_math_set_avx512(1) != 0 ? [1, 0] : [0]

        /// Dense sweeps (about 10⁶ points each) against double-precision libm. Tolerance: 3e-7
        /// relative, i.e. 2.5 float ulps: the polynomials' own error is below 1e-8, so this bounds
        /// the rounding of ~10 float operations. Results below FLT_MIN (denormal) are skipped: there
        /// only absolute accuracy is meaningful.
        @Test(arguments: vectorFunctions)
        func accuracy(_ f: VectorFunction) {
            defer { _ = myelin_vector_math_set_avx512(1) }
            let count = 1_000_003 // odd, so the masked tail runs too
            for path in Self.paths {
                _ = myelin_vector_math_set_avx512(path)
                for (low, high, logarithmic) in f.ranges {
                    let x = (0..<count).map { i -> Float in
                        let t = Double(i) / Double(count - 1)
                        return Float(logarithmic ? low * Foundation.pow(high / low, t) : low + (high - low) * t)
                    }
                    var y = [Float](repeating: .nan, count: count)
                    f.apply(x, &y, Int64(count))
                    var worst = 0.0, worstAt: Float = 0
                    for i in 0..<count {
                        let want = f.truth(Double(x[i]))
                        guard want.isFinite, abs(want) >= Double(Float.leastNormalMagnitude) else { continue }
                        let error = abs(Double(y[i]) - want) / abs(want)
                        if !(error <= worst) { (worst, worstAt) = (error, x[i]) }
                    }
                    #expect(worst <= 3e-7, "\(f.name) on [\(low), \(high)], avx512 \(path): relative error \(worst) at \(worstAt)")
                }
            }
        }

        /// Infinities, zeros, NaN, overflow and underflow, saturation.
        @Test func specialValues() {
            defer { _ = myelin_vector_math_set_avx512(1) }
            let inf = Float.infinity, nan = Float.nan
            func run(_ f: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void, _ x: [Float]) -> [Float] {
                var y = [Float](repeating: 0, count: x.count)
                f(x, &y, Int64(x.count))
                return y
            }
            func same(_ a: [Float], _ b: [Float]) -> Bool {
                a.count == b.count && zip(a, b).allSatisfy { ($0.isNaN && $1.isNaN) || ($0 == $1 && $0.sign == $1.sign) }
            }
            for path in Self.paths {
                _ = myelin_vector_math_set_avx512(path)
                #expect(same(run(myelin_vexp, [0, -0.0, inf, -inf, nan, 100, -110, 89, -104]),
                             [1, 1, inf, 0, nan, inf, 0, inf, 0]), "exp, avx512 \(path)")
                #expect(same(run(myelin_vlog, [1, 0, -0.0, -1, inf, -inf, nan]), [0, -inf, -inf, nan, inf, nan, nan]),
                        "log, avx512 \(path)")
                #expect(same(run(myelin_vtanh, [0, -0.0, inf, -inf, nan, 20, -20, 1e-30]), [0, -0.0, 1, -1, nan, 1, -1, 1e-30]),
                        "tanh, avx512 \(path)")
                #expect(same(run(myelin_vsigmoid, [0, inf, -inf, nan, 100, -200]), [0.5, 1, 0, nan, 1, 0]),
                        "sigmoid, avx512 \(path)")
                #expect(same(run(myelin_verf, [0, -0.0, inf, -inf, nan, 10, -10]), [0, -0.0, 1, -1, nan, 1, -1]),
                        "erf, avx512 \(path)")
                #expect(abs(run(myelin_verf, [1e-30])[0] / 1.1283791e-30 - 1) < 3e-7) // erf x ≈ 2x/√π
                // The smallest denormal has a finite log, and exp of tiny arguments is 1.
                let tiny = run(myelin_vlog, [Float.leastNonzeroMagnitude])[0]
                #expect(abs(Double(tiny) - Foundation.log(Double(Float.leastNonzeroMagnitude))) < 1e-4)
                // In place (y == x) works.
                var inPlace: [Float] = [0, 1, 2]
                inPlace.withUnsafeMutableBufferPointer { myelin_vexp($0.baseAddress, $0.baseAddress, 3) }
                #expect(abs(inPlace[2] - 7.389056) < 1e-5)
            }
        }

        /// Rows with large values stay finite (the row max is subtracted first) and each row's
        /// probabilities sum to 1; the result matches a double-precision log-softmax.
        @Test func logSoftmaxRows() {
            defer { _ = myelin_vector_math_set_avx512(1) }
            let rows = 37, cols = 77
            var rng = SeededFloats(seed: 11)
            var x = rng.array(rows * cols).map { $0 * 30 }
            for j in 0..<cols { x[j] = 1000 + Float(j) } // would overflow exp without the max
            for path in Self.paths {
                _ = myelin_vector_math_set_avx512(path)
                var y = [Float](repeating: 0, count: rows * cols)
                myelin_log_softmax_rows(x, &y, Int64(rows), Int64(cols))
                for r in 0..<rows {
                    let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
                    let m = row.max()!
                    let lse = m + Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +))
                    for j in 0..<cols {
                        let want = row[j] - lse
                        // Each output is x − (max + log Σ): a few roundings of values up to |max|.
                        #expect(abs(Double(y[r * cols + j]) - want) <= 4e-7 * (abs(m) + abs(want) + 1))
                    }
                    // Outputs near −|max| carry an absolute rounding error of about u·|max|.
                    let total = (0..<cols).map { Foundation.exp(Double(y[r * cols + $0])) }.reduce(0, +)
                    #expect(abs(total - 1) < 1e-5 + 2.5e-7 * abs(m))
                }
                // In place.
                var z = x
                z.withUnsafeMutableBufferPointer { myelin_log_softmax_rows($0.baseAddress, $0.baseAddress, Int64(rows), Int64(cols)) }
                #expect(z == y)
            }
        }
    }
}
