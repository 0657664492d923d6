import MyelinTensor
import MyelinTestSupport
import Testing

// affineGrid and gridSample: values worked out by hand from PyTorch's formulas, the identity, the
// threaded loops against one image at a time, gradients against finite differences, and shape
// preconditions. PyTorch's own numbers are in SpatialFixtureTests.

/// [[1, 2], [3, 4]] as a [1, 1, 2, 2] image.
private let square = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])

/// θ = [[1, 0, 0], [0, 1, 0]] for each of `count` images.
private func identityTheta(_ count: Int) -> Tensor {
    Tensor(shape: [count, 2, 3], scalars: Array([[Float]](repeating: [1, 0, 0, 0, 1, 0], count: count).joined()))
}

/// A grid of `points` (x, y) pairs for one image: shape [1, 1, points.count, 2].
private func grid(_ points: [(Float, Float)]) -> Tensor {
    Tensor(shape: [1, 1, points.count, 2], scalars: points.flatMap { [$0.0, $0.1] })
}

/// The normalised coordinate of pixel coordinate `pixel` along an axis of `size` pixels: the inverse
/// of gridSample's unnormalisation.
private func normalized(_ pixel: Float, size: Int, alignCorners: Bool) -> Float {
    alignCorners ? pixel / (Float(size - 1) / 2) - 1 : (pixel + 0.5) / (Float(size) / 2) - 1
}

/// A grid [N, OH, OW, 2] whose points lie at pixel coordinates k + f with k from −1 to the size (so
/// some read partly or wholly outside the image) and f drawn from `fractions`: away from the kinks of
/// bilinear sampling (whole pixels, f in 0.15…0.85) or of nearest (half pixels, f in −0.35…0.35).
private func gridAwayFromKinks(
    _ shape: [Int], height: Int, width: Int, alignCorners: Bool, fractions: ClosedRange<Float>, _ g: RandomGenerator
) -> Tensor {
    let values = (0..<(shape.reduce(1, *) / 2)).flatMap { _ in
        [width, height].map { size in
            let pixel = Float(g.integer(below: size + 2) - 1) + g.uniform(fractions.lowerBound, fractions.upperBound)
            return normalized(pixel, size: size, alignCorners: alignCorners)
        }
    }
    return Tensor(shape: shape, scalars: values)
}

@Suite struct AffineGridValues {
    @Test func identityGridIsTheNormalisedPixelCentres() {
        // With alignCorners the extremes are the corner pixels' centres; without, their outer edges.
        let aligned = affineGrid(theta: identityTheta(1), size: [1, 1, 3, 4], alignCorners: true)
        #expect(aligned.shape == [1, 3, 4, 2])
        let xs: [Float] = [-1, -1 / 3, 1 / 3, 1], ys: [Float] = [-1, 0, 1]
        expectClose(aligned.scalars, ys.flatMap { y in xs.flatMap { [$0, y] } })
        let unaligned = affineGrid(theta: identityTheta(1), size: [1, 1, 3, 4], alignCorners: false)
        let centresX: [Float] = [-0.75, -0.25, 0.25, 0.75], centresY: [Float] = [-2 / 3, 0, 2 / 3]
        expectClose(unaligned.scalars, centresY.flatMap { y in centresX.flatMap { [$0, y] } })
        // A single pixel sits at 0 either way (PyTorch's linspace of one step).
        expectTensor(affineGrid(theta: identityTheta(1), size: [1, 1, 1, 1], alignCorners: true), shape: [1, 1, 1, 2], [0, 0])
    }

    @Test func eachImageHasItsOwnMatrix() {
        // Image 0 is turned a quarter (x' = −y, y' = x) and shifted right by 0.5; image 1 is scaled by 2.
        let theta = Tensor(shape: [2, 2, 3], scalars: [0, -1, 0.5, 1, 0, 0, 2, 0, 0, 0, 2, 0])
        let grid = affineGrid(theta: theta, size: [2, 5, 1, 2], alignCorners: true)  // points (−1, 0) and (1, 0)
        expectTensor(grid, shape: [2, 1, 2, 2], [0.5, -1, 0.5, 1, -2, 0, 2, 0])
    }
}

@Suite struct GridSampleValues {
    let g = RandomGenerator(seed: 61)

    @Test func bilinearByHand() {
        // (0, 0) is the image's centre: the mean of all four pixels either way.
        // (−1, −1): the top-left pixel's centre with alignCorners; without, its outer corner, pixel
        // coordinate (−½, −½), a quarter of pixel 1 (zeros) or pixel 1 itself (border).
        // (1, 0) without alignCorners is (1.5, 0.5): half of the right column, half of outside.
        let points = grid([(0, 0), (-1, -1), (1, 0)])
        expectTensor(gridSample(square, grid: points, alignCorners: true), shape: [1, 1, 1, 3], [2.5, 1, 3])
        expectTensor(gridSample(square, grid: points, alignCorners: false), shape: [1, 1, 1, 3], [2.5, 0.25, 1.5])
        expectTensor(gridSample(square, grid: points, padding: .border, alignCorners: false), shape: [1, 1, 1, 3], [2.5, 1, 3])
    }

    @Test func nearestByHand() {
        // Without alignCorners, x = 0 on a 2-pixel axis is pixel coordinate 0.5: a tie, rounded to
        // even (pixel 0), as PyTorch's nearbyint. (0.2, −0.6) is (0.7, −0.1): pixel (1, 0) = 2.
        // (−1.6, 0.2) is (−1.1, 0.7): outside, 0 with zeros, the left column's 3 with border.
        let points = grid([(0, 0), (0.2, -0.6), (-1.6, 0.2)])
        expectTensor(gridSample(square, grid: points, mode: .nearest), shape: [1, 1, 1, 3], [1, 2, 0])
        expectTensor(gridSample(square, grid: points, mode: .nearest, padding: .border), shape: [1, 1, 1, 3], [1, 2, 3])
    }

    @Test func farOutsideAndNonFinitePoints() {
        // As PyTorch: far outside reads nothing; a NaN or infinite point makes bilinear's weights NaN
        // with zeros padding and reads nothing with nearest.
        let points = grid([(-1e30, 0), (1e30, 0.5), (.nan, 0), (.infinity, -.infinity)])
        let bilinear = gridSample(square, grid: points).scalars
        #expect(bilinear[0] == 0 && bilinear[1] == 0 && bilinear[2].isNaN && bilinear[3].isNaN, "\(bilinear)")
        expectTensor(gridSample(square, grid: points, mode: .nearest), shape: [1, 1, 1, 4], [0, 0, 0, 0])
        // Border clamps into the image: the left column half-way down (2), the bottom-right pixel (4),
        // the left column again for NaN (held at the left edge, like −∞), the top-right pixel (2);
        // nearest rounds y = ½ to the top row.
        expectTensor(gridSample(square, grid: points, padding: .border), shape: [1, 1, 1, 4], [2, 4, 2, 2])
        expectTensor(gridSample(square, grid: points, mode: .nearest, padding: .border), shape: [1, 1, 1, 4], [1, 4, 1, 2])
    }

    @Test(arguments: [true, false])
    func identityReproducesTheInput(alignCorners: Bool) {
        let x = uniform([2, 3, 5, 6], g)
        let grid = affineGrid(theta: identityTheta(2), size: x.shape, alignCorners: alignCorners)
        for mode in [GridSampleMode.bilinear, .nearest] {
            for padding in [GridSamplePadding.zeros, .border] {
                let y = gridSample(x, grid: grid, mode: mode, padding: padding, alignCorners: alignCorners)
                expectClose(y.scalars, x.scalars, tolerance: 1e-6, "\(mode), \(padding), alignCorners \(alignCorners)")
            }
        }
    }

    @Test func shiftByOnePixel() {
        // θ's x offset of 2/W moves every point one pixel right (without alignCorners a pixel is 2/W
        // wide): each output pixel is its right neighbour; the last column reads outside.
        let x = Tensor.arange(12).reshaped(1, 1, 3, 4)
        let theta = Tensor(shape: [1, 2, 3], scalars: [1, 0, 0.5, 0, 1, 0])
        let grid = affineGrid(theta: theta, size: [1, 1, 3, 4])
        expectTensor(gridSample(x, grid: grid), shape: [1, 1, 3, 4], [1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0])
        expectTensor(gridSample(x, grid: grid, padding: .border), shape: [1, 1, 3, 4], [1, 2, 3, 3, 5, 6, 7, 7, 9, 10, 11, 11])
    }

    @Test(arguments: [GridSampleMode.bilinear, .nearest])
    func threadedBatchMatchesOneImageAtATime(mode: GridSampleMode) {
        // 4 images × 1,500 points × 8 channels: the points (forward, grid gradient) and the planes
        // (input gradient) are split over the thread pool, in chunks that straddle images.
        let x = leaf(uniform([4, 8, 20, 24], g))
        let points = leaf(uniform([4, 30, 50, 2], g, -1.1, 1.1))
        let y = gridSample(x, grid: points, mode: mode, padding: .border)
        let seed = uniform(y.shape, g)
        y.backward(seed)
        for n in 0..<4 {
            let image = leaf(x.detached()[n].contiguousCopy().reshaped(1, 8, 20, 24))
            let imagePoints = leaf(points.detached()[n].contiguousCopy().reshaped(1, 30, 50, 2))
            let yn = gridSample(image, grid: imagePoints, mode: mode, padding: .border)
            expectClose(y.detached()[n].scalars, yn.scalars, tolerance: 1e-6, "\(mode) forward image \(n)")
            yn.backward(seed[n].reshaped(1, 8, 30, 50).contiguousCopy())
            expectClose(x.grad![n].scalars, image.grad!.scalars, tolerance: 1e-6, "\(mode) input gradient image \(n)")
            expectClose(points.grad![n].scalars, imagePoints.grad!.scalars, tolerance: 1e-6, "\(mode) grid gradient image \(n)")
        }
        if mode == .nearest { #expect(points.grad!.scalars.allSatisfy { $0 == 0 }) }
    }

    @Test func stridedOperandsAreReadThroughTheirStrides() {
        let x = uniform([5, 6, 2, 3], g).permuted(2, 3, 0, 1)  // [2, 3, 5, 6]
        let points = uniform([2, 4, 7, 2], g, -1.2, 1.2).transposed(1, 2)  // [2, 7, 4, 2]
        expectClose(
            gridSample(x, grid: points, alignCorners: true).scalars,
            gridSample(x.contiguousCopy(), grid: points.contiguousCopy(), alignCorners: true).scalars)
    }
}

@Suite struct SpatialTransformGradients {
    let g = RandomGenerator(seed: 62)

    @Test(arguments: [GridSamplePadding.zeros, .border], [true, false])
    func bilinearInInputAndGrid(padding: GridSamplePadding, alignCorners: Bool) {
        let x = uniform([2, 3, 4, 5], g)
        let points = gridAwayFromKinks([2, 3, 4, 2], height: 4, width: 5, alignCorners: alignCorners, fractions: 0.15...0.85, g)
        checkGradients([x, points], "bilinear, \(padding), alignCorners \(alignCorners)") {
            gridSample($0[0], grid: $0[1], padding: padding, alignCorners: alignCorners)
        }
    }

    @Test(arguments: [GridSamplePadding.zeros, .border], [true, false])
    func nearestInInputAndGrid(padding: GridSamplePadding, alignCorners: Bool) {
        // The grid's gradient is zero, and so are the finite differences away from half pixels.
        let x = uniform([2, 2, 4, 5], g)
        let points = gridAwayFromKinks([2, 3, 3, 2], height: 4, width: 5, alignCorners: alignCorners, fractions: -0.35...0.35, g)
        checkGradients([x, points], "nearest, \(padding), alignCorners \(alignCorners)") {
            gridSample($0[0], grid: $0[1], mode: .nearest, padding: padding, alignCorners: alignCorners)
        }
    }

    @Test(arguments: [true, false])
    func affineGridInTheta(alignCorners: Bool) {
        checkGradients([uniform([2, 2, 3], g)], "alignCorners \(alignCorners)") {
            affineGrid(theta: $0[0], size: [2, 3, 4, 5], alignCorners: alignCorners)
        }
        checkGradients([uniform([2, 3, 2], g)], "a transposed theta") {
            affineGrid(theta: $0[0].transposed(1, 2), size: [2, 1, 3, 2], alignCorners: alignCorners)
        }
    }

    @Test func onlyTheOperandsThatNeedOneGetAGradient() {
        let x = leaf(uniform([1, 2, 3, 3], g)), points = uniform([1, 2, 2, 2], g, -1, 1)
        gridSample(x, grid: points).sum().backward()
        #expect(x.grad != nil && points.grad == nil)
        let fixedImage = uniform([1, 2, 3, 3], g), movingPoints = leaf(uniform([1, 2, 2, 2], g, -1, 1))
        gridSample(fixedImage, grid: movingPoints).sum().backward()
        #expect(fixedImage.grad == nil && movingPoints.grad?.shape == [1, 2, 2, 2])
    }
}

@Suite struct SpatialTransformPreconditions {
    private func text(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func gridOfAnotherBatch() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = gridSample(Tensor.zeros([2, 3, 4, 4]), grid: Tensor.zeros([3, 5, 5, 2]))
            })
        #expect(
            message.contains("gridSample: grid shape [3, 5, 5, 2] does not fit input shape [2, 3, 4, 4]: expected [2, OH, OW, 2]"),
            "\(message)")
    }

    @Test func gridWithoutPairs() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = gridSample(Tensor.zeros([1, 3, 4, 4]), grid: Tensor.zeros([1, 5, 5, 3]))
            })
        #expect(
            message.contains("gridSample: grid shape [1, 5, 5, 3] does not fit input shape [1, 3, 4, 4]: expected [1, OH, OW, 2]"),
            "\(message)")
    }

    @Test func inputNotAnImageBatch() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = gridSample(Tensor.zeros([3, 4, 4]), grid: Tensor.zeros([1, 5, 5, 2]))
            })
        #expect(
            message.contains("gridSample: input must be a non-empty [N, C, H, W], got shape [3, 4, 4] (grid shape [1, 5, 5, 2])"),
            "\(message)")
    }

    @Test func thetaOfAnotherShape() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = affineGrid(theta: Tensor.zeros([2, 3, 3]), size: [2, 1, 4, 4])
            })
        #expect(
            message.contains("affineGrid: theta shape [2, 3, 3] does not fit size [2, 1, 4, 4]: expected [2, 2, 3]"), "\(message)")
    }

    @Test func sizeNotFourDimensional() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = affineGrid(theta: Tensor.zeros([2, 2, 3]), size: [2, 4, 4])
            })
        #expect(
            message.contains("affineGrid: size must be a positive [N, C, H, W], got [2, 4, 4] (theta shape [2, 2, 3])"),
            "\(message)")
    }
}
