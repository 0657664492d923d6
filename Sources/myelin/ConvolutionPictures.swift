import Foundation
import Myelin

/// What the first convolution of `model` learned: its filters, and the feature maps it makes of
/// the first test image (after ReLU), beside that image. None for a model without a convolution.
func firstConvolutionPictures<D: Dataset>(of model: Module, on test: D) -> [RunPicture] {
    guard let conv = model.namedModules.lazy.compactMap({ $0.1 as? Conv2d }).first else { return [] }
    let w = conv.weight.detached()
    let (outChannels, inChannels, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    // One tile per (output, input) channel pair: a row per output channel when there are several inputs.
    let filters = Image.filterGrid(
        w.reshaped([outChannels * inChannels, kh * kw]), tileHeight: kh, tileWidth: kw,
        columns: inChannels > 1 ? inChannels : nil, padding: 2, upscale: 12)
    let image = test.batch(at: [0]).0
    let maps = withoutGrad { conv(image).relu() }
    return [
        RunPicture(name: "filters", caption: "the first convolution's \(outChannels) filters: red +, blue −", image: filters),
        RunPicture(
            name: "feature-maps-input", caption: "a test digit", image: Image(image.reshaped([image.shape[2], image.shape[3]]), upscale: 6)),
        RunPicture(
            name: "feature-maps", caption: "what the filters make of that digit, after ReLU",
            image: Image.grid(maps.reshaped([outChannels, maps.shape[2], maps.shape[3]]), columns: 8, padding: 2, upscale: 3)),
    ]
}
