import MyelinNN
import MyelinTestSupport
import Testing

@Suite struct MaskedConvolutionTests {
    @Test func masksHideTheCentreOrKeepIt() {
        let a = MaskedConv2d(2, 3, kernelSize: 3, mask: .a), b = MaskedConv2d(2, 3, kernelSize: [3, 5], mask: .b)
        #expect(a.mask.shape == [1, 1, 3, 3] && a.mask.scalars == [1, 1, 1, 1, 0, 0, 0, 0, 0])
        #expect(b.mask.scalars == [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
        #expect(a.weight.shape == [3, 2, 3, 3] && a.bias!.shape == [3] && a.rowsAbove == 1)
        // The mask is fixed by the type: not a parameter, not in the state dict.
        #expect(a.stateDict.map(\.0) == ["weight", "bias"] && a.namedParameters.map(\.0) == ["weight", "bias"])
    }

    /// The test the issue asks for: no output pixel of a stack of masked convolutions (type A, then
    /// type B) depends on its own input pixel or any later one in raster order, and each depends on
    /// the pixel before it and the one above it. A type-B layer alone does see its own pixel.
    @Test func maskedConvolutionsNeverSeeTheCurrentOrLaterPixels() {
        let g = RandomGenerator(seed: 1)
        let first = MaskedConv2d(2, 4, kernelSize: 5, mask: .a, generator: g)
        let second = MaskedConv2d(4, 4, kernelSize: 3, mask: .b, generator: g)
        let third = MaskedConv2d(4, 3, kernelSize: 3, mask: .b, generator: g)
        let (height, width) = (6, 7)
        let x = Tensor.uniform([1, 2, height, width], low: -1, high: 1, generator: g)
        let stack = inputDependence(of: { third(second(first($0)).relu()) }, on: x)
        let single = inputDependence(of: { second($0) }, on: Tensor.uniform([1, 4, height, width], low: -1, high: 1, generator: g))
        for pixel in 0..<(height * width) {
            #expect(stack[pixel][pixel...].allSatisfy { $0 == 0 }, "pixel \(pixel) sees itself or a later pixel: \(stack[pixel])")
            if pixel % width > 0 { #expect(stack[pixel][pixel - 1] > 0, "pixel \(pixel) does not see the pixel to its left") }
            if pixel >= width { #expect(stack[pixel][pixel - width] > 0, "pixel \(pixel) does not see the pixel above it") }
            #expect(single[pixel][pixel] > 0 && single[pixel][(pixel + 1)...].allSatisfy { $0 == 0 }, "type B at pixel \(pixel)")
        }
    }

    @Test(arguments: [MaskedConv2d.MaskType.a, .b])
    func gradientsAndTheMaskedTapsGetNone(_ type: MaskedConv2d.MaskType) {
        let g = RandomGenerator(seed: 2)
        let layer = MaskedConv2d(2, 3, kernelSize: 3, mask: type, generator: g)
        let x = leaf(uniform([2, 2, 4, 5], g))
        GradientCheck().check([x] + layer.parameters) { layer(x) }
        layer.zeroGrad()
        layer(x).sum().backward()
        let masked = layer.weight.grad!.scalars.enumerated().filter { layer.mask.scalars[$0.offset % 9] == 0 }
        #expect(masked.count == 2 * 3 * (type == .a ? 5 : 4) && masked.allSatisfy { $0.element == 0 })
    }

    /// A row computed alone from the rows above it is that row of the whole output (the kernel cut
    /// at the top edge where zero padding would be).
    @Test(arguments: [MaskedConv2d.MaskType.a, .b])
    func aRowAloneIsThatRowOfTheWholeOutput(_ type: MaskedConv2d.MaskType) {
        let g = RandomGenerator(seed: 3)
        let layer = MaskedConv2d(3, 4, kernelSize: [5, 3], mask: type, generator: g)
        let x = Tensor.uniform([2, 3, 6, 7], low: -1, high: 1, generator: g)
        let whole = layer(x)
        for row in 0..<6 {
            let alone = layer.forward(row: row, of: x)
            #expect(alone.shape == [2, 4, 1, 7])
            #expect(close(alone.scalars, whole.narrowed(axis: 2, start: row, length: 1).contiguous().scalars, 1e-5), "row \(row)")
        }
    }
}
