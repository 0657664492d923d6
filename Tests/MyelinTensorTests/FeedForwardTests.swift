import MyelinTestSupport
import Testing

@testable import MyelinTensor

@Suite struct FeedForwardTests {
    let g = RandomGenerator(seed: 41)

    /// The fused op against `linear`, `gelu`, `linear`: the same bits forward and backward on every
    /// path (GELU's slope multiplied in the GEMM's epilogue rounds as the separate multiplication
    /// did). 600 rows × 96 hidden leave partial tiles on every path and split over two threads, and
    /// make fc1's weight gradient the swapped product whose GEMM sums its bias gradient.
    @Test(arguments: KernelPath.supported)
    func sameBitsAsTheThreeOps(path: KernelPath) {
        KernelPath.withPath(path) {
            let x = uniform([2, 300, 24], g), w1 = uniform([96, 24], g, -0.5, 0.5), b1 = uniform([96], g)
            let w2 = uniform([13, 96], g, -0.5, 0.5), b2 = uniform([13], g), weights = uniform([2, 300, 13], g)
            func gradients(_ fused: Bool) -> [[Float]] {
                let leaves = [x, w1, b1, w2, b2].map { leaf($0.contiguousCopy()) }
                let y =
                    fused
                    ? feedForward(leaves[0], weight1: leaves[1], bias1: leaves[2], weight2: leaves[3], bias2: leaves[4])
                    : linear(
                        linear(leaves[0], weight: leaves[1], bias: leaves[2]).gelu(), weight: leaves[3], bias: leaves[4])
                (y * weights).sum().backward()
                return [y.scalars] + leaves.map { $0.grad!.scalars }
            }
            let fused = gradients(true), separate = gradients(false)
            for (i, name) in ["y", "dx", "dW1", "db1", "dW2", "db2"].enumerated() {
                #expect(fused[i] == separate[i], "\(path): \(name)")
            }
        }
    }

    @Test func gradientsMatchFiniteDifferences() {
        let inputs = [uniform([5, 4], g), uniform([6, 4], g), uniform([6], g), uniform([3, 6], g), uniform([3], g)]
        checkGradients(inputs, "feedForward") { t in
            feedForward(t[0], weight1: t[1], bias1: t[2], weight2: t[3], bias2: t[4])
        }
        checkGradients(Array(inputs[0..<2]) + [inputs[3]], "feedForward without biases") { t in
            feedForward(t[0], weight1: t[1], bias1: nil, weight2: t[2], bias2: nil)
        }
    }

    /// Only some inputs need gradients (a frozen first layer), and no graph is recorded in inference.
    @Test func partialGradientsAndInference() {
        let x = uniform([4, 3], g), w1 = uniform([5, 3], g), b1 = uniform([5], g)
        let w2 = leaf(uniform([2, 5], g)), b2 = leaf(uniform([2], g))
        let y = feedForward(x, weight1: w1, bias1: b1, weight2: w2, bias2: b2)
        y.sum().backward()
        let hidden = linear(x, weight: w1, bias: b1).gelu()
        expectClose(w2.grad!.scalars, matmul(Tensor.ones([2, 4]), hidden).scalars, tolerance: 1e-6)
        expectTensor(b2.grad!, shape: [2], [4, 4])
        let inferred = GradMode.withoutGrad { feedForward(x, weight1: w1, bias1: b1, weight2: w2, bias2: b2) }
        #expect(!inferred.requiresGrad)
        #expect(inferred.scalars == y.scalars)
    }
}
