import Foundation
import MyelinNN
import MyelinOptim
import Testing

/// The Adam update runs in C, vectorised (16 floats at a time with AVX-512, 8 with AVX2), on every path.
/// Every lane must give the bits of the formula written out in scalar Swift, with no FMA.
@Suite struct AdamKernelTests {
    @Test(arguments: KernelPath.supported)
    func vectorisedUpdateIsTheScalarFormulaBitForBit(path: KernelPath) {
        KernelPath.withPath(path) {
            let count = 1_000  // 62 vectors of 16 and a tail of 8
            let random = RandomGenerator(seed: 1)
            let p = Tensor.randn([count], generator: random)
            p.requiresGrad = true
            var weights = p.scalars, m = [Float](repeating: 0, count: count), v = m
            let (lr, b1, b2, eps): (Float, Float, Float, Float) = (0.01, 0.5, 0.999, 1e-8)
            let optimizer = Adam([p], learningRate: lr, beta1: b1, beta2: b2, epsilon: eps)
            for t in 1...3 {
                let g = Tensor.randn([count], generator: random)
                p.grad = g
                optimizer.step()
                // Adam's own bias corrections (in double), then the update as the kernel writes it.
                let c1 = Float(1 - Foundation.pow(Double(b1), Double(t))), c2 = Float(1 - Foundation.pow(Double(b2), Double(t)))
                let stepSize = lr / c1, root2 = c2.squareRoot()
                for (i, grad) in g.scalars.enumerated() {
                    m[i] = b1 * m[i] + (1 - b1) * grad
                    v[i] = b2 * v[i] + (1 - b2) * grad * grad
                    weights[i] = weights[i] * 1 - stepSize * m[i] / (v[i].squareRoot() / root2 + eps)
                }
            }
            let same = p.scalars == weights
            #expect(same, "\(path): the C update differs from the scalar formula")
        }
    }
}
