import MyelinNN
import MyelinTestSupport
import Testing

// The SpatialTransformer, PixelShuffle and PixelUnshuffle layers wrap the tensor ops (tested in
// MyelinTensorTests): what is checked here is the wiring — shapes, names, the identity start and
// gradients reaching the localisation network.

@Suite struct SpatialTransformerTests {
    let g = RandomGenerator(seed: 93)

    /// Flatten, then the identity head: θ = the head's bias while its weight is zero.
    private func transformer(inFeatures: Int, outputSize: Size2D? = nil, bias: [Float]? = nil) -> SpatialTransformer {
        let head = SpatialTransformer.identityHead(inFeatures: inFeatures)
        if let bias { head.bias = Tensor(bias) }
        return SpatialTransformer(
            localization: Sequential {
                Flatten()
                head
            }, outputSize: outputSize)
    }

    @Test func startsAsTheIdentity() {
        let x = Tensor.uniform([3, 2, 4, 5], low: -1, high: 1, generator: g)
        let stn = transformer(inFeatures: 40)
        let y = stn(x)
        #expect(y.shape == [3, 2, 4, 5])
        #expect(close(y.scalars, x.scalars, 1e-6))
        #expect(stn.namedParameters.map(\.0) == ["localization.1.weight", "localization.1.bias"])
        #expect(stn.localization(x).scalars == Array([[Float]](repeating: [1, 0, 0, 0, 1, 0], count: 3).joined()))
    }

    @Test func isAffineGridThenGridSample() {
        let x = Tensor.uniform([2, 3, 6, 6], low: -1, high: 1, generator: g)
        let bias: [Float] = [0.6, -0.3, 0.2, 0.25, 0.7, -0.1]
        let stn = transformer(inFeatures: 108, outputSize: [3, 4], bias: bias)
        let theta = Tensor(shape: [2, 2, 3], scalars: bias + bias)
        let expected = gridSample(x, grid: affineGrid(theta: theta, size: [2, 3, 3, 4]))
        let y = stn(x)
        #expect(y.shape == [2, 3, 3, 4])
        #expect(close(y.scalars, expected.scalars, 1e-6))
    }

    @Test func gradientsReachTheLocalisationNetwork() {
        // θ = [[0.8, 0.1, 0.05], [−0.1, 0.7, 0.03]] puts the 3×3 output's points at pixel coordinates
        // whose fractions lie in 0.36…0.8, and the checker's steps move them by at most 0.04: no
        // point crosses a pixel centre, where bilinear sampling has a kink.
        let x = leaf(Tensor.uniform([2, 1, 4, 4], low: -2, high: 2, generator: g))
        let stn = transformer(inFeatures: 16, outputSize: 3, bias: [0.8, 0.1, 0.05, -0.1, 0.7, 0.03])
        GradientCheck().check([x] + stn.parameters, "SpatialTransformer") { stn(x) }
    }

    @Test func pixelShuffleLayers() {
        let x = Tensor.uniform([2, 8, 3, 2], generator: g)
        let shuffle = PixelShuffle(upscaleFactor: 2), unshuffle = PixelUnshuffle(downscaleFactor: 2)
        let y = shuffle(x)
        #expect(y.shape == [2, 2, 6, 4] && y.scalars == pixelShuffle(x, upscaleFactor: 2).scalars)
        #expect(unshuffle(y).scalars == x.scalars)
        #expect(shuffle.stateDict.isEmpty && unshuffle.stateDict.isEmpty)
        // ESPCN's last stage: a convolution to C·r² channels, then the shuffle, upsamples by r.
        let espcn = Sequential {
            Conv2d(1, 9, kernelSize: 3, padding: 1, generator: g)
            PixelShuffle(upscaleFactor: 3)
        }
        let image = leaf(Tensor.uniform([1, 1, 3, 2], generator: g))
        #expect(espcn(image).shape == [1, 1, 9, 6])
        GradientCheck().check([image] + espcn.parameters, "ESPCN") { espcn(image) }
    }
}
