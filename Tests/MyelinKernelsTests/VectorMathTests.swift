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
    /// The absolute error allowed where the exact result is below the smallest normal float: exp's
    /// gradual underflow rounds once (half a denormal step); the others may flush there.
    var denormalTolerance = Double(Float.leastNormalMagnitude)
    var testDescription: String { name }
}

let vectorFunctions: [VectorFunction] = [
    VectorFunction(
        name: "exp", apply: { myelin_vexp($0, $1, $2) }, truth: { Foundation.exp($0) },
        ranges: [(-87.3, 88.7, false), (-1e-3, 1e-3, false), (-103.9, -87.3, false)],
        denormalTolerance: Double(Float.leastNonzeroMagnitude)),
    VectorFunction(
        name: "log", apply: { myelin_vlog($0, $1, $2) }, truth: { Foundation.log($0) },
        ranges: [(1e-45, 1e-37, true), (1e-37, 3e38, true), (0.5, 2, false)]),
    VectorFunction(
        name: "tanh", apply: { myelin_vtanh($0, $1, $2) }, truth: { Foundation.tanh($0) },
        ranges: [(-12, 12, false), (1e-30, 1, true), (-1, -1e-30, false), (5, 1e30, true)]),
    VectorFunction(
        name: "sigmoid", apply: { myelin_vsigmoid($0, $1, $2) }, truth: { 1 / (1 + Foundation.exp(-$0)) },
        ranges: [(-87, 40, false), (-1e-3, 1e-3, false), (10, 1e30, true)]),
    VectorFunction(
        name: "erf", apply: { myelin_verf($0, $1, $2) }, truth: { Foundation.erf($0) },
        ranges: [(-6, 6, false), (1e-30, 1, true), (3, 1e30, true)]),
]

/// How far `got` is from the double-precision `want`, as the tests bound it: relative error where
/// the exact result is a normal float, absolute error (over the tolerance) below that; infinities,
/// NaN and signed zeros must match exactly. Returns a number ≤ 1 when within `relative`.
func vectorMathError(_ got: Float, _ want: Double, relative: Double, denormal: Double) -> Double {
    if want.isNaN { return got.isNaN ? 0 : .infinity }
    let rounded = Float(want)
    if rounded.isInfinite { return got == rounded ? 0 : abs(Double(got) - want) / abs(want) / relative }
    if want == 0 { return got == 0 && got.sign == rounded.sign ? 0 : .infinity }
    if abs(want) < Double(Float.leastNormalMagnitude) { return abs(Double(got) - want) / denormal }
    return abs(Double(got) - want) / abs(want) / relative
}

extension KernelTests {
    @Suite struct VectorMath {
        /// Dense sweeps (about 10⁶ points each) against double-precision libm on every path.
        /// Tolerance: 3e-7 relative, i.e. 2.5 float ulps: the polynomials' own error is below 1e-8,
        /// so this bounds the rounding of ~10 float operations. Below FLT_MIN (denormal results) the
        /// function's absolute tolerance applies.
        @Test(arguments: vectorFunctions)
        func accuracy(_ f: VectorFunction) {
            let count = 1_000_003  // odd, so the masked tail runs too
            onEveryPath { path in
                for (low, high, logarithmic) in f.ranges {
                    let x = (0..<count).map { i -> Float in
                        let t = Double(i) / Double(count - 1)
                        return Float(logarithmic ? low * Foundation.pow(high / low, t) : low + (high - low) * t)
                    }
                    var y = [Float](repeating: .nan, count: count)
                    f.apply(x, &y, Int64(count))
                    var worst = 0.0, worstAt: Float = 0
                    for i in 0..<count {
                        let error = vectorMathError(y[i], f.truth(Double(x[i])), relative: 3e-7, denormal: f.denormalTolerance)
                        if !(error <= worst) { (worst, worstAt) = (error, x[i]) }
                    }
                    #expect(worst <= 1, "\(f.name) on [\(low), \(high)], \(name(path)): error \(worst) × bound at \(worstAt)")
                }
            }
        }

        /// Every float there is, sampled evenly by bit pattern (every 4099th: both signs, denormals,
        /// the whole exponent range, ±inf and NaNs), against double precision with the same bounds.
        @Test(arguments: vectorFunctions)
        func wholeFloatRange(_ f: VectorFunction) {
            let x =
                stride(from: UInt64(0), through: UInt64(UInt32.max), by: 4099).map { Float(bitPattern: UInt32($0)) }
                + [
                    .infinity, -.infinity, .nan, 0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                    .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                ]
            onEveryPath { path in
                var y = [Float](repeating: 0, count: x.count)
                f.apply(x, &y, Int64(x.count))
                var worst = 0.0, worstAt: Float = 0
                for i in x.indices {
                    let error = vectorMathError(y[i], f.truth(Double(x[i])), relative: 3e-7, denormal: f.denormalTolerance)
                    if !(error <= worst) { (worst, worstAt) = (error, x[i]) }
                }
                #expect(worst <= 1, "\(f.name), \(name(path)): error \(worst) × bound at \(worstAt)")
            }
        }

        /// Infinities, zeros, NaN, overflow and underflow, saturation.
        @Test func specialValues() {
            let inf = Float.infinity, nan = Float.nan, tiny = Float.leastNonzeroMagnitude
            func run(_ f: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void, _ x: [Float]) -> [Float] {
                var y = [Float](repeating: 0, count: x.count)
                f(x, &y, Int64(x.count))
                return y
            }
            func same(_ a: [Float], _ b: [Float]) -> Bool {
                a.count == b.count && zip(a, b).allSatisfy { ($0.isNaN && $1.isNaN) || ($0 == $1 && $0.sign == $1.sign) }
            }
            onEveryPath { path in
                let p = name(path)
                #expect(
                    same(
                        run(myelin_vexp, [0, -0.0, inf, -inf, nan, 100, -110, 89, -104, tiny, -tiny]),
                        [1, 1, inf, 0, nan, inf, 0, inf, 0, 1, 1]), "exp, \(p)")
                #expect(
                    same(run(myelin_vlog, [1, 0, -0.0, -1, inf, -inf, nan, -tiny]), [0, -inf, -inf, nan, inf, nan, nan, nan]),
                    "log, \(p)")
                #expect(
                    same(
                        run(myelin_vtanh, [0, -0.0, inf, -inf, nan, 20, -20, 1e-30, tiny, -tiny, 1e30]),
                        [0, -0.0, 1, -1, nan, 1, -1, 1e-30, tiny, -tiny, 1]), "tanh, \(p)")
                #expect(
                    same(run(myelin_vsigmoid, [0, inf, -inf, nan, 100, -200, tiny, 1e30, -1e30]), [0.5, 1, 0, nan, 1, 0, 0.5, 1, 0]),
                    "sigmoid, \(p)")
                #expect(
                    same(run(myelin_verf, [0, -0.0, inf, -inf, nan, 10, -10, 1e30]), [0, -0.0, 1, -1, nan, 1, -1, 1]),
                    "erf, \(p)")
                #expect(abs(run(myelin_verf, [1e-30])[0] / 1.1283791e-30 - 1) < 3e-7)  // erf x ≈ 2x/√π
                // The smallest denormal has a finite log, and exp of tiny arguments is 1.
                let logTiny = run(myelin_vlog, [tiny])[0]
                #expect(abs(Double(logTiny) - Foundation.log(Double(tiny))) < 1e-4, "\(p)")
                // In place (y == x) works.
                var inPlace: [Float] = [0, 1, 2]
                inPlace.withUnsafeMutableBufferPointer { myelin_vexp($0.baseAddress, $0.baseAddress, 3) }
                #expect(abs(inPlace[2] - 7.389056) < 1e-5)
                // Every length up to a few vectors: the masked tail never writes past n.
                for n in 0...40 {
                    var y = [Float](repeating: 12345, count: n + 20)
                    let x = (0..<(n + 20)).map { Float($0) * 0.1 }
                    myelin_vtanh(x, &y, Int64(n))
                    #expect(y[n...].allSatisfy { $0 == 12345 }, "\(p), n = \(n)")
                    #expect((0..<n).allSatisfy { abs(Double(y[$0]) - Foundation.tanh(Double(x[$0]))) < 3e-7 }, "\(p), n = \(n)")
                }
            }
        }

        /// Rows with large values stay finite (the row max is subtracted first) and each row's
        /// probabilities sum to 1; log-softmax and softmax match double precision. Row lengths from
        /// 1 to 77 leave every partial vector.
        @Test func softmaxRows() {
            var rng = SeededFloats(seed: 11)
            onEveryPath { path in
                for cols in [1, 3, 8, 15, 16, 17, 77] {
                    let rows = 37
                    var x = rng.array(rows * cols).map { $0 * 30 }
                    for j in 0..<cols { x[j] = 1000 + Float(j) }  // would overflow exp without the max
                    var y = [Float](repeating: 0, count: rows * cols), p = y
                    myelin_log_softmax_rows(x, &y, Int64(rows), Int64(cols))
                    myelin_softmax_rows(x, &p, Int64(rows), Int64(cols))
                    for r in 0..<rows {
                        let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
                        let m = row.max()!
                        let lse = m + Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +))
                        for j in 0..<cols {
                            let want = row[j] - lse
                            // Each output is x − (max + log Σ): a few roundings of values up to |max|.
                            #expect(abs(Double(y[r * cols + j]) - want) <= 4e-7 * (abs(m) + abs(want) + 1), "\(name(path)) \(cols)")
                            #expect(
                                abs(Double(p[r * cols + j]) - Foundation.exp(want)) <= Foundation.exp(want)
                                    * (1e-6 + 4e-7 * (abs(m) + abs(want))),
                                "\(name(path)) \(cols)")
                        }
                        // Outputs near −|max| carry an absolute rounding error of about u·|max|.
                        let total = (0..<cols).map { Foundation.exp(Double(y[r * cols + $0])) }.reduce(0, +)
                        #expect(abs(total - 1) < 1e-5 + 2.5e-7 * abs(m))
                    }
                    // In place.
                    var z = x
                    z.withUnsafeMutableBufferPointer { myelin_log_softmax_rows($0.baseAddress, $0.baseAddress, Int64(rows), Int64(cols)) }
                    #expect(z == y)
                    z = x
                    z.withUnsafeMutableBufferPointer { myelin_softmax_rows($0.baseAddress, $0.baseAddress, Int64(rows), Int64(cols)) }
                    #expect(z == p)
                }
            }
        }
    }
}
