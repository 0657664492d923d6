import Foundation
import Myelin
import MyelinModels
import MyelinVision

// The pictures of a CycleGAN run: for each direction, test digits, their translation and their
// round trip back, one row each, under a label.

/// A round trip drawn as a grid: the domain it starts from and the file folder it goes to.
enum RoundTrip: String, CaseIterable {
    case aba = "A-B-A"
    case bab = "B-A-B"

    /// The rows' labels: the digits, their translation, the way back.
    var labels: [String] {
        self == .aba ? ["plain", "to zebra", "back"] : ["zebra", "to plain", "back"]
    }

    /// `samples/A-B-A/epoch-003.png`.
    func fileName(epoch: Int) -> String { "samples/\(rawValue)/\(epochSampleName(epoch))" }

    /// The three rows' images: `digits`, one way and back.
    func rows(of digits: Tensor, through cycleGAN: CycleGANTrainer) -> [Tensor] {
        let there = self == .aba ? cycleGAN.translateAToB(digits) : cycleGAN.translateBToA(digits)
        let back = self == .aba ? cycleGAN.translateBToA(there) : cycleGAN.translateAToB(there)
        return [digits, there, back]
    }
}

/// Rows of images [N, 1, 28, 28] in [−1, 1] (−1 black), drawn twice their size, each beside its label.
func labelledRows(_ rows: [Tensor], labels: [String]) -> Image {
    precondition(rows.count == labels.count && !rows.isEmpty, "labelledRows: \(rows.count) rows for \(labels.count) labels")
    let grids = rows.map {
        Image.grid($0, columns: $0.shape[0], padding: 2, scaling: .range(-1, 1), normalization: .together, upscale: 2)
    }
    let labelWidth = labels.map { BitmapFont.width(of: $0, scale: 2) }.max()! + 12
    let width = grids[0].width, height = grids[0].height
    var picture = Image(width: labelWidth + width, height: grids.count * height, channels: 1, fill: 0)
    for (k, (grid, label)) in zip(grids, labels).enumerated() {
        for y in 0..<height {
            let target = (k * height + y) * picture.width + labelWidth
            picture.pixels.replaceSubrange(target..<(target + width), with: grid.pixels[(y * width)..<((y + 1) * width)])
        }
        picture.drawText(label, x: 6, y: k * height + (height - 14) / 2, scale: 2, value: 230)
    }
    return picture
}

/// Up to 10 of `digits`' images, the first of each class 0…9 where it has one (then the first
/// others), as [N, 1, 28, 28]: the columns of the grids.
func gridDigits(_ digits: TensorDataset) -> Tensor {
    let labels = digits.labels.integers
    var chosen = (0..<10).compactMap { digit in labels.firstIndex(of: digit) }
    chosen += labels.indices.filter { !chosen.contains($0) }.prefix(10 - chosen.count)
    return digits.batch(at: chosen).inputs
}

/// Each step's losses as means over 50 steps (single steps are too noisy to read): the cycle and
/// identity losses and the discriminators' on one plot, the generators' whole loss on another (it
/// is ten times larger).
func cycleGANCurves(_ history: TrainingHistory) -> [RunPlot] {
    func series(_ name: String) -> LinePlot.Series { LinePlot.Series(name: name, points: chunkMeans(history.values(name), 50)) }
    return [
        RunPlot(
            name: "loss",
            plot: LinePlot(
                title: "CycleGAN losses (means of 50 steps)", xLabel: "step", yLabel: "L1 or least squares",
                series: ["cycle loss", "identity loss", "D_A loss", "D_B loss"].map(series))),
        RunPlot(
            name: "generator-loss",
            plot: LinePlot(
                title: "The generators' whole loss (means of 50 steps)", xLabel: "step",
                yLabel: "adversarial + weighted cycle and identity", series: [series("G loss")])),
    ]
}
