import Foundation
import Myelin
import MyelinModels

// What `myelin train autoencoder` draws: reconstructions, the worst- and best-reconstructed test
// digits with their difference maps, the ROC curves, the scores' histogram and the loss curves.

/// Pixels are drawn from 0…1 on one scale, so every tile compares with every other; each doubled in size.
private let pixelRange = PixelScaling.range(0, 1)
private let upscale = 2

/// Panels of equal size one above the other on white, `gap` pixels apart.
private func stacked(_ panels: [Image], gap: Int = 12) -> Image {
    Image.grid(panels.map { $0.rgb() }, columns: 1, padding: gap, background: 255)
}

/// Each block of `images` [16·k, 1, 28, 28] as a row of 16 inputs above a row of their
/// reconstructions by `model` (an autoencoder's, a VAE's: any module whose output is its input redrawn).
func reconstructionPicture(of model: Module, blocks: [Tensor]) -> Image {
    let panels = blocks.map { images -> Image in
        let reconstructions = withoutGrad { model(images) }
        return Image.grid(
            concatenate([images, reconstructions]), columns: images.shape[0], padding: 2, background: 64,
            scaling: pixelRange, upscale: upscale)
    }
    return stacked(panels)
}

/// One panel per group of `images` [N, 1, 28, 28]: a column per image holding it, its
/// reconstruction and the map of |input − reconstruction| (viridis: dark where they agree, yellow
/// where the autoencoder could not draw what was there).
func differencePicture(of model: ConvAutoencoder, groups: [Tensor]) -> Image {
    let panels = groups.map { images -> Image in
        let reconstructions = withoutGrad { model(images) }
        let differences = (images - reconstructions).abs()
        let rows = [(images, Colormap.grayscale), (reconstructions, .grayscale), (differences, .viridis)]
        let tiles = rows.flatMap { tensor, colormap in
            (0..<tensor.shape[0]).map { Image(tensor[$0], scaling: pixelRange, colormap: colormap, upscale: upscale) }
        }
        return Image.grid(tiles, columns: images.shape[0], padding: 2, background: 64)
    }
    return stacked(panels)
}

/// The training loss per step and the test loss after each epoch (on `testName`), on a log scale:
/// most of the fall comes in the first few hundred steps.
func autoencoderLossPlot(_ history: TrainingHistory, loss: ConvAutoencoder.Loss, testName: String) -> LinePlot {
    LinePlot(
        title: "Autoencoder reconstruction loss", xLabel: "step", yLabel: "\(loss.rawValue.uppercased()) per pixel",
        logY: true,
        series: [
            LinePlot.Series(name: "training (per batch)", values: history.values("loss")),
            LinePlot.Series(
                name: "\(testName) (after each epoch)", points: history.points("test loss").map { (x: Double($0.step), y: $0.value) }),
        ])
}
