import MyelinTensor
import MyelinVision
import Testing

@Suite struct HeatOverlayTests {
    @Test func theHottestSpotIsTheColormapsTopAndStrokesGoTowardsWhite() {
        let picture = Tensor(shape: [1, 2, 2], scalars: [0, 1, 0, 0.5])
        // Heat is divided by its largest value: 0.2 is the top of the scale.
        let image = Image(heat: Tensor(shape: [2, 2], scalars: [0, 0.2, 0, 0]), over: picture, upscale: 2)
        #expect(image.width == 4 && image.height == 4 && image.channels == 3)
        #expect(image.pixel(x: 0, y: 0) == [68, 1, 84], "viridis at 0, no stroke")
        // Viridis at 1 (253, 231, 37), 80 % of the way to white: (254.6, 250.2, 211.4).
        #expect(image.pixel(x: 3, y: 1) == [255, 250, 211])
        // Viridis at 0 under a half-lit stroke, 40 % of the way: (142.8, 102.6, 152.4).
        #expect(image.pixel(x: 2, y: 3) == [143, 103, 152])
        // No heat at all: the colormap's bottom everywhere the picture is dark.
        let cold = Image(heat: Tensor.zeros([2, 2]), over: Tensor.zeros([2, 2]))
        #expect(stride(from: 0, to: 12, by: 3).allSatisfy { Array(cold.pixels[$0..<$0 + 3]) == [68, 1, 84] })
    }
}
