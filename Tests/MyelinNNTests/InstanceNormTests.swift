import MyelinNN
import MyelinTestSupport
import Testing

/// InstanceNorm2d: each image's channel normalised on its own, the optional affine part, gradients.
@Suite struct InstanceNormTests {
    let g = RandomGenerator(seed: 91)

    @Test func eachPlaneIsNormalisedOnItsOwn() {
        let layer = InstanceNorm2d(3)
        #expect(layer.stateDict.isEmpty && layer.parameters.isEmpty)
        // Planes of different scales and offsets: every one comes out with mean 0 and variance 1.
        let x = Tensor.randn([2, 3, 4, 5], generator: g) * 3 + 7
        let y = layer(x).scalars
        for plane in 0..<6 {
            let values = y[(plane * 20)..<((plane + 1) * 20)].map(Double.init)
            let mean = values.reduce(0, +) / 20, variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 20
            #expect(Swift.abs(mean) < 1e-5 && Swift.abs(variance - 1) < 1e-3, "plane \(plane): mean \(mean), variance \(variance)")
        }
        // An image's output does not depend on the other images in the batch, nor on the mode.
        let alone = layer(x.narrowed(axis: 0, start: 1, length: 1)).scalars
        #expect(close(alone, Array(y[60...]), 1e-6))
        layer.eval()
        #expect(layer(x).scalars == y)
    }

    @Test func affineScalesAndShiftsEachChannel() {
        let layer = InstanceNorm2d(2, affine: true)
        #expect(layer.stateDict.map(\.0) == ["weight", "bias"])
        layer.weight!.assign(Tensor([2, -1]))
        layer.bias!.assign(Tensor([0.5, 3]))
        let x = Tensor.randn([1, 2, 3, 3], generator: g)
        let plain = InstanceNorm2d(2)(x).scalars, scaled = layer(x).scalars
        #expect(close(scaled, plain.enumerated().map { i, v in i < 9 ? 2 * v + 0.5 : -v + 3 }, 1e-5))
    }

    @Test func gradients() {
        let layer = InstanceNorm2d(3, affine: true)
        layer.weight!.assign(awayFromZero([3], g, 0.5, 2))
        layer.bias!.assign(uniform([3], g))
        let x = leaf(uniform([2, 3, 2, 3], g))
        GradientCheck().check([x] + layer.parameters, "InstanceNorm2d") { layer(x) }
    }
}
