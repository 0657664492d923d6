import CMyelinKernels
import Foundation
import Testing

extension KernelTests {
    /// GELU and its slope against double precision, on every path. The tolerance is absolute
    /// (2e-7·max(1, |x|)), as the fit's; far out in the negative tail Φ is tiny and only roughly
    /// right in relative terms (1e-2 near x = −13), so a relative bound is checked down to −4 only.
    @Suite struct GELUKernel {
        @Test func valueAndSlope() {
            let count = 200_003  // odd, so the masked tail runs too
            let x = (0..<count).map { Float(-10 + 20 * Double($0) / Double(count - 1)) }
            func cdf(_ x: Double) -> Double { 0.5 * (1 + erf(x / 2.0.squareRoot())) }
            onEveryPath { path in
                var y = [Float](repeating: .nan, count: count), trained = y, slope = y
                myelin_vgelu(x, &y, Int64(count))
                myelin_vgelu_with_slope(x, &trained, &slope, Int64(count))
                var worst = (forward: 0.0, slope: 0.0, tail: 0.0)
                for i in 0..<count {
                    let v = Double(x[i]), scale = max(1, abs(v))
                    let exact = cdf(v) + v * exp(-v * v / 2) / (2 * Double.pi).squareRoot()
                    worst.forward = max(worst.forward, abs(Double(y[i]) - v * cdf(v)) / scale)
                    worst.slope = max(worst.slope, abs(Double(slope[i]) - exact) / scale)
                    // Φ(v) for v < 0 as ½·erfc(−v/√2), which does not cancel.
                    if v >= -4 && v < -1e-3 {
                        let phi = 0.5 * erfc(-v / 2.0.squareRoot())
                        worst.tail = max(worst.tail, abs(Double(y[i]) / v / phi - 1))
                    }
                }
                #expect(worst.forward <= 2e-7 && worst.slope <= 2e-7, "\(name(path)): \(worst)")
                #expect(worst.tail <= 2e-5, "\(name(path)): Φ's relative error in the tail \(worst.tail)")
                #expect(trained == y, "\(name(path)): training's GELU differs from inference's")
            }
        }

        /// Far out and at the special values, as PyTorch's erf GELU: x·Φ(x) is x, −0 or NaN
        /// (−inf·0), and the slope 1 or 0 wherever it is finite.
        @Test func specialValues() {
            let x: [Float] = [.infinity, -.infinity, .nan, 0, -0.0, 1e30, -1e30, 40, -40]
            onEveryPath { path in
                var y = [Float](repeating: 7, count: x.count), slope = y
                myelin_vgelu_with_slope(x, &y, &slope, Int64(x.count))
                let expected: [Float] = [.infinity, .nan, .nan, 0, -0.0, 1e30, -0.0, 40, -0.0]
                for i in x.indices {
                    let same = expected[i].isNaN ? y[i].isNaN : (y[i] == expected[i] && y[i].sign == expected[i].sign)
                    #expect(same, "\(name(path)): GELU(\(x[i])) = \(y[i]), expected \(expected[i])")
                }
                #expect(slope[3...8] == [0.5, 0.5, 1, 0, 1, 0], "\(name(path)): slopes \(slope)")
                #expect(slope[2].isNaN, "\(name(path)): slope at NaN \(slope[2])")
            }
        }
    }
}
