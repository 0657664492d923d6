import Foundation
import Myelin
import MyelinVision

// The pictures of a GAN run: the sample grid of each epoch, the evolution strip made from them,
// and the loss curves.

/// Each sample is drawn twice its size, 2 pixels apart: an 8×8 grid is 466 pixels square.
private let sampleUpscale = 2, samplePadding = 2, sampleColumns = 8

/// `samples/epoch-007.png`: sorts in epoch order.
func epochSampleName(_ epoch: Int) -> String { String(format: "epoch-%03d.png", epoch) }

/// G's images [N, 1, 28, 28] in [−1, 1] as a grid, 8 to a row, −1 black and 1 white.
func sampleGrid(_ images: Tensor) -> Image {
    Image.grid(images, columns: sampleColumns, padding: samplePadding, scaling: .range(-1, 1),
               normalization: .together, upscale: sampleUpscale)
}

/// One picture of how G's samples of the fixed noise changed: a row per epoch (at most 20, evenly
/// chosen, first and last included), each the top row of that epoch's grid, labelled with its
/// epoch. The grids are read back from `folders` (the first that has one), so a resumed run's
/// strip covers the epochs before the resume too; epochs whose grid is gone are left out, named in
/// the returned notes.
func evolutionStrip(epochs: Int, folders: [URL]) throws -> (image: Image?, notes: [String]) {
    let shown = evenlyChosen(Array(1...max(epochs, 1)), count: 20)
    var rows: [(epoch: Int, image: Image)] = [], notes: [String] = []
    for epoch in shown {
        let candidates = folders.map { $0.appendingPathComponent("samples").appendingPathComponent(epochSampleName(epoch)) }
        guard let url = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            notes.append("\(candidates[0].path) is missing: the evolution strip leaves epoch \(epoch) out")
            continue
        }
        let row = try topRow(of: Image(contentsOfPNG: url), path: url.path)
        if let width = rows.first?.image.width, row.width != width {
            throw CommandError("\(url.path): \(row.width) pixels wide, the other epochs' grids \(width): not a grid of this run")
        }
        rows.append((epoch, row))
    }
    guard let first = rows.first?.image else { return (nil, notes) }
    let labelWidth = BitmapFont.width(of: "epoch \(epochs)", scale: 2) + 12
    var strip = Image(width: labelWidth + first.width, height: rows.count * first.height, channels: 1, fill: 0)
    for (k, row) in rows.enumerated() {
        let gray = row.image, top = k * first.height
        for y in 0..<gray.height {
            let target = (top + y) * strip.width + labelWidth
            strip.pixels.replaceSubrange(target..<(target + gray.width), with: gray.pixels[(y * gray.width)..<((y + 1) * gray.width)])
        }
        drawLabel("epoch \(row.epoch)", into: &strip, x: 6, y: top + (first.height - 14) / 2, scale: 2)
    }
    return (strip, notes)
}

/// Writes `text` in the plots' bitmap font, light gray, its top-left corner at (x, y) of a gray image.
private func drawLabel(_ text: String, into image: inout Image, x: Int, y: Int, scale: Int) {
    for (k, character) in text.enumerated() {
        for gy in 0..<BitmapFont.cellHeight {
            for gx in 0..<BitmapFont.glyphWidth where BitmapFont.isSet(character, x: gx, y: gy) {
                for dy in 0..<scale {
                    for dx in 0..<scale {
                        let px = x + (k * BitmapFont.advance + gx) * scale + dx, py = y + gy * scale + dy
                        if px < image.width && py < image.height { image.pixels[py * image.width + px] = 230 }
                    }
                }
            }
        }
    }
}

/// The first row of tiles of a sample grid, with the padding above and below it.
private func topRow(of grid: Image, path: String) throws -> Image {
    let height = 28 * sampleUpscale + 2 * samplePadding
    guard grid.height >= height && grid.channels == 1 else {
        throw CommandError("\(path): \(grid.width)×\(grid.height) is not a gray sample grid of `myelin train gan`")
    }
    return Image(width: grid.width, height: height, channels: grid.channels,
                 pixels: Array(grid.pixels[0..<(height * grid.width * grid.channels)]))
}

/// At most `count` elements of `values`, evenly spaced, the first and last always included.
func evenlyChosen<T>(_ values: [T], count: Int) -> [T] {
    guard values.count > count, count >= 2 else { return values }
    return (0..<count).map { values[Int((Double($0) * Double(values.count - 1) / Double(count - 1)).rounded())] }
}

/// D's and G's loss per step (means over 50 steps: single steps are too noisy to read) and per
/// epoch, as SVG and PNG; returns the paths.
func writeGANCurves(_ history: GANHistory, stepsPerEpoch: Int, to directory: URL) throws -> [String] {
    func chunkMeans(_ values: [Float], _ size: Int) -> [(x: Double, y: Double)] {
        stride(from: 0, to: values.count, by: size).map { start in
            let chunk = values[start..<min(start + size, values.count)]
            return (Double(start + chunk.count), Double(chunk.reduce(0, +)) / Double(chunk.count))
        }
    }
    let epochEnds = history.epochs.indices.map { Double(($0 + 1) * stepsPerEpoch) }
    let plot = LinePlot(title: "GAN losses", xLabel: "step", yLabel: "binary cross-entropy", series: [
        LinePlot.Series(name: "D (mean of 50 steps)", points: chunkMeans(history.discriminatorLosses, 50)),
        LinePlot.Series(name: "G (mean of 50 steps)", points: chunkMeans(history.generatorLosses, 50)),
        LinePlot.Series(name: "D (epoch mean)", points: zip(epochEnds, history.epochs).map { ($0, $1.discriminatorLoss) }),
        LinePlot.Series(name: "G (epoch mean)", points: zip(epochEnds, history.epochs).map { ($0, $1.generatorLoss) }),
    ])
    let svg = directory.appendingPathComponent("loss.svg"), png = directory.appendingPathComponent("loss.png")
    try plot.writeSVG(to: svg)
    try plot.writePNG(to: png)
    return [svg.path, png.path]
}
