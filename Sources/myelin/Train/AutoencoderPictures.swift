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

/// Each block of `images` [16·k, 1, 28, 28] as a row of 16 inputs above a row of their reconstructions.
func reconstructionPicture(of model: ConvAutoencoder, blocks: [Tensor]) -> Image {
    let panels = blocks.map { images -> Image in
        let reconstructions = withoutGrad { model(images) }
        return Image.grid(concatenate([images, reconstructions]), columns: images.shape[0], padding: 2, background: 64,
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

/// At most ~`resolution` points of a curve: each kept point is at least 1/resolution from the
/// previous one in one of the rates (the full curve of 10,000 test images has up to 10,001).
private func thinned(_ curve: ROCCurve, resolution: Double = 400) -> [(x: Double, y: Double)] {
    var kept: [(x: Double, y: Double)] = []
    for (i, p) in curve.points.enumerated() {
        let point = (x: p.falsePositiveRate, y: p.truePositiveRate)
        if let last = kept.last, i < curve.points.count - 1,
           max(abs(point.x - last.x), abs(point.y - last.y)) < 1 / resolution { continue }
        kept.append(point)
    }
    return kept
}

/// The ROC curves (named, with their areas in the legend) and the chance diagonal.
func rocPlot(_ curves: [(name: String, curve: ROCCurve)]) -> LinePlot {
    let series = curves.map { LinePlot.Series(name: "\($0.name): AUC \(String(format: "%.3f", $0.curve.area))", points: thinned($0.curve)) }
    return LinePlot(title: "Finding unseen digits", xLabel: "false-positive rate (seen digits flagged)",
                    yLabel: "true-positive rate (unseen digits flagged)",
                    series: series + [LinePlot.Series(name: "chance: AUC 0.5", points: [(0, 0), (1, 1)])])
}

/// The distribution of `scores` for each group, as the share of the group's images in each of
/// `bins` equal bins up to the 99.5th percentile of all scores (drawn as steps).
func histogramPlot(_ groups: [(name: String, scores: [Float])], title: String, xLabel: String, bins: Int = 40) -> LinePlot {
    let all = groups.flatMap(\.scores).sorted()
    let high = Double(all[min(all.count - 1, Int(Double(all.count) * 0.995))]), width = high / Double(bins)
    let series = groups.map { name, scores -> LinePlot.Series in
        var counts = [Int](repeating: 0, count: bins)
        for s in scores { counts[min(bins - 1, max(0, Int(Double(s) / width)))] += 1 }
        let points = counts.enumerated().flatMap { i, count -> [(x: Double, y: Double)] in
            let share = Double(count) / Double(scores.count)
            return [(Double(i) * width, share), (Double(i + 1) * width, share)]
        }
        return LinePlot.Series(name: name, points: points)
    }
    return LinePlot(title: title, xLabel: xLabel, yLabel: "share of the group's test images", series: series)
}

/// The training loss per step and the test loss after each epoch (on `testName`), on a log scale:
/// most of the fall comes in the first few hundred steps.
func autoencoderLossPlot(_ history: TrainingHistory, loss: ConvAutoencoder.Loss, testName: String) -> LinePlot {
    LinePlot(title: "Autoencoder reconstruction loss", xLabel: "step", yLabel: "\(loss.rawValue.uppercased()) per pixel",
             logY: true, series: [
        LinePlot.Series(name: "training (per batch)", values: history.values("loss")),
        LinePlot.Series(name: "\(testName) (after each epoch)", points: history.points("test loss").map { (x: Double($0.step), y: $0.value) }),
    ])
}
