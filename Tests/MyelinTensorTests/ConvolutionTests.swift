import MyelinTensor
import MyelinTestSupport
import Testing

/// One convolution configuration: shapes and hyper-parameters.
struct ConvCase: CustomTestStringConvertible, Sendable {
    var batch = 2, inChannels = 3, outChannels = 4, height = 7, width = 6
    var kernel: Size2D = 3, stride: Size2D = 1, padding: Size2D = 0, dilation: Size2D = 1, groups = 1
    var bias = true

    var testDescription: String {
        "N\(batch) \(inChannels)→\(outChannels) \(height)×\(width) k\(kernel) s\(stride) p\(padding) d\(dilation) g\(groups)\(bias ? "" : " no bias")"
    }

    static let all: [ConvCase] = [
        ConvCase(),
        ConvCase(padding: 1),
        ConvCase(stride: 2, padding: 1),
        ConvCase(kernel: [3, 2], stride: [2, 1], padding: [1, 0]),
        ConvCase(dilation: 2, bias: false),
        ConvCase(batch: 1, inChannels: 4, outChannels: 6, kernel: 3, padding: 1, groups: 2),
        ConvCase(inChannels: 4, outChannels: 4, kernel: 3, padding: 1, groups: 4),  // depthwise
        ConvCase(kernel: 1),  // 1×1: the image is its own columns
        ConvCase(kernel: 1, stride: 2),
        ConvCase(batch: 3, inChannels: 1, outChannels: 2, height: 5, width: 5, kernel: 5, padding: 2),
        ConvCase(batch: 1, height: 4, width: 9, kernel: [2, 4], stride: 3, padding: [1, 2], dilation: [1, 2]),
        // 16 or more input channels, "same" padding: the input gradient is a convolution of dY.
        ConvCase(inChannels: 16, outChannels: 8, height: 5, width: 4, padding: 1),
        ConvCase(batch: 1, inChannels: 16, outChannels: 16, height: 6, width: 5, padding: 2, dilation: 2, bias: false),
    ]
}

/// conv2d by its definition, in double: y[n,o,i,j] = b[o] + Σ_{c,p,q} w[o,c,p,q]·x[n, g·Cg + c, i·s − pad + p·d, …].
private func referenceConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ c: ConvCase) -> [Double] {
    let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (cout, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    let oh = (h + 2 * c.padding.height - c.dilation.height * (kh - 1) - 1) / c.stride.height + 1
    let ow = (wd + 2 * c.padding.width - c.dilation.width * (kw - 1) - 1) / c.stride.width + 1
    let xs = x.scalars, ws = w.scalars, bs = b?.scalars
    var y = [Double](repeating: 0, count: n * cout * oh * ow)
    let outPerGroup = cout / c.groups
    for img in 0..<n {
        for o in 0..<cout {
            let group = o / outPerGroup
            for i in 0..<oh {
                for j in 0..<ow {
                    var s = bs.map { Double($0[o]) } ?? 0
                    for ch in 0..<cg {
                        for p in 0..<kh {
                            for q in 0..<kw {
                                let r = i * c.stride.height - c.padding.height + p * c.dilation.height
                                let col = j * c.stride.width - c.padding.width + q * c.dilation.width
                                guard r >= 0, r < h, col >= 0, col < wd else { continue }
                                let xi = ((img * cin + group * cg + ch) * h + r) * wd + col
                                s += Double(ws[((o * cg + ch) * kh + p) * kw + q]) * Double(xs[xi])
                            }
                        }
                    }
                    y[((img * cout + o) * oh + i) * ow + j] = s
                }
            }
        }
    }
    return y
}

@Suite struct ConvolutionTests {
    let checker = GradientCheck()

    private func operands(_ c: ConvCase, seed: UInt64) -> (x: Tensor, w: Tensor, b: Tensor?) {
        let g = RandomGenerator(seed: seed)
        let x = leaf(uniform([c.batch, c.inChannels, c.height, c.width], g))
        let w = leaf(uniform([c.outChannels, c.inChannels / c.groups, c.kernel.height, c.kernel.width], g, -1, 1))
        let b = c.bias ? leaf(uniform([c.outChannels], g, -1, 1)) : nil
        return (x, w, b)
    }

    @Test(arguments: ConvCase.all)
    func forwardMatchesDefinition(_ c: ConvCase) {
        let (x, w, b) = operands(c, seed: 1)
        let y = conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
        let expected = referenceConv(x, w, b, c)
        #expect(y.count == expected.count)
        expectClose(y.scalars, expected.map(Float.init), tolerance: 1e-5)
        // The fused ReLU is the ReLU of the same values.
        let fused = conv2d(
            x, weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation,
            groups: c.groups, activation: .relu)
        #expect(fused.scalars == y.scalars.map { Swift.max($0, 0) })
    }

    @Test(arguments: ConvCase.all)
    func gradientsMatchFiniteDifferences(_ c: ConvCase) {
        let (x, w, b) = operands(c, seed: 2)
        checker.check([x, w] + (b.map { [$0] } ?? [])) {
            conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
        }
    }

    @Test(arguments: ConvCase.all)
    func weightGradientsAloneMatchFiniteDifferences(_ c: ConvCase) {
        // The first layer of a network: the images need no gradient, only the weight and bias do.
        let (x, w, b) = operands(c, seed: 8)
        x.requiresGrad = false
        checker.check([x, w] + (b.map { [$0] } ?? []), wrt: Set(1...(b == nil ? 1 : 2))) {
            conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
        }
    }

    @Test func fusedReLUGradient() {
        let c = ConvCase(padding: 1)
        let (x, w, b) = operands(c, seed: 3)
        // Shift the pre-activations away from 0 so that no finite-difference step crosses the kink.
        let pre = conv2d(x, weight: w, bias: b, padding: 1).scalars
        #expect(pre.allSatisfy { Swift.abs($0) > 1e-3 })
        let kinkFree = GradientCheck(step: 1e-3, absolute: 2e-3, relative: 2e-2)
        kinkFree.check([x, w, b!]) { conv2d(x, weight: w, bias: b, padding: 1, activation: .relu) }
    }

    /// Where the fused ReLU's mask is applied to dY: before dY is convolved (16 or more input
    /// channels, "same" padding), or as each block's dY is gathered for the column route (two small
    /// images side by side; one image of 24 × 24 outputs alone).
    static let maskedRoutes = [
        ConvCase(inChannels: 16, outChannels: 12, height: 6, width: 7, padding: 1),
        ConvCase(),
        ConvCase(batch: 1, inChannels: 3, outChannels: 5, height: 26, width: 26),
    ]

    @Test(arguments: KernelPath.supported, maskedRoutes)
    func fusedReLUGradientIsThatOfASeparateReLU(path: KernelPath, c: ConvCase) {
        KernelPath.withPath(path) {
            let (x, w, b) = operands(c, seed: 4)
            let y = conv2d(x, weight: w, bias: b, padding: c.padding, activation: .relu)
            let seed = uniform(y.shape, RandomGenerator(seed: 5))
            y.backward(seed)
            let fused = [x, w, b!].map { $0.grad!.scalars }
            for t in [x, w, b!] { t.grad = nil }
            let pre = conv2d(x, weight: w, bias: b, padding: c.padding)
            #expect(pre.scalars.contains { $0 < 0 } && pre.scalars.contains { $0 > 0 })  // the mask has work to do
            pre.relu().backward(seed)
            for (a, t) in zip(fused, [x, w, b!]) { expectClose(a, t.grad!.scalars, tolerance: 1e-6) }
        }
    }

    @Test(arguments: KernelPath.supported)
    func handComputedValues(path: KernelPath) {
        KernelPath.withPath(path) {
            // 3×3 image, 2×2 kernel [[1, 0], [0, −1]]: each output is the top-left minus the bottom-right.
            let x = Tensor(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
            let w = Tensor(shape: [1, 1, 2, 2], scalars: [1, 0, 0, -1])
            expectTensor(conv2d(x, weight: w), shape: [1, 1, 2, 2], [-4, -4, -4, -4])
            // Padding 1, stride 2: windows at (−1,−1), (−1,1), (1,−1), (1,1).
            expectTensor(
                conv2d(x, weight: w, bias: Tensor([10]), stride: 2, padding: 1), shape: [1, 1, 2, 2],
                [10 - 1, 10 - 3, 10 - 7, 10 + 5 - 9])
            // An unbatched [C, H, W] input gives an unbatched output.
            #expect(conv2d(x.squeezed(axis: 0), weight: w).shape == [1, 2, 2])
        }
    }

    @Test func stridedInputsAreRead() {
        // A permuted (non-contiguous) input and weight give the same result as their dense copies.
        let c = ConvCase(padding: 1)
        let (x, w, b) = operands(c, seed: 4)
        let xt = x.detached().permuted([0, 1, 3, 2]).contiguousCopy().permuted([0, 1, 3, 2])
        #expect(!xt.isContiguous)
        #expect(conv2d(xt, weight: w, bias: b, padding: 1).scalars == conv2d(x, weight: w, bias: b, padding: 1).scalars)
    }

    @Test(arguments: KernelPath.supported)
    func sameBitsOnAnyThreadCount(path: KernelPath) {
        KernelPath.withPath(path) {
            let c = ConvCase(batch: 9, inChannels: 8, outChannels: 16, height: 12, width: 12, padding: 1)
            func run() -> [[Float]] {
                let (x, w, b) = operands(c, seed: 5)
                let y = conv2d(x, weight: w, bias: b, padding: 1)
                (y * y).sum().backward()
                return [y.scalars, x.grad!.scalars, w.grad!.scalars, b!.grad!.scalars]
            }
            let one = Threads.withCount(1) { run() }
            #expect(Threads.withCount(2) { run() } == one)
        }
    }

    /// Images long enough to be claimed by the threads in shrinking runs (MNIST's ConvNet's second
    /// layer, 10.6 M multiply-adds an image), nine of them so that the runs differ in length (two
    /// images, then one at a time) and the threads' shares too: the same bits.
    @Test(arguments: KernelPath.supported)
    func claimedImagesGiveTheSameBits(path: KernelPath) {
        KernelPath.withPath(path) {
            let c = ConvCase(batch: 9, inChannels: 32, outChannels: 64, height: 26, width: 26)
            func run() -> [[Float]] {
                let (x, w, b) = operands(c, seed: 6)
                let y = conv2d(x, weight: w, bias: b)
                (y * y).sum().backward()
                return [y.scalars, x.grad!.scalars, w.grad!.scalars, b!.grad!.scalars]
            }
            let one = Threads.withCount(1) { run() }
            #expect(Threads.withCount(2) { run() } == one)
        }
    }

    // MARK: - Transposed

    @Test(arguments: [
        ConvCase(inChannels: 3, outChannels: 2, height: 4, width: 5, kernel: 3),
        ConvCase(inChannels: 3, outChannels: 2, height: 4, width: 5, kernel: 4, stride: 2, padding: 1),
        ConvCase(inChannels: 4, outChannels: 6, height: 3, width: 3, kernel: [3, 2], stride: [2, 3], padding: [1, 0], groups: 2),
        ConvCase(inChannels: 2, outChannels: 2, height: 3, width: 4, kernel: 3, dilation: 2, bias: false),
    ])
    func transposedIsTheAdjointOfConvolution(_ c: ConvCase) {
        // For every x and y: ⟨conv(x), y⟩ = ⟨x, convT(y)⟩ with the same weight and no bias.
        let g = RandomGenerator(seed: 6)
        let w = uniform([c.inChannels, c.outChannels / c.groups, c.kernel.height, c.kernel.width], g, -1, 1)
        let y = uniform([c.batch, c.inChannels, c.height, c.width], g)
        let up = convTranspose2d(y, weight: w, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
        let expectedHeight = (c.height - 1) * c.stride.height - 2 * c.padding.height + c.dilation.height * (c.kernel.height - 1) + 1
        #expect(up.shape == [c.batch, c.outChannels, expectedHeight, up.shape[3]])
        let x = uniform(up.shape, g)
        let down = conv2d(x, weight: w, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
        #expect(down.shape == y.shape)
        let lhs = zip(down.scalars, y.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let rhs = zip(x.scalars, up.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(Swift.abs(lhs - rhs) <= 1e-4 * Swift.max(1, Swift.abs(lhs)))
    }

    @Test(arguments: KernelPath.supported)
    func transposedHandComputedValues(path: KernelPath) {
        KernelPath.withPath(path) {
            // Stride 2 scatters a copy of the 2×2 kernel per input pixel, without overlap.
            let x = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
            let w = Tensor(shape: [1, 1, 2, 2], scalars: [1, 10, 100, 1000])
            expectTensor(
                convTranspose2d(x, weight: w, bias: Tensor([0.5]), stride: 2), shape: [1, 1, 4, 4],
                [
                    1, 10, 2, 20,
                    100, 1000, 200, 2000,
                    3, 30, 4, 40,
                    300, 3000, 400, 4000,
                ].map { $0 + 0.5 })
            // Output padding adds a row and a column (zeros, plus the bias) at the bottom and right.
            let padded = convTranspose2d(x, weight: w, stride: 2, outputPadding: 1)
            #expect(padded.shape == [1, 1, 5, 5])
            #expect((0..<5).map { padded[0, 0, 4, $0] } == [0, 0, 0, 0, 0])
        }
    }

    @Test(arguments: [
        ConvCase(inChannels: 2, outChannels: 3, height: 3, width: 4, kernel: 3, stride: 2, padding: 1),
        ConvCase(batch: 1, inChannels: 4, outChannels: 2, height: 2, width: 3, kernel: 2, stride: 1, groups: 2),
    ])
    func transposedGradients(_ c: ConvCase) {
        let g = RandomGenerator(seed: 7)
        let x = leaf(uniform([c.batch, c.inChannels, c.height, c.width], g))
        let w = leaf(uniform([c.inChannels, c.outChannels / c.groups, c.kernel.height, c.kernel.width], g, -1, 1))
        let b = leaf(uniform([c.outChannels], g, -1, 1))
        checker.check([x, w, b]) {
            convTranspose2d(
                x, weight: w, bias: b, stride: c.stride, padding: c.padding, outputPadding: c.stride.height > 1 ? 1 : 0,
                groups: c.groups)
        }
    }
}
