import MyelinNN
import MyelinTestSupport
import Testing

@Suite struct LinearTests {
    let checker = GradientCheck()

    @Test func forwardMatchesHandComputation() {
        let layer = Linear(3, 2)
        layer.weight.assign(Tensor([[1, 2, 3], [-1, 0, 0.5]]))
        layer.bias!.assign(Tensor([0.5, -1]))
        let x = Tensor([[1, 1, 1], [2, 0, -2]])
        // Row 1: [1+2+3+0.5, −1+0+0.5−1] ; row 2: [2−6+0.5, −2−1−1].
        #expect(layer(x).scalars == [6.5, -1.5, -3.5, -4])
        #expect(layer(x).shape == [2, 2])
    }

    @Test func forwardOfAnyLeadingShape() {
        let layer = Linear(4, 3, generator: RandomGenerator(seed: 40))
        let x = Tensor.randn([2, 5, 4], generator: RandomGenerator(seed: 41))
        let y = layer(x)
        #expect(y.shape == [2, 5, 3])
        // Same as the 2-D map over flattened rows.
        #expect(close(y.scalars, layer(x.reshaped([10, 4])).scalars, 1e-6))
        // A 1-D input is a single example.
        #expect(layer(Tensor([1, 2, 3, 4])).shape == [3])
        // By hand, in double.
        let w = layer.weight, b = layer.bias!
        for n in 0..<2 {
            for t in 0..<5 {
                for o in 0..<3 {
                    var s = Double(b[o])
                    for i in 0..<4 { s += Double(x[n, t, i]) * Double(w[o, i]) }
                    #expect(Swift.abs(Double(y[n, t, o]) - s) < 1e-5)
                }
            }
        }
    }

    @Test(arguments: [true, false])
    func gradientsOfWeightBiasAndInput(bias: Bool) {
        let layer = Linear(4, 3, bias: bias, generator: RandomGenerator(seed: 42))
        let x = leaf(uniform([5, 4], RandomGenerator(seed: 43)))
        checker.check([x] + layer.parameters) { layer(x) }
        // And through a squashing nonlinearity, with a 3-D input.
        let x3 = leaf(uniform([2, 3, 4], RandomGenerator(seed: 44)))
        checker.check([x3] + layer.parameters) { layer(x3).tanh() }
    }

    @Test func gradientsByHand() {
        // y = x·Wᵀ + b, L = Σy: dW = Σ_rows x, db = N, dx = Σ_out W.
        let layer = Linear(2, 3)
        layer.weight.assign(Tensor([[1, 2], [3, 4], [5, 6]]))
        let x = leaf([1, -1, 2, 0.5], shape: [2, 2])
        layer(x).sum().backward()
        #expect(layer.weight.grad!.scalars == [3, -0.5, 3, -0.5, 3, -0.5])
        #expect(layer.bias!.grad!.scalars == [2, 2, 2])
        #expect(x.grad!.scalars == [9, 12, 9, 12])
    }

    @Test func withoutBias() {
        let layer = Linear(3, 2, bias: false)
        #expect(layer.bias == nil)
        #expect(layer.parameters.count == 1)
        #expect(layer.namedParameters.map(\.0) == ["weight"])
        #expect(layer.stateDict.map(\.0) == ["weight"])
        #expect(layer.parameterCount == 6)
        layer.weight.assign(Tensor([[1, 2, 3], [4, 5, 6]]))
        #expect(layer(Tensor([[1, 0, -1]])).scalars == [-2, -2])
        // Fused with ReLU, still no bias.
        #expect(Sequential([layer, ReLU()])(Tensor([[1, 0, -1], [1, 1, 1]])).scalars == [0, 0, 6, 15])
    }

    @Test func withBiasNamesAndCounts() {
        let layer = Linear(3, 2)
        #expect(layer.namedParameters.map(\.0) == ["weight", "bias"])
        #expect(layer.weight.shape == [2, 3] && layer.bias!.shape == [2])
        #expect(layer.inFeatures == 3 && layer.outFeatures == 2)
        #expect(layer.parameterCount == 8)
        #expect(layer.parameters.allSatisfy { $0.requiresGrad })
    }

    @Test func defaultInitialisationIsUniformWithinOneOverSqrtIn() {
        let inFeatures = 64
        let layer = Linear(inFeatures, 200, generator: RandomGenerator(seed: 45))
        let bound: Float = 1 / 8
        let w = layer.weight.scalars, b = layer.bias!.scalars
        #expect(w.allSatisfy { Swift.abs($0) <= bound })
        #expect(b.allSatisfy { Swift.abs($0) <= bound })
        // 12 800 uniform draws: the extremes come within 1% of the bound (the chance that none
        // does is 0.99^12800 ≈ 1e-56), and both signs occur.
        #expect(w.max()! > 0.99 * bound && w.min()! < -0.99 * bound)
        // The 200 bias draws reach 90% of the bound (chance of not: 0.9^200 ≈ 7e-10).
        #expect(b.max()! > 0.9 * bound && b.min()! < -0.9 * bound)
        // Seeded: the same generator seed gives the same layer.
        #expect(Linear(inFeatures, 200, generator: RandomGenerator(seed: 45)).weight.scalars == w)
    }

    @Test func fusedLinearReluMatchesUnfusedExactly() {
        let first = Linear(6, 8, generator: RandomGenerator(seed: 46))
        let second = Linear(8, 3, generator: RandomGenerator(seed: 47))
        let fused = Sequential {
            first; ReLU(); second
        }
        let x = Tensor.randn([5, 6], generator: RandomGenerator(seed: 48))
        x.requiresGrad = true

        let hidden = first(x).relu()
        #expect(hidden.gradFn?.name == "relu")
        let yUnfused = second(hidden)
        let fusedHidden = Sequential([first, ReLU()])(x)
        // The pair ran as one op (a GEMM with a ReLU epilogue), not as linear then relu.
        #expect(fusedHidden.gradFn?.name == "linear")
        #expect(fusedHidden.scalars == hidden.scalars)
        #expect(hidden.scalars.contains(0) && hidden.scalars.contains { $0 > 0 })

        let weights = Tensor.randn([5, 3], generator: RandomGenerator(seed: 49))
        (yUnfused * weights).sum().backward()
        let unfusedGrads = [x.grad!.scalars] + fused.parameters.map { $0.grad!.scalars }
        x.zeroGrad()
        fused.zeroGrad()
        let yFused = fused(x)
        #expect(yFused.scalars == yUnfused.scalars)
        (yFused * weights).sum().backward()
        let fusedGrads = [x.grad!.scalars] + fused.parameters.map { $0.grad!.scalars }
        #expect(fusedGrads == unfusedGrads)
    }

    @Test func fusedPathGradientCheck() {
        // Inputs and weights are drawn so no pre-activation lies within the finite-difference
        // step of ReLU's kink: checked below before the gradients are compared.
        let layer = Linear(4, 5, generator: RandomGenerator(seed: 50))
        let x = leaf(uniform([3, 4], RandomGenerator(seed: 51)))
        let preActivations = withoutGrad { layer(x) }.scalars
        #expect(preActivations.allSatisfy { Swift.abs($0) > 0.1 })
        let model = Sequential {
            layer; ReLU()
        }
        checker.check([x] + layer.parameters) { model(x) }
        let deeper = Sequential {
            layer; ReLU(); Linear(5, 2, generator: RandomGenerator(seed: 52))
        }
        checker.check([x] + deeper.parameters) { deeper(x) }
    }

    @Test func onlyLinearFollowedByReluIsFused() {
        let layer = Linear(3, 3, generator: RandomGenerator(seed: 53))
        let x = leaf(uniform([2, 3], RandomGenerator(seed: 54)))
        #expect(Sequential([layer, Tanh()])(x).gradFn?.name == "tanh")
        #expect(Sequential([layer])(x).gradFn?.name == "linear")
        #expect(Sequential([layer, Identity(), ReLU()])(x).gradFn?.name == "relu")
        #expect(Sequential([layer, Identity(), ReLU()])(x).scalars == Sequential([layer, ReLU()])(x).scalars)
    }
}

@Suite struct ShapeLayerTests {
    @Test func flattenShapes() {
        let x = Tensor.randn([2, 3, 4, 5], generator: RandomGenerator(seed: 55))
        #expect(Flatten()(x).shape == [2, 60])
        #expect(Flatten(startAxis: 2)(x).shape == [2, 3, 20])
        #expect(Flatten(startAxis: 0, endAxis: 1)(x).shape == [6, 4, 5])
        #expect(Flatten(startAxis: 1, endAxis: 2)(x).shape == [2, 12, 5])
        #expect(Flatten(startAxis: 0)(x).shape == [120])
        #expect(Flatten()(Tensor.zeros([7, 1])).shape == [7, 1])
        // Row-major order is kept.
        #expect(Flatten()(x).scalars == x.scalars)
    }

    @Test func reshapeKeepsTheBatchDimension() {
        let x = Tensor.randn([2, 60], generator: RandomGenerator(seed: 56))
        #expect(Reshape([3, 20])(x).shape == [2, 3, 20])
        #expect(Reshape([-1, 4])(x).shape == [2, 15, 4])
        #expect(Reshape([1, 6, 10])(x).shape == [2, 1, 6, 10])
        #expect(Reshape([3, 20])(x).scalars == x.scalars)
    }

    @Test func flattenAndReshapePassGradients() {
        let x = leaf(uniform([2, 3, 4], RandomGenerator(seed: 57)))
        let model = Sequential {
            Flatten(); Linear(12, 6, generator: RandomGenerator(seed: 58)); Reshape([2, 3])
        }
        #expect(model(x).shape == [2, 2, 3])
        GradientCheck().check([x] + model.parameters) { model(x) }
        // Flatten of a non-contiguous view (copied, gradient still flows to the right elements).
        GradientCheck().check([x]) { Flatten()(x.transposed(1, 2)) * Tensor.arange(0, 12).reshaped([1, 12]) }
    }
}
