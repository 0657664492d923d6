import MyelinTensor
import MyelinVision
import Testing

@Suite struct ImageFromFloatsTests {
    @Test func minMaxScalingSpansTheByteRange() {
        let image = Image(floats: [0, 1, 2, 3], height: 2, width: 2)
        #expect(image.channels == 1 && image.width == 2 && image.height == 2)
        #expect(image.pixels == [0, 85, 170, 255])
    }

    @Test func fixedRangeClampsAndNonFiniteValuesAreSkipped() {
        #expect(Image(floats: [-1, 0, 1, 3], height: 1, width: 4, scaling: .range(0, 2)).pixels == [0, 0, 128, 255])
        // min-max over the finite values 1 and 3 only; NaN and inf draw as the low end.
        #expect(Image(floats: [.nan, 1, 3, .infinity], height: 2, width: 2).pixels == [0, 0, 255, 0])
        #expect(Image(floats: [4, 4, 4], height: 1, width: 3).pixels == [0, 0, 0])
    }

    @Test func planarRGBBecomesInterleaved() {
        // C×H×W = 3×1×2: the left pixel red, the right one green.
        let image = Image(floats: [1, 0, 0, 1, 0, 0], channels: 3, height: 1, width: 2, scaling: .range(0, 1))
        #expect(image.channels == 3)
        #expect(image.pixels == [255, 0, 0, 0, 255, 0])
    }

    @Test func upscalingRepeatsPixelsAsBlocks() {
        let image = Image(floats: [0, 1, 2, 3, 4, 5], height: 2, width: 3, scaling: .range(0, 5), upscale: 3)
        #expect(image.width == 9 && image.height == 6)
        for y in 0..<6 {
            for x in 0..<9 {
                #expect(image[x: x, y: y, channel: 0] == UInt8((y / 3 * 3 + x / 3) * 51))
            }
        }
    }

    @Test func colormapTurnsGrayIntoRGB() {
        let image = Image(floats: [0, 0.5, 1], height: 1, width: 3, colormap: .viridis)
        #expect(image.channels == 3)
        #expect(image.pixel(x: 0, y: 0) == [68, 1, 84])
        #expect(image.pixel(x: 1, y: 0) == [33, 145, 140])
        #expect(image.pixel(x: 2, y: 0) == [253, 231, 37])
    }

    @Test func tensorConvenienceMatchesTheArrayForm() {
        let values: [Float] = [3, 1, 4, 1, 5, 9]
        #expect(Image(Tensor(shape: [2, 3], scalars: values)) == Image(floats: values, height: 2, width: 3))
        #expect(
            Image(Tensor(shape: [1, 3, 2], scalars: values), upscale: 2)
                == Image(floats: values, height: 3, width: 2, upscale: 2))
    }
}

@Suite struct ImageGridTests {
    /// `count` tiles of height×width, tile n filled with the value n.
    func numberedTiles(_ count: Int, height: Int, width: Int) -> [Float] {
        (0..<count).flatMap { n in [Float](repeating: Float(n), count: height * width) }
    }

    @Test func geometryFollowsCountColumnsPaddingAndScale() {
        let grid = Image.grid(
            floats: numberedTiles(10, height: 3, width: 4), count: 10, height: 3, width: 4,
            columns: 4, padding: 2, upscale: 2)
        // 4 columns of 8-pixel tiles and 5 gaps; 3 rows of 6-pixel tiles and 4 gaps.
        #expect(grid.width == 4 * 8 + 5 * 2)
        #expect(grid.height == 3 * 6 + 4 * 2)
        let few = Image.grid(floats: numberedTiles(3, height: 5, width: 5), count: 3, height: 5, width: 5, columns: 8, padding: 1)
        #expect(few.width == 3 * 5 + 4 && few.height == 5 + 2)
        let none = Image.grid(floats: numberedTiles(6, height: 2, width: 2), count: 6, height: 2, width: 2, columns: 2, padding: 0)
        #expect(none.width == 4 && none.height == 6)
    }

    @Test func tilesLandWhereTheLayoutSays() {
        let (h, w, pad, scale, columns) = (3, 4, 2, 2, 4)
        let grid = Image.grid(
            floats: numberedTiles(10, height: h, width: w), count: 10, height: h, width: w,
            columns: columns, padding: pad, background: 77, scaling: .range(0, 10), upscale: scale)
        for n in 0..<12 {
            let left = pad + (n % columns) * (w * scale + pad)
            let top = pad + (n / columns) * (h * scale + pad)
            let expected: UInt8 = n < 10 ? UInt8((Float(n) / 10 * 255).rounded()) : 77  // slots 10, 11 stay empty
            #expect(grid[x: left, y: top, channel: 0] == expected, "tile \(n) top-left")
            #expect(grid[x: left + w * scale - 1, y: top + h * scale - 1, channel: 0] == expected, "tile \(n) bottom-right")
            #expect(grid[x: left - 1, y: top, channel: 0] == 77, "gap left of tile \(n)")
            #expect(grid[x: left, y: top - 1, channel: 0] == 77, "gap above tile \(n)")
        }
    }

    @Test func tilesAreNormalisedAloneOrTogether() {
        let values: [Float] = [0, 1, 0, 2]  // two 1×2 tiles
        let alone = Image.grid(floats: values, count: 2, height: 1, width: 2, padding: 0, normalization: .perTile)
        #expect(alone.pixels == [0, 255, 0, 255])
        let together = Image.grid(floats: values, count: 2, height: 1, width: 2, padding: 0, normalization: .together)
        #expect(together.pixels == [0, 128, 0, 255])
    }

    @Test func gridOfImagesKeepsAlphaOpaqueInTheGaps() {
        let tile = Image(width: 1, height: 1, channels: 4, pixels: [10, 20, 30, 40])
        let grid = Image.grid([tile, tile], columns: 2, padding: 1, background: 9)
        #expect(grid.width == 5 && grid.height == 3)
        #expect(grid.pixel(x: 0, y: 0) == [9, 9, 9, 255])
        #expect(grid.pixel(x: 1, y: 1) == [10, 20, 30, 40])
        #expect(grid.pixel(x: 3, y: 1) == [10, 20, 30, 40])
    }

    @Test func tensorGridMatchesTheArrayForm() {
        let values = (0..<(5 * 2 * 3)).map { Float($0 % 7) }
        let fromTensor = Image.grid(Tensor(shape: [5, 1, 2, 3], scalars: values), columns: 2, upscale: 3)
        #expect(fromTensor == Image.grid(floats: values, count: 5, height: 2, width: 3, columns: 2, upscale: 3))
        #expect(Image.grid(Tensor(shape: [5, 2, 3], scalars: values), columns: 2, upscale: 3) == fromTensor)
    }
}

@Suite struct FilterGridTests {
    @Test func signsMapToBlueWhiteRed() {
        // One 2×2 filter: -1, 0, +1, +0.5; its own limit is 1.
        let grid = Image.filterGrid(weights: [-1, 0, 1, 0.5], units: 1, tileHeight: 2, tileWidth: 2, padding: 0, upscale: 1)
        #expect(grid.channels == 3 && grid.width == 2 && grid.height == 2)
        let negative = grid.pixel(x: 0, y: 0), zero = grid.pixel(x: 1, y: 0)
        let positive = grid.pixel(x: 0, y: 1), half = grid.pixel(x: 1, y: 1)
        #expect(negative == [5, 48, 97])  // the blue end
        #expect(zero == [255, 255, 255])
        #expect(positive == [103, 0, 31])  // the red end
        #expect(half[0] > half[2] && half[0] > half[1])
        #expect(negative[2] > negative[0])
    }

    @Test func limitIsPerTileOrShared() {
        let weights: [Float] = [1, -1, 4, -4]  // two 1×2 filters
        let alone = Image.filterGrid(weights: weights, units: 2, tileHeight: 1, tileWidth: 2, columns: 2, padding: 0, upscale: 1)
        #expect(alone.pixel(x: 0, y: 0) == alone.pixel(x: 2, y: 0))  // both at their own extreme
        let shared = Image.filterGrid(
            weights: weights, units: 2, tileHeight: 1, tileWidth: 2, columns: 2, padding: 0,
            normalization: .together, upscale: 1)
        #expect(shared.pixel(x: 2, y: 0) == [103, 0, 31])
        #expect(shared.pixel(x: 0, y: 0) != [103, 0, 31])
        #expect(shared.pixel(x: 0, y: 0) == Colormap.diverging(1, limit: 4).componentsForTest)
    }

    @Test func digitsFirstLayerMakesEightByEightTiles() {
        // What `myelin demo` draws: 10 units over 64 inputs → 8×8 tiles, 4 columns (ceil √10), 3 rows.
        let weights = (0..<640).map { Float(($0 * 37) % 19) - 9 }
        let grid = Image.filterGrid(Tensor(shape: [10, 64], scalars: weights))
        #expect(grid.width == 4 * 32 + 5 * 1)
        #expect(grid.height == 3 * 32 + 4 * 1)
        #expect(grid.pixel(x: 0, y: 0) == [128, 128, 128])  // the gap
        // Unit 5 (row 1, column 1), input (r 2, c 3): upscaled ×4.
        let w = weights[5 * 64 + 2 * 8 + 3]
        let limit = weights[(5 * 64)..<(6 * 64)].map(abs).max()!
        let x = 1 + 1 * 33 + 3 * 4 + 1, y = 1 + 1 * 33 + 2 * 4 + 2
        #expect(grid.pixel(x: x, y: y) == Colormap.diverging(w, limit: limit).componentsForTest)
    }
}

@Suite struct ColormapTests {
    @Test func divergingIsSymmetricAroundWhite() {
        #expect(Colormap.diverging(0, limit: 3) == .white)
        #expect(Colormap.diverging.color(at: 0.5) == .white)
        let blue = Colormap.diverging(-1, limit: 2), red = Colormap.diverging(1, limit: 2)
        #expect(blue.blue > blue.red && red.red > red.blue)
        #expect(Colormap.diverging(-5, limit: 2) == RGB(5, 48, 97))  // clamped at the end
        #expect(Colormap.diverging(1, limit: 0) == .white)
    }

    @Test func grayscaleAndNaN() {
        #expect(Colormap.grayscale.color(at: 0) == .black)
        #expect(Colormap.grayscale.color(at: 1) == .white)
        #expect(Colormap.grayscale.color(at: 0.5) == RGB(128, 128, 128))
        #expect(Colormap.viridis.color(at: .nan) == Colormap.viridis.color(at: 0.5))
        #expect(RGB(31, 119, 180).hex == "#1f77b4")
    }
}

extension RGB {
    var componentsForTest: [UInt8] { [red, green, blue] }
}
