import Foundation
import Myelin

/// Draws what the first convolution of `model` learned: its filters, and the feature maps it makes
/// of the first test image (after ReLU). Returns the paths written; none for a model without one.
func drawFirstConvolution<D: Dataset>(of model: Module, on test: D, to directory: URL) throws -> [String] {
    guard let conv = model.namedModules.lazy.compactMap({ $0.1 as? Conv2d }).first else { return [] }
    let w = conv.weight.detached()
    let (outChannels, inChannels, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    // One tile per (output, input) channel pair: a row per output channel when there are several inputs.
    let filters = Image.filterGrid(w.reshaped([outChannels * inChannels, kh * kw]), tileHeight: kh, tileWidth: kw,
                                   columns: inChannels > 1 ? inChannels : nil, padding: 2, upscale: 12)
    let filterPath = directory.appendingPathComponent("filters.png")
    try filters.writePNG(to: filterPath)

    let image = test.batch(at: [0]).0
    let maps = withoutGrad { conv(image).relu() }
    let mapsPath = directory.appendingPathComponent("feature-maps.png")
    try Image.grid(maps.reshaped([outChannels, maps.shape[2], maps.shape[3]]), columns: 8, padding: 2, upscale: 3)
        .writePNG(to: mapsPath)
    let inputPath = directory.appendingPathComponent("feature-maps-input.png")
    try Image(image.reshaped([image.shape[2], image.shape[3]]), upscale: 6).writePNG(to: inputPath)
    return [filterPath.path + "  (the first convolution's \(outChannels) filters: red +, blue −)",
            mapsPath.path + "  (what they make of the test digit in \(inputPath.lastPathComponent), after ReLU)",
            inputPath.path]
}
