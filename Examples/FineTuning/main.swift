// Pretrained models and fine-tuning: what a network learned on one task helps another that has
// few labels. LeNet learns digits 0–4 from all their training images; then, for digits 5–9 with
// only 10, 100 or 1,000 labelled images per class, it gets a new head (five classes), its
// convolutions are frozen, and the classifier is trained on those images — against a LeNet of the
// same shape trained from scratch on the same images, for the same steps. Both are tested on every
// test image of 5–9.
//
//   swift run -c release fine-tuning [OUT_DIR]      (default runs/fine-tuning)
import Foundation
import Myelin
import MyelinModels

let folder = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? "runs/fine-tuning", isDirectory: true)

/// The images of `data` whose labels are in `digits` (the first `perClass` of each, when given),
/// labelled by their place in `digits`.
func images(of digits: [Int], in data: MNIST, perClass: Int? = nil) -> TensorDataset {
    let labels = data.labels
    var chosen: [Int] = []
    for digit in digits {
        let all = labels.indices.filter { labels[$0] == digit }
        chosen += perClass.map { Array(all.prefix($0)) } ?? all
    }
    chosen.sort()
    let (inputs, _) = data.batch(at: chosen)
    return TensorDataset(inputs: inputs, labels: Tensor(integers: chosen.map { digits.firstIndex(of: labels[$0])! }))
}

/// Trains `parameters` of `model` on `data` with Adam for `epochs`, quietly; returns the accuracy on `test`.
func trainPart(_ model: LeNet, _ parameters: [Tensor], on data: TensorDataset, epochs: Int, batchSize: Int, test: TensorDataset) throws
    -> Double
{
    let history = try fit(
        model, optimizer: Adam(parameters, learningRate: 1e-3), loss: crossEntropy,
        on: DataLoader(data, batchSize: batchSize, shuffle: true, generator: RandomGenerator(seed: 2)), epochs: epochs,
        validation: DataLoader(test, batchSize: 1000), metrics: [.accuracy], verbose: false)
    return history.last("validation accuracy")!
}

do {
    let train = try MNIST(split: .train), test = try MNIST(split: .test)
    let (first, second) = ([0, 1, 2, 3, 4], [5, 6, 7, 8, 9])
    let secondTest = images(of: second, in: test)

    let base = LeNet(classes: 5, generator: RandomGenerator(seed: 0))
    let baseAccuracy = try trainPart(
        base, base.parameters, on: images(of: first, in: train), epochs: 2, batchSize: 64, test: images(of: first, in: test))
    print(String(format: "LeNet trained on digits 0–4 (2 epochs): test accuracy on 0–4 %.4f", baseAccuracy))

    var rows: [(perClass: Int, fineTuned: Double, scratch: Double)] = []
    for (perClass, epochs, batchSize) in [(10, 60, 16), (100, 20, 32), (1000, 6, 64)] {
        let few = images(of: second, in: train, perClass: perClass)
        // Fine-tuned: the base's weights, a new head for 5–9, the convolutions frozen.
        let tuned = LeNet(classes: 5, generator: RandomGenerator(seed: 1))
        try tuned.loadStateDict(Dictionary(uniqueKeysWithValues: base.stateDict))
        tuned.classifier[5] = Linear(84, 5, generator: RandomGenerator(seed: 3))
        tuned.features.freeze()
        let fineTuned = try trainPart(tuned, tuned.trainableParameters, on: few, epochs: epochs, batchSize: batchSize, test: secondTest)
        let fresh = LeNet(classes: 5, generator: RandomGenerator(seed: 1))
        let scratch = try trainPart(fresh, fresh.parameters, on: few, epochs: epochs, batchSize: batchSize, test: secondTest)
        rows.append((perClass, fineTuned, scratch))
        print(String(format: "%5d labelled images per class: fine-tuned %.4f, from scratch %.4f", perClass, fineTuned, scratch))
    }

    let curves = [
        LinePlot.Series(name: "fine-tuned", points: rows.map { (x: log10(Double($0.perClass)), y: $0.fineTuned) }),
        LinePlot.Series(name: "from scratch", points: rows.map { (x: log10(Double($0.perClass)), y: $0.scratch) }),
    ]
    let outputs = RunOutputs(
        title: "Fine-tuning LeNet",
        summary: "LeNet learns digits 0–4, then 5–9 from few labels with its convolutions frozen, against training from scratch.",
        settings: [
            ("base", String(format: "LeNet on all training images of 0–4, 2 epochs (test accuracy %.4f)", baseAccuracy)),
            ("fine-tuning", "new 5-class head, convolutions frozen, classifier trained"),
            ("optimizer", "Adam lr 0.001"), ("epochs", "60, 20 and 6 for 10, 100 and 1,000 images per class"),
        ],
        metrics: rows.flatMap { row in
            [
                ("fine-tuned, \(row.perClass) per class", String(format: "%.4f", row.fineTuned)),
                ("from scratch, \(row.perClass) per class", String(format: "%.4f", row.scratch)),
            ]
        },
        plots: [
            RunPlot(
                name: "accuracy",
                plot: LinePlot(
                    title: "Test accuracy on digits 5-9", xLabel: "labelled images per class (log10: 1 = 10, 3 = 1,000)",
                    yLabel: "test accuracy",
                    series: curves))
        ])
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for line in try outputs.write(to: folder) { print("Wrote \(line)") }
} catch {
    print("fine-tuning: \(error)")
    exit(1)
}
