import MyelinTensor
import MyelinVision
import Testing

@Suite struct LabelPaletteTests {
    @Test func everyClassHasItsOwnColour() {
        let palette = LabelPalette.digits
        #expect(palette.colors.count == 11 && Set(palette.colors).count == 11)
        #expect(palette.colors[0] == RGB(80, 80, 80), "the background is grey")
        let picture = palette.image(Tensor(shape: [2, 3], integers: [0, 1, 10, 3, 3, 0]), upscale: 2)
        #expect(picture.width == 6 && picture.height == 4 && picture.channels == 3)
        // Class 1 + d is digit d: class 1 is the 0's blue, class 3 the 2's green, class 10 the 9's white.
        #expect(picture.pixel(x: 0, y: 0) == [80, 80, 80] && picture.pixel(x: 3, y: 1) == [31, 119, 180])
        #expect(picture.pixel(x: 5, y: 0) == [245, 245, 245] && picture.pixel(x: 2, y: 3) == [44, 160, 44])
    }

    @Test func theKeyHasASwatchPerClass() {
        let key = LabelPalette([RGB(0, 0, 0), RGB(255, 255, 255)]).legend(names: ["a", "b"], side: 10, padding: 1)
        #expect(key.width == 2 * 10 + 3 && key.height == 10 + 2)
        // Each swatch keeps its colour where no letter is written; letters take the opposite shade.
        #expect(key.pixel(x: 10, y: 10) == [0, 0, 0] && key.pixel(x: 21, y: 10) == [255, 255, 255])
        #expect((1...10).contains { x in (1...10).contains { y in key.pixel(x: x, y: y) == [255, 255, 255] } })
    }
}
