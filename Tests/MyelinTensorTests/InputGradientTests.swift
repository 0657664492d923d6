import MyelinTensor
import MyelinTestSupport
import Testing

// gradient(at:of:) and valueAndGradient: gradients with respect to an input, with the parameters
// the function reads held constant and their gradients left alone.
@Suite struct InputGradientTests {
    let g = RandomGenerator(seed: 41)

    /// A small network of parameters that require gradients: x [2, 3] → tanh(x·w + b) · c, summed.
    struct Network {
        let w, b, c: Tensor
        init(_ g: RandomGenerator) {
            (w, b, c) = (leaf(uniform([3, 4], g)), leaf(uniform([4], g)), leaf(uniform([2, 4], g)))
        }
        func callAsFunction(_ x: Tensor) -> Tensor { ((matmul(x, w) + b).tanh() * c).sum() }
    }

    @Test func matchesFiniteDifferences() {
        let network = Network(g)
        let x = uniform([2, 3], g)
        let slope = gradient(at: x) { network($0) }
        #expect(slope.shape == [2, 3])
        // Central differences, each evaluated in float32 and differenced in Double.
        let h: Float = 1e-2
        for i in 0..<x.count {
            func value(_ delta: Float) -> Double {
                var values = x.scalars
                values[i] += delta
                return Double(network(Tensor(shape: x.shape, scalars: values)).item)
            }
            let difference = (value(h) - value(-h)) / Double(2 * h)
            #expect(abs(Double(slope.scalars[i]) - difference) <= 1e-3 + 1e-2 * abs(difference), "element \(i)")
        }
    }

    @Test func isWhatBackwardGivesTheInput() {
        let network = Network(g)
        let x = uniform([2, 3], g)
        let (value, slope) = valueAndGradient(at: x) { network($0) }
        let recorded = leaf(x)
        let loss = network(recorded)
        loss.backward()
        #expect(value.item == loss.item && !value.requiresGrad)
        #expect(slope.scalars == recorded.grad!.scalars)
    }

    @Test func leavesTheParametersAndThePointAlone() {
        let network = Network(g)
        network.w.grad = Tensor.ones([3, 4])
        let x = uniform([2, 3], g)
        var parametersRecorded = true
        _ = gradient(at: x) { x in
            // The parameters are constants here: nothing computed from them alone is recorded.
            parametersRecorded = (network.w * 2).requiresGrad || network.b.requiresGrad
            return network(x)
        }
        #expect(!parametersRecorded)
        #expect(network.w.grad!.scalars == Array(repeating: 1, count: 12), "an existing gradient is left as it was")
        #expect(network.b.grad == nil && network.c.grad == nil)
        #expect(network.w.requiresGrad && network.b.requiresGrad, "outside, the parameters still require gradients")
        #expect(!x.requiresGrad && x.grad == nil)
    }

    @Test func worksInsideWithoutGradAndForSeveralPoints() {
        let a = uniform([3], g), b = uniform([3], g)
        let (value, slopes) = withoutGrad { valueAndGradients(at: [a, b]) { ($0[0] * $0[1]).sum() } }
        #expect(value.item == (a * b).sum().item)
        #expect(slopes[0].scalars == b.scalars && slopes[1].scalars == a.scalars)
    }

    @Test func aPointTheFunctionIgnoresHasAZeroGradient() {
        let unused = gradient(at: uniform([2, 2], g)) { _ in Tensor(scalar: 3) }
        #expect(unused.shape == [2, 2] && unused.scalars == [0, 0, 0, 0])
    }

    @Test func theFunctionMustReturnOneValue() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = gradient(at: Tensor.ones([2])) { $0 * 2 }
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("gradient(at:): the function must return one value (a loss), not shape [2]"), "\(message)")
    }
}
