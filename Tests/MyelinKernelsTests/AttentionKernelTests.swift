import CMyelinKernels
import Foundation
import Testing

extension KernelTests {
    /// The attention kernel on every path against a
    /// double-precision reference, with a causal mask and a padding mask that hides every key of
    /// one batch (its rows must be zero), on sizes that leave partial vectors and query blocks.
    @Suite struct AttentionKernel {
        @Test func bothPathsMatchTheDefinition() {
            let (b, h, t, s, d) = (2, 2, 37, 37, 20)
            func values(_ n: Int, _ seed: Int) -> [Float] { (0..<n).map { Float(sin(Double($0 * 7 + seed))) } }
            let q = values(b * h * t * d, 1), k = values(b * h * s * d, 2), v = values(b * h * s * d, 3)
            let gradOutput = values(b * h * t * d, 4)
            // Batch 0 hides keys 3 and 30; batch 1 hides all of them.
            let mask: [UInt8] = (0..<(b * s)).map { $0 / s == 1 || $0 == 3 || $0 == 30 ? 1 : 0 }
            let scale: Float = 0.3
            // Reference: softmax over the visible keys in Double; zero rows where none is visible.
            var expected = [Float](repeating: 0, count: b * h * t * d)
            for pair in 0..<(b * h) {
                for i in 0..<t {
                    let visible = (0...i).filter { mask[(pair / h) * s + $0] == 0 }
                    guard !visible.isEmpty else { continue }
                    let scores = visible.map { j in
                        Double(scale) * (0..<d).reduce(0.0) { $0 + Double(q[(pair * t + i) * d + $1]) * Double(k[(pair * s + j) * d + $1]) }
                    }
                    let top = scores.max()!, weights = scores.map { exp($0 - top) }, total = weights.reduce(0, +)
                    for f in 0..<d {
                        let o = zip(visible, weights).reduce(0.0) { $0 + $1.1 / total * Double(v[(pair * s + $1.0) * d + f]) }
                        expected[(pair * t + i) * d + f] = Float(o)
                    }
                }
            }
            var results: [[Float]] = []
            onEveryPath { path in
                var shape = myelin_attention_shape(
                    batch: Int64(b), heads: Int64(h), queries: Int64(t), keys: Int64(s),
                    head_dim: Int64(d), value_dim: Int64(d), scale: scale, causal: 1)
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
                let worst = zip(output, expected).map { abs($0 - $1) }.max()!
                #expect(worst < 2e-6, "\(name(path)): output off by \(worst)")
                #expect(output[(h * t * d)...].allSatisfy { $0 == 0 }, "\(name(path)): batch 1 sees no key")
                #expect((dq + dk + dv).allSatisfy { $0.isFinite }, "\(name(path))")
                results.append(dq + dk + dv)
            }
            for other in results.dropFirst() {
                let worst = zip(results[0], other).map { abs($0 - $1) }.max()!
                #expect(worst < 1e-5, "the paths' gradients differ by \(worst)")
            }
        }
    }
}
