import Foundation
import MyelinTensor
import MyelinTestSupport
import Testing

/// Fixtures/spatial.json, made by Tools/make_spatial_fixtures.py with PyTorch.
// The names are the fixture's JSON keys, written by PyTorch-side Python.
// swift-format-ignore: AlwaysUseLowerCamelCase
struct SpatialFixture: Decodable {
    struct Values: Decodable {
        let shape: [Int]
        let values: [Float]
        var tensor: Tensor { Tensor(shape: shape, scalars: values) }
    }
    struct GridSampleCase: Decodable, CustomTestStringConvertible {
        let mode, padding: String
        let align_corners: Bool
        let grid, output, grad_input, grad_grid, grad_theta: Values
        var testDescription: String { "\(mode), \(padding), align_corners \(align_corners)" }
    }
    struct ShuffleCase: Decodable {
        let factor: Int
        let input, output, grad_input: Values
    }
    let input, theta: Values
    let size: [Int]
    let grid_sample: [GridSampleCase]
    let pixel_shuffle, pixel_unshuffle: ShuffleCase

    static func load() throws -> SpatialFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/spatial.json")
        return try JSONDecoder().decode(SpatialFixture.self, from: Data(contentsOf: url))
    }
}

/// L = Σ sin(k)·y_k, the script's loss.
private func sineWeighted(_ y: Tensor) -> Tensor {
    (y * Tensor(shape: y.shape, scalars: (0..<y.count).map { Float(sin(Double($0))) })).sum()
}

/// Expects PyTorch's values to 1e-5 (relative above 1, as `expectClose`), naming the largest error.
private func expectMatches(
    _ actual: Tensor, _ expected: SpatialFixture.Values, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.shape == expected.shape, "\(what): shape", sourceLocation: sourceLocation)
    let largest = zip(actual.scalars, expected.values).map { Swift.abs($0 - $1) }.max() ?? 0
    expectClose(actual.scalars, expected.values, tolerance: 1e-5, "\(what) (largest difference \(largest))", sourceLocation: sourceLocation)
}

@Suite struct SpatialFixtureTests {
    static let gridSampleCases = (try? SpatialFixture.load().grid_sample) ?? []

    @Test func fixtureLoads() throws {
        let fixture = try SpatialFixture.load()
        #expect(fixture.grid_sample.count == 6 && fixture.size == [2, 3, 4, 7])
    }

    @Test(arguments: gridSampleCases)
    func affineGridThenGridSampleMatchPyTorch(_ c: SpatialFixture.GridSampleCase) throws {
        let f = try SpatialFixture.load()
        let mode: GridSampleMode = c.mode == "nearest" ? .nearest : .bilinear
        let padding: GridSamplePadding = c.padding == "border" ? .border : .zeros
        let x = leaf(f.input.tensor), theta = leaf(f.theta.tensor)
        let grid = affineGrid(theta: theta, size: f.size, alignCorners: c.align_corners)
        expectMatches(grid, c.grid, "grid")
        let y = gridSample(x, grid: grid, mode: mode, padding: padding, alignCorners: c.align_corners)
        expectMatches(y, c.output, "output")
        sineWeighted(y).backward()
        expectMatches(x.grad!, c.grad_input, "input gradient")
        expectMatches(theta.grad!, c.grad_theta, "theta gradient")
        // The grid's own gradient, on PyTorch's grid.
        let points = leaf(c.grid.tensor)
        sineWeighted(gridSample(f.input.tensor, grid: points, mode: mode, padding: padding, alignCorners: c.align_corners)).backward()
        expectMatches(points.grad!, c.grad_grid, "grid gradient")
    }

    @Test func pixelShuffleAndUnshuffleMatchPyTorch() throws {
        let f = try SpatialFixture.load()
        let x = leaf(f.pixel_shuffle.input.tensor)
        let y = pixelShuffle(x, upscaleFactor: f.pixel_shuffle.factor)
        expectMatches(y, f.pixel_shuffle.output, "pixelShuffle output")
        sineWeighted(y).backward()
        expectMatches(x.grad!, f.pixel_shuffle.grad_input, "pixelShuffle input gradient")
        let z = leaf(f.pixel_unshuffle.input.tensor)
        let w = pixelUnshuffle(z, downscaleFactor: f.pixel_unshuffle.factor)
        expectMatches(w, f.pixel_unshuffle.output, "pixelUnshuffle output")
        sineWeighted(w).backward()
        expectMatches(z.grad!, f.pixel_unshuffle.grad_input, "pixelUnshuffle input gradient")
    }
}
