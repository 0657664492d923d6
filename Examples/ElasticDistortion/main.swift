// Elastic distortion (Simard, Steinkraus and Platt 2003), one of the "tricks of the trade": every
// pixel of a digit moves by a random displacement field, smoothed by a Gaussian of σ pixels and
// scaled by α, so the strokes bend as a hand's would. More training images for free.
//
// This program draws eight training digits beside five distortions of each (α 34, σ 4, the
// paper's values for MNIST), then trains LeNet on only the first 1,000 training digits for 30
// epochs, with and without distortion, and prints the test accuracy of each after every fifth
// epoch. Pictures, the curves, report.html and results.json go to the output folder.
//
//   swift run -c release elastic-distortion [OUT_DIR]      (default runs/elastic-distortion)
import Foundation
import Myelin
import MyelinModels

let folder = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? "runs/elastic-distortion", isDirectory: true)
let epochs = 30, trainingDigits = 1000
let distortion: ImageAugmentation = [.elastic(alpha: 34, sigma: 4)]

do {
    let train = try MNIST(split: .train), test = try MNIST(split: .test)
    let few = train.subset(Array(0..<trainingDigits))

    // Each row: a digit, then five distortions of it.
    let (digits, _) = train.batch(at: Array(0..<8))
    var tiles: [Image] = []
    for i in 0..<8 {
        let digit = digits.narrowed(axis: 0, start: i, length: 1)
        tiles.append(Image(digit[0], scaling: .range(0, 1), upscale: 3))
        for k in 0..<5 {
            let distorted = distortion(digit, generator: RandomGenerator(seed: UInt64(10 * i + k)))
            tiles.append(Image(distorted[0], scaling: .range(0, 1), upscale: 3))
        }
    }
    let picture = Image.grid(tiles, columns: 6, padding: 2, background: 128)

    var curves: [LinePlot.Series] = [], metrics: [(String, String)] = []
    for (name, augmentation) in [("no augmentation", nil), ("elastic distortion", distortion)] as [(String, ImageAugmentation?)] {
        print("LeNet on \(trainingDigits) training digits, \(name):")
        let model = LeNet(generator: RandomGenerator(seed: 0))
        let history = try fit(
            model, optimizer: SGD(model.parameters, learningRate: 0.05, momentum: 0.9), loss: crossEntropy,
            on: DataLoader(few, batchSize: 64, shuffle: true, augmentation: augmentation, generator: RandomGenerator(seed: 1)),
            epochs: epochs, validation: DataLoader(test, batchSize: 1000), metrics: [.accuracy])
        let accuracy = history.values("validation accuracy")
        curves.append(LinePlot.Series(name: name, values: accuracy))
        metrics.append(("test accuracy, \(name)", String(format: "%.4f", accuracy.last!)))
        metrics.append(("best test accuracy, \(name)", String(format: "%.4f", accuracy.max()!)))
    }
    print("\nTest accuracy after each fifth epoch (LeNet, \(trainingDigits) training digits):")
    print("epoch  " + curves.map(\.name).joined(separator: "  "))
    for epoch in stride(from: 5, through: epochs, by: 5) {
        print(String(format: "%5d  ", epoch) + curves.map { String(format: "%15.4f", $0.points[epoch - 1].y) }.joined(separator: "  "))
    }
    let outputs = RunOutputs(
        title: "Elastic distortion",
        summary: "LeNet trained on \(trainingDigits) MNIST digits for \(epochs) epochs, with and without elastic distortion (α 34, σ 4).",
        settings: [
            ("training digits", String(trainingDigits)), ("epochs", String(epochs)), ("optimizer", "SGD lr 0.05, momentum 0.9, batch 64"),
        ],
        metrics: metrics,
        plots: [
            RunPlot(
                name: "accuracy",
                plot: LinePlot(
                    title: "Test accuracy, \(trainingDigits) training digits", xLabel: "epoch", yLabel: "accuracy", series: curves))
        ],
        pictures: [
            RunPicture(name: "distorted-digits", caption: "Training digits (left) and five elastic distortions of each", image: picture)
        ])
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for line in try outputs.write(to: folder) { print("Wrote \(line)") }
} catch {
    print("elastic-distortion: \(error)")
    exit(1)
}
