import CMyelinKernels
import Foundation
import Testing

extension KernelTests {
    /// The attention kernel on every path, forward and backward, against a double-precision
    /// reference: causal and not, as many queries as keys or not, with a padding mask that hides
    /// two keys of batch 0 and every key of batch 1 (its rows and gradients must be zero), on sizes
    /// that leave partial vectors, partial register tiles and a second query block.
    @Suite struct AttentionKernel {
        struct Problem: CustomTestStringConvertible, Sendable {
            let queries, keys, features: Int
            let causal: Bool
            var testDescription: String { "\(queries) queries, \(keys) keys, \(features) features, causal: \(causal)" }
        }

        static let problems = [
            Problem(queries: 37, keys: 37, features: 20, causal: true),
            Problem(queries: 70, keys: 70, features: 9, causal: true),
            Problem(queries: 45, keys: 29, features: 17, causal: true),
            Problem(queries: 29, keys: 45, features: 33, causal: true),
            Problem(queries: 70, keys: 41, features: 12, causal: false),
            // No keys: every output and dQ is zero; no queries: dK and dV are zero.
            Problem(queries: 5, keys: 0, features: 7, causal: false),
            Problem(queries: 5, keys: 0, features: 7, causal: true),
            Problem(queries: 0, keys: 6, features: 7, causal: true),
        ]

        @Test(arguments: problems)
        func everyPathMatchesTheDefinition(problem: Problem) {
            let (b, h, t, s, d) = (2, 2, problem.queries, problem.keys, problem.features)
            func values(_ n: Int, _ seed: Int) -> [Float] { (0..<n).map { Float(sin(Double($0 * 7 + seed))) } }
            let q = values(b * h * t * d, 1), k = values(b * h * s * d, 2), v = values(b * h * s * d, 3)
            let gradOutput = values(b * h * t * d, 4)
            let mask: [UInt8] = (0..<(b * s)).map { $0 / s == 1 || $0 == 3 || $0 == s - 2 ? 1 : 0 }
            let scale: Float = 0.3
            let expected = reference(problem, batch: b, heads: h, q: q, k: k, v: v, gradOutput: gradOutput, mask: mask, scale: scale)
            onEveryPath { path in
                var shape = myelin_attention_shape(
                    batch: Int64(b), heads: Int64(h), queries: Int64(t), keys: Int64(s),
                    head_dim: Int64(d), value_dim: Int64(d), scale: scale, causal: problem.causal ? 1 : 0)
                var (qc, kc, vc, gc) = (q, k, v, gradOutput)
                var output = [Float](repeating: .nan, count: q.count), logSumExp = [Float](repeating: .nan, count: b * h * t)
                var (dq, dk, dv) = (
                    [Float](repeating: .nan, count: q.count), [Float](repeating: .nan, count: k.count),
                    [Float](repeating: .nan, count: v.count)
                )
                func heads(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> myelin_heads {
                    myelin_heads(data: p, batch: Int64(h * n * d), head: Int64(n * d), position: Int64(d))
                }
                myelin_attention_forward(&shape, heads(&qc, t), heads(&kc, s), heads(&vc, s), mask, heads(&output, t), &logSumExp)
                myelin_attention_backward(
                    &shape, heads(&qc, t), heads(&kc, s), heads(&vc, s), mask, logSumExp,
                    heads(&gc, t), heads(&dq, t), heads(&dk, s), heads(&dv, s))
                for (label, got, want) in [
                    ("output", output, expected.output), ("dQ", dq, expected.dq), ("dK", dk, expected.dk), ("dV", dv, expected.dv),
                ] {
                    let worst = zip(got, want).map { abs($0 - Float($1)) }.max() ?? 0
                    #expect(worst < 1e-5, "\(name(path)), \(label): off by \(worst)")
                }
                #expect(output[(h * t * d)...].allSatisfy { $0 == 0 }, "\(name(path)): batch 1 sees no key")
                let hidden = dq[(h * t * d)...] + dk[(h * s * d)...] + dv[(h * s * d)...]
                #expect(hidden.allSatisfy { $0 == 0 }, "\(name(path)): batch 1's gradients are not all zero")
            }
        }

        /// Output and gradients by the definition, in Double, pair by pair: S = scale·Q·Kᵀ over the
        /// keys each query sees, P = softmax(S) (a row that sees none is zero), O = P·V;
        /// dP = dO·Vᵀ, dS = P ⊙ (dP − Σ P·dP), dQ = scale·dS·K, dK = scale·dSᵀ·Q, dV = Pᵀ·dO.
        func reference(
            _ problem: Problem, batch: Int, heads: Int, q: [Float], k: [Float], v: [Float], gradOutput: [Float], mask: [UInt8],
            scale: Float
        ) -> (output: [Double], dq: [Double], dk: [Double], dv: [Double]) {
            let (t, s, d) = (problem.queries, problem.keys, problem.features)
            var output = [Double](repeating: 0, count: q.count), dq = output
            var dk = [Double](repeating: 0, count: k.count), dv = dk
            for pair in 0..<(batch * heads) {
                let (qo, ko) = (pair * t * d, pair * s * d)
                func dot(_ x: [Float], _ xo: Int, _ y: [Float], _ yo: Int) -> Double {
                    (0..<d).reduce(0.0) { $0 + Double(x[xo + $1]) * Double(y[yo + $1]) }
                }
                for i in 0..<t {
                    let seen = problem.causal ? min(i + 1, s) : s
                    let visible = (0..<seen).filter { mask[(pair / heads) * s + $0] == 0 }
                    guard !visible.isEmpty else { continue }
                    let scores = visible.map { Double(scale) * dot(q, qo + i * d, k, ko + $0 * d) }
                    let top = scores.max()!, weights = scores.map { exp($0 - top) }, total = weights.reduce(0, +)
                    let p = weights.map { $0 / total }
                    let dp = visible.map { dot(gradOutput, qo + i * d, v, ko + $0 * d) }
                    let centre = zip(p, dp).reduce(0.0) { $0 + $1.0 * $1.1 }
                    for (n, j) in visible.enumerated() {
                        let ds = p[n] * (dp[n] - centre)
                        for f in 0..<d {
                            output[qo + i * d + f] += p[n] * Double(v[ko + j * d + f])
                            dq[qo + i * d + f] += Double(scale) * ds * Double(k[ko + j * d + f])
                            dk[ko + j * d + f] += Double(scale) * ds * Double(q[qo + i * d + f])
                            dv[ko + j * d + f] += p[n] * Double(gradOutput[qo + i * d + f])
                        }
                    }
                }
            }
            return (output, dq, dk, dv)
        }
    }
}
