// Under- and overfitting, made visible, and four remedies.
//
// 1-D: twelve noisy samples of sin(2πx) fitted by a line (too simple: underfits), a small MLP
// (about right) and a large MLP trained long (learns the samples by heart: overfits), each by
// full-batch Adam for 3,000 steps; validation on 200 fresh noisy samples. One picture with the data
// and the three fits, one with each model's training and validation loss.
// 2-D: rabbits and unicorns by speed and size (made here, seeded: unicorns on an arc around the
// rabbits, some mislabelled), classified by logistic regression, a small MLP and a large MLP
// trained long on 40 animals; a picture of each one's decision regions.
// Remedies for the large 1-D MLP: L2 weight decay, dropout, early stopping and ten times the data,
// each one's validation loss in a table and a plot.
//
//   swift run -c release overfitting [OUT_DIR]      (default runs/overfitting)
import Foundation
import Myelin

let folder = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? "runs/overfitting", isDirectory: true)
let steps = 3000

/// `count` noisy samples of sin(2πx), x uniform in [0, 1] (sorted), noise σ 0.25.
func sineSamples(_ count: Int, seed: UInt64) -> TensorDataset {
    let g = RandomGenerator(seed: seed)
    let x = (0..<count).map { _ in g.uniform() }.sorted()
    let y = x.map { Float(Foundation.sin(2 * Double.pi * Double($0))) + 0.25 * g.normal() }
    return TensorDataset(inputs: Tensor(shape: [count, 1], scalars: x), labels: Tensor(shape: [count, 1], scalars: y))
}

/// Trains `model` full-batch with Adam for `steps` (fewer with `callbacks` that stop it); returns its history.
func train(_ model: Module, on data: TensorDataset, validation: TensorDataset, weightDecay: Float = 0, callbacks: [TrainingCallback] = [])
    throws -> TrainingHistory
{
    try fit(
        model, optimizer: Adam(model.parameters, learningRate: 0.01, weightDecay: weightDecay), loss: { mseLoss($0, $1) },
        on: DataLoader(data, batchSize: data.count), epochs: steps, validation: DataLoader(validation, batchSize: 1000),
        callbacks: callbacks, verbose: false)
}

/// A 1 → `width` → `width` → 1 tanh MLP, with dropout after each hidden layer when given.
func mlp(inputs: Int = 1, width: Int, outputs: Int = 1, dropout: Float? = nil, seed: UInt64) -> Sequential {
    let g = RandomGenerator(seed: seed)
    return Sequential {
        Linear(inputs, width, generator: g); Tanh()
        if let dropout { Dropout(dropout, generator: RandomGenerator(seed: seed + 1)) }
        Linear(width, width, generator: g); Tanh()
        if let dropout { Dropout(dropout, generator: RandomGenerator(seed: seed + 2)) }
        Linear(width, outputs, generator: g)
    }
}

/// `model`'s values on a grid of x in [0, 1].
func curve(_ model: Module, name: String) -> LinePlot.Series {
    let x = (0...200).map { Float($0) / 200 }
    let y = model.evaluating { model(Tensor(shape: [x.count, 1], scalars: x)) }.scalars
    return LinePlot.Series(name: name, points: zip(x, y).map { (Double($0), Double($1)) })
}

/// Rabbits (0) near the middle, unicorns (1) on an arc around them, in speed × size ∈ [0, 1]²; 10 % mislabelled.
func animals(_ count: Int, seed: UInt64) -> TensorDataset {
    let g = RandomGenerator(seed: seed)
    var points: [Float] = [], labels: [Int] = []
    for i in 0..<count {
        let unicorn = i % 2 == 1
        let radius: Float = unicorn ? 0.32 + 0.06 * g.normal() : 0.12 * abs(g.normal())
        let angle: Float = unicorn ? g.uniform(-0.3, 3.4) : g.uniform(0, 6.28)
        points += [0.45 + radius * Foundation.cos(angle), 0.4 + radius * Foundation.sin(angle)]
        labels.append(g.uniform() < 0.1 ? (unicorn ? 0 : 1) : (unicorn ? 1 : 0))
    }
    return TensorDataset(inputs: Tensor(shape: [count, 2], scalars: points), labels: Tensor(integers: labels))
}

/// A 240 × 240 picture of `model`'s decision regions over [0, 1]² (rabbit: light brown, unicorn: light
/// violet), with the training animals as dots (dark brown and dark violet).
func regions(_ model: Module, _ data: TensorDataset) -> Image {
    let size = 240
    let step = 1 / Float(size - 1)
    var grid: [Float] = []
    for row in 0..<size {
        for column in 0..<size { grid += [Float(column) * step, 1 - Float(row) * step] }
    }
    let unicorn = model.evaluating { model(Tensor(shape: [size * size, 2], scalars: grid)).argmax(axis: -1).integers }
    let rabbitColour: [UInt8] = [240, 222, 196], unicornColour: [UInt8] = [214, 196, 240]
    var pixels: [UInt8] = unicorn.flatMap { $0 == 1 ? unicornColour : rabbitColour }
    let (inputs, labels) = data.batch(at: Array(0..<data.count))
    for (point, label) in zip(0..<data.count, labels.integers) {
        let x = Int(inputs[point, 0] * Float(size - 1)), y = Int((1 - inputs[point, 1]) * Float(size - 1))
        for dy in -2...2 {
            for dx in -2...2 where (0..<size).contains(x + dx) && (0..<size).contains(y + dy) {
                let at = 3 * ((y + dy) * size + x + dx)
                pixels.replaceSubrange(at..<(at + 3), with: label == 1 ? [90, 40, 160] : [120, 70, 20])
            }
        }
    }
    return Image(width: size, height: size, channels: 3, pixels: pixels)
}

/// Prints `name` and its figures on one line, and adds each to `metrics` as "PREFIX NAME: LABEL".
func record(_ name: String, _ figures: [(label: String, value: Double)], prefix: String = "", into metrics: inout [(String, String)]) {
    // Counts (steps) without decimals, figures with four.
    let texts = figures.map { String(format: $0.value >= 10 && $0.value.rounded() == $0.value ? "%.0f" : "%.4f", $0.value) }
    print("  " + name.padding(toLength: 32, withPad: " ", startingAt: 0) + zip(figures, texts).map { "  \($0.label) \($1)" }.joined())
    metrics += zip(figures, texts).map { ("\(prefix)\(name): \($0.label)", $1) }
}

do {
    // 1-D: under-, well and overfitted.
    let few = sineSamples(12, seed: 1), validation = sineSamples(200, seed: 2)
    let models: [(name: String, model: Module)] = [
        ("line (underfits)", Linear(1, 1, generator: RandomGenerator(seed: 3))),
        (
            "MLP 1-3-1 (fits)",
            Sequential {
                Linear(1, 3, generator: RandomGenerator(seed: 4)); Tanh(); Linear(3, 1, generator: RandomGenerator(seed: 4))
            }
        ),
        ("MLP 1-256-256-1 (overfits)", mlp(width: 256, seed: 5)),
    ]
    var fits: [LinePlot.Series] = [
        LinePlot.Series(
            name: "training samples", points: zip(few.inputs.scalars, few.labels.scalars).map { (Double($0), Double($1)) }, markers: true)
    ]
    var lossCurves: [LinePlot.Series] = [], metrics: [(String, String)] = []
    print("1-D: 12 noisy samples of sin(2πx), \(steps) steps of full-batch Adam; mean squared error:")
    for (name, model) in models {
        let history = try train(model, on: few, validation: validation)
        record(
            name, [("training loss", history.last("mean loss")!), ("validation loss", history.last("validation loss")!)], into: &metrics)
        fits.append(curve(model, name: name))
        lossCurves.append(LinePlot.Series(name: "\(name), training", values: history.values("mean loss")))
        lossCurves.append(LinePlot.Series(name: "\(name), validation", values: history.values("validation loss")))
    }

    // Remedies for the large MLP.
    print("\nRemedies for the 1-256-256-1 MLP (validation loss; noise alone gives 0.0625):")
    let remedies: [(name: String, run: () throws -> TrainingHistory)] = [
        ("none", { try train(mlp(width: 256, seed: 5), on: few, validation: validation) }),
        ("L2 weight decay 0.01", { try train(mlp(width: 256, seed: 5), on: few, validation: validation, weightDecay: 0.01) }),
        ("dropout 0.2", { try train(mlp(width: 256, dropout: 0.2, seed: 5), on: few, validation: validation) }),
        (
            "early stopping (patience 100)",
            {
                try train(
                    mlp(width: 256, seed: 5), on: few, validation: validation,
                    callbacks: [EarlyStopping(patience: 100, restoreBestWeights: true)])
            }
        ),
        ("10× the data (120 samples)", { try train(mlp(width: 256, seed: 5), on: sineSamples(120, seed: 6), validation: validation) }),
    ]
    var remedyCurves: [LinePlot.Series] = []
    for (name, run) in remedies {
        let history = try run()
        let values = history.values("validation loss")
        // Early stopping restores the best weights: its result is the best evaluation's.
        let final = name.hasPrefix("early") ? values.min()! : values.last!
        record(name, [("validation loss", final), ("steps", Double(values.count))], prefix: "remedy ", into: &metrics)
        remedyCurves.append(LinePlot.Series(name: name, values: values))
    }

    // 2-D: rabbits and unicorns.
    let herd = animals(100, seed: 7), meadow = animals(1000, seed: 8)
    var pictures: [RunPicture] = []
    print("\n2-D: 100 rabbits and unicorns (10 % mislabelled); accuracy on 1,000 more:")
    for (key, name, model) in [
        ("logistic", "logistic regression (underfits)", Linear(2, 2, generator: RandomGenerator(seed: 9)) as Module),
        ("small", "MLP 2-4-4-2 (fits)", mlp(inputs: 2, width: 4, outputs: 2, seed: 10)),
        ("large", "MLP 2-256-256-2 (overfits)", mlp(inputs: 2, width: 256, outputs: 2, seed: 11)),
    ] {
        let history = try fit(
            model, optimizer: Adam(model.parameters, learningRate: 0.01), loss: crossEntropy, on: DataLoader(herd, batchSize: 100),
            epochs: steps, validation: DataLoader(meadow, batchSize: 1000), metrics: [.accuracy], verbose: false)
        let trainAccuracy = model.evaluating { classificationAccuracy(of: { model($0) }, on: herd) }
        record(
            name, [("training accuracy", trainAccuracy), ("accuracy on new animals", history.last("validation accuracy")!)], prefix: "2-D ",
            into: &metrics)
        pictures.append(
            RunPicture(
                name: "regions-\(key)", caption: "\(name): rabbits (brown) and unicorns (violet) by speed (→) and size (↑)",
                image: regions(model, herd).upscaled(by: 2)))
    }

    let outputs = RunOutputs(
        title: "Under- and overfitting",
        summary:
            "A line, a small and a large MLP fit 12 noisy samples of sin(2πx); three classifiers tell rabbits from unicorns; four remedies for overfitting.",
        settings: [
            ("training", "full-batch Adam, learning rate 0.01, \(steps) steps"),
            ("1-D data", "12 samples of sin(2πx) + N(0, 0.25²); 200 to validate"),
        ],
        metrics: metrics,
        plots: [
            RunPlot(name: "fits", plot: LinePlot(title: "Three fits of 12 noisy samples", xLabel: "x", yLabel: "y", series: fits)),
            RunPlot(
                name: "losses",
                plot: LinePlot(
                    title: "Training and validation loss", xLabel: "step", yLabel: "mean squared error", logY: true, series: lossCurves)),
            RunPlot(
                name: "remedies",
                plot: LinePlot(
                    title: "Validation loss of the large MLP with each remedy", xLabel: "step", yLabel: "mean squared error", logY: true,
                    series: remedyCurves)),
        ],
        pictures: pictures)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for line in try outputs.write(to: folder) { print("Wrote \(line)") }
} catch {
    print("overfitting: \(error)")
    exit(1)
}
