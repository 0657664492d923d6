import MyelinNN
import MyelinTestSupport
import Testing

/// What a child process wrote to stderr.
private func text(_ result: ExitTest.Result?) -> String {
    String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
}

/// conv_transpose2d by its definition, in double: every input pixel scatters a weighted copy of
/// the kernel, y[n, g·Cg + o, i·s − p + a·d, j·s − q + b·d] += x[n, c, i, j]·w[c, o, a, b].
private func referenceConvTranspose(
    _ x: Tensor, _ w: Tensor, _ bias: [Float]?, stride: Size2D, padding: Size2D,
    outputPadding: Size2D, dilation: Size2D, groups: Int
) -> (shape: [Int], values: [Double]) {
    let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (outPerGroup, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
    let cout = outPerGroup * groups, inPerGroup = cin / groups
    let oh = (h - 1) * stride.height - 2 * padding.height + dilation.height * (kh - 1) + outputPadding.height + 1
    let ow = (wd - 1) * stride.width - 2 * padding.width + dilation.width * (kw - 1) + outputPadding.width + 1
    let xs = x.scalars, ws = w.scalars
    var y = [Double](repeating: 0, count: n * cout * oh * ow)
    for img in 0..<n {
        for o in 0..<cout {
            for p in 0..<(oh * ow) { y[(img * cout + o) * oh * ow + p] = bias.map { Double($0[o]) } ?? 0 }
        }
        for c in 0..<cin {
            let group = c / inPerGroup
            for i in 0..<h {
                for j in 0..<wd {
                    let v = Double(xs[((img * cin + c) * h + i) * wd + j])
                    for o in 0..<outPerGroup {
                        for a in 0..<kh {
                            for b in 0..<kw {
                                let r = i * stride.height - padding.height + a * dilation.height
                                let col = j * stride.width - padding.width + b * dilation.width
                                guard r >= 0, r < oh, col >= 0, col < ow else { continue }
                                let out = ((img * cout + group * outPerGroup + o) * oh + r) * ow + col
                                y[out] += v * Double(ws[((c * outPerGroup + o) * kh + a) * kw + b])
                            }
                        }
                    }
                }
            }
        }
    }
    return ([n, cout, oh, ow], y)
}

@Suite struct ConvolutionLayerTests {
    let checker = GradientCheck()

    // MARK: - Parameters

    @Test func conv2dParameterShapesAndNames() {
        let layer = Conv2d(6, 8, kernelSize: [3, 2], groups: 2)
        #expect(layer.weight.shape == [8, 3, 3, 2])
        #expect(layer.bias!.shape == [8])
        #expect(layer.namedParameters.map(\.0) == ["weight", "bias"])
        #expect(layer.stateDict.map(\.0) == ["weight", "bias"])
        #expect(layer.parameterCount == 8 * 3 * 3 * 2 + 8)

        let plain = Conv2d(3, 4, kernelSize: 3, bias: false)
        #expect(plain.bias == nil)
        #expect(plain.parameters.count == 1)
        #expect(plain.stateDict.map(\.0) == ["weight"])
        #expect(plain.parameterCount == 4 * 3 * 9)
    }

    @Test func convTranspose2dParameterShapesAndNames() {
        // The weight is [inChannels, outChannels/groups, kH, kW], as PyTorch's.
        let layer = ConvTranspose2d(6, 8, kernelSize: [3, 2], groups: 2)
        #expect(layer.weight.shape == [6, 4, 3, 2])
        #expect(layer.bias!.shape == [8])
        #expect(layer.stateDict.map(\.0) == ["weight", "bias"])
        #expect(layer.parameterCount == 6 * 4 * 3 * 2 + 8)

        let plain = ConvTranspose2d(3, 4, kernelSize: 2, stride: 2, bias: false)
        #expect(plain.bias == nil)
        #expect(plain.stateDict.map(\.0) == ["weight"])
        #expect(plain.parameterCount == 3 * 4 * 4)
    }

    /// Every value lies in [−bound, bound), and the largest magnitude comes close to the bound (so a
    /// smaller bound would fail too).
    private func expectUniform(_ t: Tensor, bound: Float, sourceLocation: SourceLocation = #_sourceLocation) {
        let largest = t.scalars.map(Swift.abs).max() ?? 0
        #expect(largest <= bound, sourceLocation: sourceLocation)
        #expect(largest > 0.9 * bound, sourceLocation: sourceLocation)
    }

    @Test func initialisationBoundsAsPyTorch() {
        // Conv2d: fanIn = inChannels/groups · kH · kW = 3 · 3 · 2 = 18.
        let conv = Conv2d(6, 8, kernelSize: [3, 2], groups: 2, generator: RandomGenerator(seed: 1))
        let convBound = 1 / Float(18).squareRoot()
        expectUniform(conv.weight, bound: convBound)
        #expect(conv.bias!.scalars.allSatisfy { Swift.abs($0) <= convBound })
        // ConvTranspose2d: fanIn from its weight [in, out/groups, kH, kW] = 16/2 · 3 · 3 = 72.
        let up = ConvTranspose2d(6, 16, kernelSize: 3, groups: 2, generator: RandomGenerator(seed: 2))
        let upBound = 1 / Float(72).squareRoot()
        expectUniform(up.weight, bound: upBound)
        #expect(up.bias!.scalars.allSatisfy { Swift.abs($0) <= upBound })
        // Biases are drawn with the same bound; with 64 of them the largest comes close to it.
        let wide = Conv2d(1, 64, kernelSize: 5, generator: RandomGenerator(seed: 3))
        expectUniform(wide.bias!, bound: 1 / 5)
        // The same seed gives the same layer.
        #expect(Conv2d(6, 8, kernelSize: [3, 2], groups: 2, generator: RandomGenerator(seed: 1)).weight.scalars == conv.weight.scalars)
    }

    // MARK: - Forward and gradients

    @Test func conv2dForwardIsTheFunction() {
        let g = RandomGenerator(seed: 4)
        let layer = Conv2d(4, 6, kernelSize: 3, stride: 2, padding: 1, dilation: [1, 2], groups: 2, generator: g)
        let x = Tensor.uniform([2, 4, 9, 8], low: -1, high: 1, generator: g)
        let y = layer(x)
        #expect(y.shape == [2, 6, 5, 3])
        #expect(
            y.scalars
                == conv2d(
                    x, weight: layer.weight, bias: layer.bias, stride: 2, padding: 1, dilation: [1, 2],
                    groups: 2
                ).scalars)
        // Without a bias, no bias is added.
        let plain = Conv2d(4, 6, kernelSize: 3, bias: false, generator: g)
        #expect(plain(x).scalars == conv2d(x, weight: plain.weight).scalars)
        // An unbatched image gives an unbatched output.
        #expect(layer(x[0]).shape == [6, 5, 3])
    }

    @Test func convTranspose2dForwardIsTheFunction() {
        let g = RandomGenerator(seed: 5)
        let layer = ConvTranspose2d(4, 6, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, groups: 2, generator: g)
        let x = Tensor.uniform([2, 4, 5, 4], low: -1, high: 1, generator: g)
        let y = layer(x)
        #expect(y.shape == [2, 6, 10, 8])  // (5 − 1)·2 − 2 + 2 + 1 + 1 = 10, (4 − 1)·2 − 2 + 2 + 1 + 1 = 8
        #expect(
            y.scalars
                == convTranspose2d(
                    x, weight: layer.weight, bias: layer.bias, stride: 2, padding: 1,
                    outputPadding: 1, groups: 2
                ).scalars)
        let reference = referenceConvTranspose(
            x, layer.weight, layer.bias!.scalars, stride: 2, padding: 1,
            outputPadding: 1, dilation: 1, groups: 2)
        #expect(reference.shape == y.shape)
        #expect(close(y.scalars, reference.values.map(Float.init), 1e-5))
    }

    @Test(arguments: [true, false])
    func conv2dGradients(bias: Bool) {
        let g = RandomGenerator(seed: 6)
        let layer = Conv2d(4, 2, kernelSize: [3, 2], stride: [1, 2], padding: 1, groups: 2, bias: bias, generator: g)
        let x = leaf(uniform([2, 4, 5, 6], g))
        checker.check([x] + layer.parameters) { layer(x) }
    }

    @Test(arguments: [true, false])
    func convTranspose2dGradients(bias: Bool) {
        let g = RandomGenerator(seed: 7)
        let layer = ConvTranspose2d(
            2, 4, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, groups: 2, bias: bias,
            generator: g)
        let x = leaf(uniform([2, 2, 3, 4], g))
        checker.check([x] + layer.parameters) { layer(x) }
    }

    @Test func fusedConvReLUInSequentialIsConvThenReLU() {
        let g = RandomGenerator(seed: 8)
        let conv = Conv2d(3, 5, kernelSize: 3, padding: 1, generator: g)
        let net = Sequential([conv, ReLU()])
        let x = leaf(uniform([2, 3, 6, 6], g))
        let upstream = Tensor.uniform([2, 5, 6, 6], low: -1, high: 1, generator: g)

        let fused = net(x)
        fused.backward(upstream)
        let fusedGrads = [x.grad!.scalars, conv.weight.grad!.scalars, conv.bias!.grad!.scalars]
        x.zeroGrad()
        net.zeroGrad()

        let plain = conv2d(x, weight: conv.weight, bias: conv.bias, padding: 1).relu()
        plain.backward(upstream)
        let plainGrads = [x.grad!.scalars, conv.weight.grad!.scalars, conv.bias!.grad!.scalars]

        #expect(fused.scalars == plain.scalars)
        #expect(fused.scalars.contains { $0 == 0 } && fused.scalars.contains { $0 > 0 })
        for (a, b) in zip(fusedGrads, plainGrads) { #expect(close(a, b, 1e-6)) }
    }

    @Test func fusedConvReLUGradientCheck() {
        // Through Sequential's fused path, with pre-activations kept away from the kink at 0.
        let g = RandomGenerator(seed: 9)
        let conv = Conv2d(2, 3, kernelSize: 2, generator: g)
        let x = leaf(uniform([2, 2, 4, 4], g))
        let pre = conv(x).scalars
        #expect(pre.allSatisfy { Swift.abs($0) > 1e-3 })
        let net = Sequential([conv, ReLU()])
        GradientCheck(step: 1e-3, absolute: 2e-3, relative: 2e-2).check([x] + net.parameters) { net(x) }
    }

    // MARK: - Classic networks

    @Test func mnistExampleNetShapesAndParameterCount() {
        // PyTorch's examples/mnist Net.
        let g = RandomGenerator(seed: 10)
        let features = Sequential {
            Conv2d(1, 32, kernelSize: 3, generator: g)
            ReLU()
            Conv2d(32, 64, kernelSize: 3, generator: g)
            ReLU()
            MaxPool2d(2)
            Dropout(0.25)
            Flatten()
        }
        let classifier = Sequential {
            Linear(9216, 128, generator: g)
            ReLU()
            Dropout(0.5)
            Linear(128, 10, generator: g)
        }
        let net = Sequential([features, classifier])
        net.eval()
        let x = Tensor.uniform([2, 1, 28, 28], low: 0, high: 1, generator: g)
        #expect(features(x).shape == [2, 9216])
        #expect(net(x).shape == [2, 10])
        // 320 + 18,496 + 1,179,776 + 1,290.
        #expect(net.parameterCount == 1_199_882)
    }

    @Test func leNetShapes() {
        let g = RandomGenerator(seed: 11)
        let stages: [Module] = [
            Conv2d(1, 6, kernelSize: 5, padding: 2, generator: g), Tanh(), AvgPool2d(2),  // 28 → 28 → 14
            Conv2d(6, 16, kernelSize: 5, generator: g), Tanh(), AvgPool2d(2),  // 14 → 10 → 5
            Flatten(),
        ]
        var x = Tensor.uniform([3, 1, 28, 28], low: 0, high: 1, generator: g)
        var shapes: [[Int]] = []
        for stage in stages {
            x = stage(x)
            shapes.append(x.shape)
        }
        #expect(
            shapes == [
                [3, 6, 28, 28], [3, 6, 28, 28], [3, 6, 14, 14],
                [3, 16, 10, 10], [3, 16, 10, 10], [3, 16, 5, 5], [3, 400],
            ])
        let net = Sequential(
            stages + [
                Linear(400, 120, generator: g), Tanh(), Linear(120, 84, generator: g), Tanh(),
                Linear(84, 10, generator: g),
            ])
        #expect(net(Tensor.zeros([3, 1, 28, 28])).shape == [3, 10])
        #expect(net.parameterCount == 61_706)
    }

    @Test func oneByOneConvolutionIsAPerPixelLinear() {
        // The network-in-network building block: a 1×1 convolution maps each pixel's channel vector.
        let g = RandomGenerator(seed: 12)
        let conv = Conv2d(5, 3, kernelSize: 1, generator: g)
        let dense = Linear(5, 3)
        dense.weight.assign(conv.weight.reshaped([3, 5]))
        dense.bias!.assign(conv.bias!)
        let x = Tensor.uniform([2, 5, 4, 3], low: -1, high: 1, generator: g)
        let perPixel = dense(x.permuted([0, 2, 3, 1])).permuted([0, 3, 1, 2])
        let y = conv(x)
        #expect(y.shape == perPixel.shape)
        #expect(close(y.scalars, perPixel.contiguousCopy().scalars, 1e-6))
    }

    @Test func poolingLayersAreTheirFunctions() {
        let x = Tensor.uniform([2, 3, 7, 6], low: -1, high: 1, generator: RandomGenerator(seed: 13))
        #expect(MaxPool2d(2)(x).scalars == maxPool2d(x, kernelSize: 2).scalars)
        #expect(
            MaxPool2d(3, stride: 2, padding: 1, ceilMode: true)(x).scalars
                == maxPool2d(x, kernelSize: 3, stride: 2, padding: 1, ceilMode: true).scalars)
        #expect(MaxPool2d([2, 3], stride: [1, 2])(x).shape == [2, 3, 6, 2])
        #expect(AvgPool2d(2)(x).scalars == avgPool2d(x, kernelSize: 2).scalars)
        #expect(
            AvgPool2d(3, stride: 2, padding: 1, countIncludingPadding: false)(x).scalars
                == avgPool2d(x, kernelSize: 3, stride: 2, padding: 1, countIncludingPadding: false).scalars)
        #expect(AvgPool2d(2, ceilMode: true)(x).shape == [2, 3, 4, 3])
        #expect(AdaptiveAvgPool2d(1)(x).shape == [2, 3, 1, 1])
        #expect(AdaptiveAvgPool2d([3, 2])(x).scalars == adaptiveAvgPool2d(x, outputSize: [3, 2]).scalars)
        // Pooling layers have nothing to learn.
        #expect(MaxPool2d(2).parameterCount == 0 && AvgPool2d(2).stateDict.isEmpty && AdaptiveAvgPool2d(1).parameters.isEmpty)
    }

    // MARK: - Edge cases of the kernels underneath

    @Test func paddingWiderThanTheInput() {
        // A 2×2 image with padding 3: most windows see only padding and give the bias alone.
        let g = RandomGenerator(seed: 14)
        let layer = Conv2d(2, 3, kernelSize: 3, stride: [2, 1], padding: 3, generator: g)
        let x = leaf(uniform([1, 2, 2, 2], g))
        let y = layer(x)
        #expect(y.shape == [1, 3, 3, 6])
        // Row 0 of the output reads input rows −3…−1 only: every column of it is the bias.
        for o in 0..<3 { #expect((0..<6).allSatisfy { y[0, o, 0, $0] == layer.bias![o] }) }
        checker.check([x] + layer.parameters) { layer(x) }
    }

    @Test func emptyAndSingleImageBatches() {
        let g = RandomGenerator(seed: 17)
        let conv = Conv2d(2, 3, kernelSize: 3, padding: 1, generator: g)
        let up = ConvTranspose2d(3, 2, kernelSize: 2, stride: 2, generator: g)
        // No images: empty outputs, and zero (not uninitialised) parameter gradients.
        let none = leaf(Tensor.zeros([0, 2, 4, 4]))
        let y = up(conv(none))
        #expect(y.shape == [0, 2, 8, 8])
        y.sum().backward()
        #expect(conv.weight.grad!.scalars.allSatisfy { $0 == 0 } && conv.bias!.grad!.scalars.allSatisfy { $0 == 0 })
        #expect(up.weight.grad!.scalars.allSatisfy { $0 == 0 } && up.bias!.grad!.scalars.allSatisfy { $0 == 0 })
        #expect(none.grad!.shape == [0, 2, 4, 4])
        conv.zeroGrad()
        up.zeroGrad()
        // One image (the GEMM, not the batch, is split over the threads).
        let one = leaf(uniform([1, 2, 4, 4], g))
        checker.check([one] + conv.parameters + up.parameters) { up(conv(one)) }
    }

    @Test func transposedOneByOneDilatedWithOutputPadding() {
        // A 1×1 kernel with dilation 2 allows output padding 1 (it must be below the stride or the
        // dilation): the output gains a row and a column that no input reaches (bias only).
        let g = RandomGenerator(seed: 15)
        let layer = ConvTranspose2d(3, 2, kernelSize: 1, outputPadding: 1, dilation: 2, generator: g)
        let x = leaf(uniform([2, 3, 3, 4], g))
        let y = layer(x)
        let reference = referenceConvTranspose(
            x, layer.weight, layer.bias!.scalars, stride: 1, padding: 0,
            outputPadding: 1, dilation: 2, groups: 1)
        #expect(y.shape == [2, 2, 4, 5])
        #expect(reference.shape == y.shape)
        #expect(close(y.scalars, reference.values.map(Float.init), 1e-5))
        checker.check([x] + layer.parameters) { layer(x) }
    }

    @Test func transposedWithAStridedBias() {
        // A bias that is a view (every other element of a row) gives the same output as its copy.
        let g = RandomGenerator(seed: 16)
        let w = uniform([2, 6, 3, 3], g, -1, 1)
        let x = uniform([2, 2, 3, 3], g)
        let pairs = uniform([6, 2], g)
        let bias: Tensor = pairs.transposed()[0]
        #expect(bias.shape == [6] && !bias.isContiguous)
        let viaView = convTranspose2d(x, weight: w, bias: bias, stride: 2)
        let viaCopy = convTranspose2d(x, weight: w, bias: bias.contiguousCopy(), stride: 2)
        #expect(viaView.scalars == viaCopy.scalars)
        // And conv2d likewise.
        let cw = uniform([6, 2, 3, 3], g, -1, 1)
        #expect(
            conv2d(x, weight: cw, bias: bias, padding: 1).scalars == conv2d(x, weight: cw, bias: bias.contiguousCopy(), padding: 1).scalars)
    }

    @Test func zeroStrideIsReportedByName() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = Conv2d(1, 1, kernelSize: 3, stride: 0)(Tensor.zeros([1, 1, 5, 5]))
            })
        #expect(message.contains("conv2d: stride 0 and dilation 1 must be positive"), "\(message)")
    }
}
