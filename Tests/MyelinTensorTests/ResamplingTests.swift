import MyelinTensor
import MyelinTestSupport
import Testing

// Upsampling (nearest, bilinear): values worked out by hand from PyTorch's index
// formulas, gradients against finite differences, and shape preconditions.

/// [0, 1, …, n − 1] as a [1, 1, 1, n] image.
private func ramp(_ n: Int) -> Tensor { Tensor.arange(Float(n)).reshaped(1, 1, 1, n) }

private let square = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])

@Suite struct ResamplingValues {
    let g = RandomGenerator(seed: 51)

    @Test func nearestDoubling() {
        expectTensor(
            square.upsampled(scaleFactor: 2), shape: [1, 1, 4, 4],
            [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        expectTensor(
            square.upsampled(size: (height: 4, width: 4)), shape: [1, 1, 4, 4],
            [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    @Test func bilinearDoubling() {
        // PyTorch: F.interpolate([[1, 2], [3, 4]], scale_factor=2, mode="bilinear").
        let expected: [Float] = [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]
        expectTensor(square.upsampled(scaleFactor: 2, mode: .bilinear), shape: [1, 1, 4, 4], expected)
        expectTensor(square.upsampled(size: (4, 4), mode: .bilinear), shape: [1, 1, 4, 4], expected)
    }

    @Test func nonIntegerSizes() {
        // 5 → 7 by size: the source of i is (i + ½)·5/7 − ½, clamped at 0 (bilinear), or
        // ⌊i·5/7⌋ (nearest).
        expectTensor(
            ramp(5).upsampled(size: (1, 7), mode: .bilinear), shape: [1, 1, 1, 7],
            [0, 4 / 7, 9 / 7, 2, 19 / 7, 24 / 7, 4])
        expectTensor(ramp(5).upsampled(size: (1, 7)), shape: [1, 1, 1, 7], [0, 0, 1, 2, 2, 3, 4])
        // By the factor 1.5 the size is ⌊7.5⌋ = 7 too, but PyTorch reads the source at
        // (i + ½)/1.5 − ½, not at the ratio of the sizes.
        expectTensor(
            ramp(5).upsampled(scaleFactors: (1, 1.5), mode: .bilinear), shape: [1, 1, 1, 7],
            [0, 0.5, 7 / 6, 11 / 6, 2.5, 19 / 6, 23 / 6])
        expectTensor(ramp(5).upsampled(scaleFactors: (1, 1.5)), shape: [1, 1, 1, 7], [0, 0, 1, 2, 2, 3, 4])
        // 1.4 is not exact in binary; the size is taken in double precision, as Python does: 7.
        #expect(ramp(5).upsampled(scaleFactors: (1, 1.4)).shape == [1, 1, 1, 7])
        // A factor that keeps the size is an identity for nearest (PyTorch's shortcut).
        expectTensor(ramp(5).upsampled(scaleFactors: (1, 1.1)), shape: [1, 1, 1, 5], [0, 1, 2, 3, 4])
        // Downsampling by size: bilinear averages neighbour pairs.
        expectTensor(ramp(4).upsampled(size: (1, 2), mode: .bilinear), shape: [1, 1, 1, 2], [0.5, 2.5])
    }

    @Test func bothAxesAndManyPlanes() {
        // Rows and columns scale independently; each (n, c) plane is resampled on its own.
        let x = uniform([2, 3, 3, 5], g)
        for mode in [UpsamplingMode.nearest, .bilinear] {
            let y = x.upsampled(size: (4, 7), mode: mode)
            #expect(y.shape == [2, 3, 4, 7])
            let transposed = x.transposed(2, 3).contiguousCopy().upsampled(size: (7, 4), mode: mode).transposed(2, 3)
            expectClose(y.scalars, transposed.scalars, "\(mode): rows and columns are the same map")
            let plane = x[1][2].reshaped(1, 1, 3, 5).upsampled(size: (4, 7), mode: mode)
            expectClose(y[1][2].scalars, plane.scalars, "\(mode): one plane")
        }
        // A non-contiguous input is read through its strides.
        let view = uniform([3, 5, 2, 2], g).permuted(2, 3, 0, 1)
        expectClose(
            view.upsampled(scaleFactor: 1.5, mode: .bilinear).scalars,
            view.contiguousCopy().upsampled(scaleFactor: 1.5, mode: .bilinear).scalars)
    }

    @Test(arguments: [UpsamplingMode.nearest, .bilinear])
    func threadedPlanesMatchOnePlaneAtATime(mode: UpsamplingMode) {
        // 128 planes of 40×48 outputs are split over the thread pool, forward and backward.
        let x = leaf(uniform([8, 16, 20, 24], g))
        let y = x.upsampled(size: (40, 48), mode: mode)
        let seed = uniform(y.shape, g)
        y.backward(seed)
        for (n, c) in [(0, 0), (3, 7), (7, 15)] {
            let plane = leaf(x.detached()[n][c].contiguousCopy().reshaped(1, 1, 20, 24))
            let yp = plane.upsampled(size: (40, 48), mode: mode)
            expectClose(y.detached()[n][c].scalars, yp.scalars, "\(mode) forward plane (\(n), \(c))")
            yp.backward(seed[n][c].reshaped(1, 1, 40, 48).contiguousCopy())
            expectClose(x.grad![n][c].scalars, plane.grad!.scalars, "\(mode) backward plane (\(n), \(c))")
        }
    }

    @Test func backwardByHand() {
        // Nearest doubling: every source pixel has four copies.
        let x = leaf(square.contiguousCopy())
        x.upsampled(scaleFactor: 2).sum().backward()
        #expect(x.grad!.scalars == [4, 4, 4, 4])
        // Bilinear weights of each output pixel sum to 1, so a sum's gradient totals the output count.
        let z = leaf(ramp(5).contiguousCopy())
        z.upsampled(size: (3, 7), mode: .bilinear).sum().backward()
        expectClose([z.grad!.sum().item], [21])
    }
}

@Suite struct ResamplingGradients {
    let g = RandomGenerator(seed: 52)

    @Test(arguments: [UpsamplingMode.nearest, .bilinear])
    func upsampling(mode: UpsamplingMode) {
        let x = uniform([2, 2, 5, 4], g)
        checkGradients([x], "\(mode) 5×4 → 7×7") { $0[0].upsampled(size: (7, 7), mode: mode) }
        checkGradients([x], "\(mode) by 1.5") { $0[0].upsampled(scaleFactor: 1.5, mode: mode) }
        checkGradients([x], "\(mode) by 2") { $0[0].upsampled(scaleFactor: 2, mode: mode) }
        checkGradients([x], "\(mode) down to 3×2") { $0[0].upsampled(size: (3, 2), mode: mode) }
        checkGradients([uniform([4, 5, 2, 1], g)], "\(mode) of a permuted view") {
            $0[0].permuted(3, 2, 1, 0).upsampled(scaleFactors: (1.5, 2.5), mode: mode)
        }
    }
}

@Suite struct ResamplingPreconditions {
    private func text(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func upsampleRank() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = Tensor.zeros([3, 4, 4]).upsampled(scaleFactor: 2)
            })
        #expect(message.contains("upsample: needs a 4-D input [N, C, H, W], got shape [3, 4, 4]"), "\(message)")
    }

    @Test func upsampleToNothing() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = Tensor.zeros([1, 1, 2, 2]).upsampled(scaleFactor: 0.4)
            })
        #expect(
            message.contains("upsample: input and output sizes must be positive, got input shape [1, 1, 2, 2] and output size (0, 0)"),
            "\(message)")
    }
}
