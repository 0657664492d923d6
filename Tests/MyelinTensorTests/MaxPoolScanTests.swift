import MyelinTensor
import MyelinTestSupport
import Testing

/// Max pooling takes the windows that lie inside a row several outputs at a time, in vectors, and
/// the clipped ones at the edges one by one. Both must pick what a plain scan picks — the first NaN,
/// else the first largest value in row-major order — on every kernel path, with ties, NaNs and
/// infinities in the data; the gradient goes to the picked input.
@Suite struct MaxPoolScanTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let kernel: Int, stride: Int, padding: Int, ceilMode: Bool
        var testDescription: String { "k\(kernel) s\(stride) p\(padding)\(ceilMode ? " ceil" : "")" }
    }

    static let cases = [
        Case(kernel: 3, stride: 2, padding: 1, ceilMode: false),  // ResNet's stem
        Case(kernel: 2, stride: 2, padding: 0, ceilMode: false),  // VGG's
        Case(kernel: 3, stride: 1, padding: 1, ceilMode: false),  // GoogLeNet's inception branch
        Case(kernel: 3, stride: 3, padding: 0, ceilMode: true),
        Case(kernel: 2, stride: 2, padding: 1, ceilMode: true),
    ]

    @Test(arguments: cases, KernelPath.supported)
    func picksWhatAScanPicks(_ c: Case, path: KernelPath) {
        let (h, w) = (13, 150)  // rows longer than one 64-output chunk of the vectorised loop
        let g = RandomGenerator(seed: 5)
        // Small integers make ties; one value in 61 is NaN and one in 53 is ±inf.
        var scalars = uniform([2, 3, h, w], g, -4, 4).scalars.map { $0.rounded() }
        for i in scalars.indices {
            if i % 61 == 7 { scalars[i] = .nan } else if i % 53 == 3 { scalars[i] = i % 2 == 0 ? .infinity : -.infinity }
        }
        let x = leaf(Tensor(shape: [2, 3, h, w], scalars: scalars))
        let y = KernelPath.withPath(path) {
            maxPool2d(x, kernelSize: .init(c.kernel), stride: .init(c.stride), padding: .init(c.padding), ceilMode: c.ceilMode)
        }
        let (oh, ow) = (y.shape[2], y.shape[3])
        let upstream = uniform(y.shape, g, -1, 1)
        KernelPath.withPath(path) { (y * upstream).sum().backward() }

        var expected = [Float](), gradient = [Float](repeating: 0, count: scalars.count)
        for plane in 0..<6 {
            for i in 0..<oh {
                for j in 0..<ow {
                    let r0 = Swift.max(i * c.stride - c.padding, 0), r1 = Swift.min(i * c.stride - c.padding + c.kernel, h)
                    let c0 = Swift.max(j * c.stride - c.padding, 0), c1 = Swift.min(j * c.stride - c.padding + c.kernel, w)
                    var best = plane * h * w + r0 * w + c0
                    scan: for r in r0..<r1 {
                        for col in c0..<c1 {
                            let at = plane * h * w + r * w + col
                            if scalars[at].isNaN { best = at; break scan }
                            if scalars[at] > scalars[best] { best = at }
                        }
                    }
                    expected.append(scalars[best])
                    gradient[best] += upstream.scalars[(plane * oh + i) * ow + j]
                }
            }
        }
        let got = y.scalars
        #expect(got.count == expected.count)
        let mismatches = zip(got, expected).filter { !($0 == $1 || ($0.isNaN && $1.isNaN)) }.count
        #expect(mismatches == 0, "\(mismatches) outputs differ from the scan")
        expectClose(x.grad!.scalars, gradient, tolerance: 1e-6, "gradient")
    }
}
