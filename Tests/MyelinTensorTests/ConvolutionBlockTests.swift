import MyelinTensor
import MyelinTestSupport
import Testing

/// The convolution kernels take the output's columns a block at a time: a few output rows of one
/// image when an image's column matrix would not fit in L2, several whole images side by side when
/// images are small. These cases reach both on any host with up to 2 MiB of L2 (blocks are at least
/// 512 columns wide; 512 taps and outputs per column or more make them at most that on such a host,
/// and 24×24 outputs are 576 columns), through both ways of building columns (a shifted copy of the
/// plane when stride 1 keeps the width, else row by row), and check the forward pass and all three
/// gradients against their definitions on every kernel path the CPU has.
@Suite struct ConvolutionBlockTests {
    static let cases: [ConvCase] = [
        // Row blocks: 548 taps and outputs per column, two blocks of 12 rows per image.
        ConvCase(batch: 2, inChannels: 60, outChannels: 8, height: 24, width: 24, padding: 1),
        ConvCase(batch: 2, inChannels: 60, outChannels: 8, height: 48, width: 47, stride: 2, padding: 1),
        ConvCase(batch: 2, inChannels: 120, outChannels: 16, height: 24, width: 24, padding: 1, groups: 2, bias: false),
        ConvCase(batch: 1, inChannels: 60, outChannels: 8, height: 24, width: 24, kernel: [3, 5], padding: [2, 4], dilation: 2),
        // 7 rows as blocks of 3, 3 and 1: taps two rows down read nothing for the last block (this
        // took a negative row count and crashed in the shifted layout).
        ConvCase(batch: 1, inChannels: 20, outChannels: 12, height: 7, width: 160, kernel: 5, padding: 2),
        // 1×1, stride 1: row blocks of the image itself, no column matrix.
        ConvCase(batch: 2, inChannels: 600, outChannels: 16, height: 24, width: 24, kernel: 1),
        // Image blocks: 50 images of 25 pixels as blocks of 17, 17 and 16.
        ConvCase(batch: 50, inChannels: 2, outChannels: 3, height: 5, width: 5, padding: 1),
        ConvCase(batch: 7, inChannels: 4, outChannels: 6, height: 5, width: 4, kernel: 1, groups: 2),
        // A kernel wider than the image: taps that read nothing but padding.
        ConvCase(batch: 3, inChannels: 2, outChannels: 3, height: 3, width: 2, kernel: 5, padding: 2),
    ]

    @Test(arguments: cases, KernelPath.supported)
    func blocksMatchTheDefinition(_ c: ConvCase, path: KernelPath) {
        KernelPath.withPath(path) {
            for relu in [false, true] { checkAgainstDefinition(c, relu: relu) }
        }
    }
}

/// conv2d's output and all three gradients (of Σ upstream·y, through a fused ReLU when asked) against
/// their definitions in double, to 1e-4.
func checkAgainstDefinition(_ c: ConvCase, relu: Bool) {
    let g = RandomGenerator(seed: 11)
    let x = leaf(uniform([c.batch, c.inChannels, c.height, c.width], g, -1, 1))
    let w = leaf(uniform([c.outChannels, c.inChannels / c.groups, c.kernel.height, c.kernel.width], g, -0.1, 0.1))
    let b = c.bias ? leaf(uniform([c.outChannels], g, -1, 1)) : nil
    let y = conv2d(
        x, weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups,
        activation: relu ? .relu : .none)
    let reference = ReferenceConvolution(c, x: x.scalars, w: w.scalars, b: b?.scalars)
    let pre = reference.forward()
    expectClose(y.scalars, pre.map { Float(relu ? Swift.max($0, 0) : $0) }, tolerance: 1e-4, "forward, ReLU \(relu)")

    let upstream = uniform(y.shape, g, -1, 1)
    (y * upstream).sum().backward()
    // A fused ReLU passes the gradient where its output is positive.
    let dy = zip(upstream.scalars, pre).map { !relu || $1 > 0 ? Double($0) : 0 }
    let (dx, dw, db) = reference.gradients(dy)
    expectClose(x.grad!.scalars, dx.map(Float.init), tolerance: 1e-4, "input gradient, ReLU \(relu)")
    expectClose(w.grad!.scalars, dw.map(Float.init), tolerance: 1e-4, "weight gradient, ReLU \(relu)")
    if let b { expectClose(b.grad!.scalars, db.map(Float.init), tolerance: 1e-4, "bias gradient, ReLU \(relu)") }
}

/// A convolution by its definition, in double: the output, and the gradients of Σ dy·y.
private struct ReferenceConvolution {
    let c: ConvCase
    let x: [Float], w: [Float], b: [Float]?
    let outHeight: Int, outWidth: Int

    init(_ c: ConvCase, x: [Float], w: [Float], b: [Float]?) {
        self.c = c
        self.x = x
        self.w = w
        self.b = b
        outHeight = (c.height + 2 * c.padding.height - c.dilation.height * (c.kernel.height - 1) - 1) / c.stride.height + 1
        outWidth = (c.width + 2 * c.padding.width - c.dilation.width * (c.kernel.width - 1) - 1) / c.stride.width + 1
    }

    /// Calls body(output index, weight index, input index) for every product of the convolution.
    private func forEachProduct(_ body: (Int, Int, Int) -> Void) {
        let inPerGroup = c.inChannels / c.groups, outPerGroup = c.outChannels / c.groups
        let (kh, kw) = (c.kernel.height, c.kernel.width)
        for n in 0..<c.batch {
            for o in 0..<c.outChannels {
                let group = o / outPerGroup
                for i in 0..<outHeight {
                    for j in 0..<outWidth {
                        let out = ((n * c.outChannels + o) * outHeight + i) * outWidth + j
                        for ch in 0..<inPerGroup {
                            for p in 0..<kh {
                                let r = i * c.stride.height - c.padding.height + p * c.dilation.height
                                guard r >= 0, r < c.height else { continue }
                                for q in 0..<kw {
                                    let col = j * c.stride.width - c.padding.width + q * c.dilation.width
                                    guard col >= 0, col < c.width else { continue }
                                    body(
                                        out, ((o * inPerGroup + ch) * kh + p) * kw + q,
                                        ((n * c.inChannels + group * inPerGroup + ch) * c.height + r) * c.width + col)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func forward() -> [Double] {
        let plane = outHeight * outWidth
        var y = (0..<(c.batch * c.outChannels * plane)).map { index in b.map { Double($0[index / plane % c.outChannels]) } ?? 0 }
        forEachProduct { out, wi, xi in y[out] += Double(w[wi]) * Double(x[xi]) }
        return y
    }

    func gradients(_ dy: [Double]) -> (dx: [Double], dw: [Double], db: [Double]) {
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
        forEachProduct { out, wi, xi in
            dx[xi] += Double(w[wi]) * dy[out]
            dw[wi] += Double(x[xi]) * dy[out]
        }
        let plane = outHeight * outWidth
        var db = [Double](repeating: 0, count: c.outChannels)
        for (index, value) in dy.enumerated() { db[index / plane % c.outChannels] += value }
        return (dx, dw, db)
    }
}
