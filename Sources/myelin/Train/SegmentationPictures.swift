import Foundation
import Myelin
import MyelinModels

// What `myelin train segmentation` draws and reports: canvases beside their true and predicted
// labels, the IoU curves and the per-class figures.

/// Short names for the palette's key: the background's swatch is too small for the word.
let segmentationKeyNames = ["bg"] + (0...9).map(String.init)

/// A canvas [1, H, W] in grey beside its true labels and the model's [H, W], as three tiles.
func segmentationTiles(image: Tensor, truth: Tensor?, prediction: Tensor, upscale: Int) -> [Image] {
    [Image(image, scaling: .range(0, 1), upscale: upscale).rgb()]
        + ([truth, prediction].compactMap { $0 }.map { LabelPalette.digits.image($0, upscale: upscale) })
}

/// `batch`'s canvases (inputs [N, 1, H, W], labels [N, H, W]), each as input | truth | prediction,
/// two canvases a row, with the palette's key below.
func segmentationPicture(of model: UNet, images batch: (inputs: Tensor, labels: Tensor)) -> Image {
    let predicted = model.predictedClasses(batch.inputs)
    let tiles = (0..<batch.inputs.shape[0]).flatMap { n in
        segmentationTiles(image: batch.inputs[n], truth: batch.labels[n], prediction: predicted[n], upscale: 2)
    }
    let canvases = Image.grid(tiles, columns: 6, padding: 4, background: 255)
    let key = LabelPalette.digits.legend(names: segmentationKeyNames)
    return stackedOnWhite([canvases, key])
}

/// Pictures one above the other, left-aligned on white.
func stackedOnWhite(_ pictures: [Image]) -> Image {
    let width = pictures.map(\.width).max()!, height = pictures.map(\.height).reduce(0, +)
    var out = Image(width: width, height: height, channels: 3, fill: 255)
    var top = 0
    for picture in pictures.map({ $0.rgb() }) {
        for y in 0..<picture.height {
            let row = picture.pixels[(y * picture.width * 3)..<((y + 1) * picture.width * 3)]
            out.pixels.replaceSubrange(((top + y) * width * 3)..<((top + y) * width * 3 + picture.width * 3), with: row)
        }
        top += picture.height
    }
    return out
}

/// The test canvases' mean IoU over the digits and the background's IoU after each evaluation.
func iouPlot(_ history: TrainingHistory) -> LinePlot {
    LinePlot(
        title: "IoU on the test canvases", xLabel: "step", yLabel: "intersection over union",
        series: [("test mean IoU", "mean over the ten digits"), ("test background IoU", "background")].map { name, label in
            LinePlot.Series(name: label, points: history.points(name).map { (x: Double($0.step), y: $0.value) })
        })
}

/// The figures results.json and report.html give: the summary, then each class's IoU and Dice.
func segmentationMetrics(_ scores: SegmentationScores, loss: Double) -> [(String, String)] {
    func figure(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "-" }
    let names = scores.matrix.classNames
    return [
        ("test mean IoU (digits)", figure(scores.meanIoU)), ("test background IoU", figure(scores.backgroundIoU)),
        ("test pixel accuracy", figure(scores.pixelAccuracy)), ("test mean Dice (digits)", figure(scores.meanDice)),
        ("test loss", figure(loss)),
    ]
        + names.indices.map { ("IoU \(names[$0])", figure(scores.intersectionOverUnion[$0])) }
        + names.indices.map { ("Dice \(names[$0])", figure(scores.dice[$0])) }
}
