import Foundation
import Myelin
import MyelinModels
import MyelinVision

// The pictures of a GAN run: the sample grid of each epoch, the evolution strip made from them,
// and the loss curves.

/// Each sample is drawn twice its size, 2 pixels apart: an 8×8 grid is 466 pixels square.
private let sampleUpscale = 2, samplePadding = 2

/// The columns of a run's sample grids: 8 (64 samples), or the ten digits of a conditional GAN
/// (10 rows of them, one handwriting a row).
func sampleColumns(conditional: Bool) -> Int { conditional ? GANConfiguration.classCount : 8 }

/// `samples/epoch-007.png`: sorts in epoch order.
func epochSampleName(_ epoch: Int) -> String { String(format: "epoch-%03d.png", epoch) }

/// G's images [N, 1, 28, 28] in [−1, 1] as a grid, `columns` to a row, −1 black and 1 white.
func sampleGrid(_ images: Tensor, columns: Int = 8) -> Image {
    Image.grid(
        images, columns: columns, padding: samplePadding, scaling: .range(-1, 1),
        normalization: .together, upscale: sampleUpscale)
}

/// The evolution strip (at most 20 epochs) for report.html and `evolution.png`, after writing
/// `evolution.gif` (at most 50) into `folder`, from the grids of epochs 1…`epochs` found in
/// `folders` (square grids of `columns`); prints a note for each missing grid. Returns the strip and the GIF's path.
func writeEvolution(epochs: Int, from folders: [URL], columns: Int, to folder: URL) throws -> (strip: RunPicture, gif: String)? {
    guard epochs > 0 else { return nil }
    let (grids, notes) = try sampleGrids(epochs: evenlyChosen(Array(1...epochs), count: 50), folders: folders, columns: columns)
    notes.forEach { print("note: \($0)") }
    guard !grids.isEmpty else { return nil }
    let stripEpochs = Set(evenlyChosen(grids.map(\.epoch), count: 20))
    let gif = folder.appendingPathComponent("evolution.gif")
    try Image.writeAnimatedGIF(evolutionFrames(grids), to: gif, delay: 40)
    return (
        RunPicture(
            name: "evolution", caption: "G's samples of the same noise, the top row of each epoch's grid: digits emerging from noise",
            image: evolutionStrip(grids.filter { stripEpochs.contains($0.epoch) })),
        gif.path + " — the same as an animation"
    )
}

/// The sample grids of `epochs` chosen epochs, read back from `folders` (the first that has one),
/// so that a resumed run's pictures cover the epochs before the resume too. Epochs whose grid is
/// gone are left out and named in the notes; a grid of another size than a square of `columns`
/// is an error naming the file.
func sampleGrids(epochs: [Int], folders: [URL], columns: Int) throws -> (grids: [(epoch: Int, image: Image)], notes: [String]) {
    var grids: [(epoch: Int, image: Image)] = [], notes: [String] = []
    for epoch in epochs {
        let candidates = folders.map { $0.appendingPathComponent("samples").appendingPathComponent(epochSampleName(epoch)) }
        guard let url = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            notes.append("\(candidates[0].path) is missing: the evolution pictures leave epoch \(epoch) out")
            continue
        }
        let grid = try Image(contentsOfPNG: url)
        let side = columns * (28 * sampleUpscale + samplePadding) + samplePadding
        guard grid.width == side && grid.height == side && grid.channels == 1 else {
            throw CommandError(
                "\(url.path): \(grid.width)×\(grid.height)×\(grid.channels) is not a \(side)×\(side) gray sample grid of `myelin train gan`"
            )
        }
        grids.append((epoch, grid))
    }
    return (grids, notes)
}

/// How G's samples of the fixed noise changed, in one picture: a row per grid, its top row of
/// samples, labelled with the epoch.
func evolutionStrip(_ grids: [(epoch: Int, image: Image)]) -> Image {
    precondition(!grids.isEmpty, "evolutionStrip: no grids")
    let last = grids[grids.count - 1]
    let rowHeight = 28 * sampleUpscale + 2 * samplePadding, width = last.image.width
    let labelWidth = BitmapFont.width(of: "epoch \(last.epoch)", scale: 2) + 12
    var strip = Image(width: labelWidth + width, height: grids.count * rowHeight, channels: 1, fill: 0)
    for (k, grid) in grids.enumerated() {
        let top = k * rowHeight
        for y in 0..<rowHeight {
            let target = (top + y) * strip.width + labelWidth
            strip.pixels.replaceSubrange(target..<(target + width), with: grid.image.pixels[(y * width)..<((y + 1) * width)])
        }
        strip.drawText("epoch \(grid.epoch)", x: 6, y: top + (rowHeight - 14) / 2, scale: 2, value: 230)
    }
    return strip
}

/// The frames of the evolution animation: each whole grid under a band naming its epoch.
func evolutionFrames(_ grids: [(epoch: Int, image: Image)]) -> [Image] {
    let band = 24
    return grids.map { grid in
        var frame = Image(width: grid.image.width, height: band + grid.image.height, channels: 1, fill: 0)
        frame.pixels.replaceSubrange((band * frame.width)..., with: grid.image.pixels)
        frame.drawText("epoch \(grid.epoch)", x: 6, y: 5, scale: 2, value: 230)
        return frame
    }
}

/// At most `count` elements of `values`, evenly spaced, the first and last always included.
func evenlyChosen<T>(_ values: [T], count: Int) -> [T] {
    guard values.count > count, count >= 2 else { return values }
    return (0..<count).map { values[Int((Double($0) * Double(values.count - 1) / Double(count - 1)).rounded())] }
}

/// D's and G's loss per step (means over 50 steps: single steps are too noisy to read) and per epoch.
func ganCurves(_ history: TrainingHistory) -> RunPlot {
    func epochMeans(_ name: String) -> [(x: Double, y: Double)] {
        history.points(name).map { (x: Double($0.step), y: $0.value) }
    }
    return RunPlot(
        name: "loss",
        plot: LinePlot(
            title: "GAN losses", xLabel: "step", yLabel: "binary cross-entropy",
            series: [
                LinePlot.Series(name: "D (mean of 50 steps)", points: chunkMeans(history.values("D loss"), 50)),
                LinePlot.Series(name: "G (mean of 50 steps)", points: chunkMeans(history.values("G loss"), 50)),
                LinePlot.Series(name: "D (epoch mean)", points: epochMeans("mean D loss")),
                LinePlot.Series(name: "G (epoch mean)", points: epochMeans("mean G loss")),
            ]))
}

/// Means of `values` over chunks of `size` steps, each at the step that ends it: a noisy per-step
/// series made readable (the GAN's and CycleGAN's loss curves).
func chunkMeans(_ values: [Double], _ size: Int) -> [(x: Double, y: Double)] {
    stride(from: 0, to: values.count, by: size).map { start in
        let chunk = values[start..<min(start + size, values.count)]
        return (Double(start + chunk.count), chunk.reduce(0, +) / Double(chunk.count))
    }
}
