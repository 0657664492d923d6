import Foundation
import Myelin
import MyelinModels

// What a PixelCNN draws: digits sampled pixel by pixel, test digits with their lower half redrawn,
// and its negative log-likelihood as it trains.

/// A trained PixelCNN's pictures: a grid of samples (timed) and completions of test digits.
struct PixelCNNPictures {
    /// The drawn digits, 8 to a row, each tripled in size.
    let samples: Image
    /// Images drawn per second of sampling.
    let samplesPerSecond: Double
    /// Test digits as rows: the digit | its upper half | completions of the lower half (nil when none were asked for).
    let completions: Image?
    static let completionsPerDigit = 4

    /// `count` samples, and completions of `digits` [N, 1, H, W] (binary), all drawn from `seed`.
    init(model: PixelCNN, samples count: Int, completing digits: Tensor?, seed: UInt64) {
        let start = Date()
        let drawn = model.sample(count: count, generator: RandomGenerator(seed: seed))
        samplesPerSecond = Double(count) / Date().timeIntervalSince(start)
        samples = Image.grid(drawn, columns: 8, padding: 2, background: 96, scaling: .range(0, 1), upscale: 3)
        completions = digits.map {
            pixelCNNCompletions(
                of: model, digits: $0, completionsPerDigit: Self.completionsPerDigit, generator: RandomGenerator(seed: seed))
        }
    }

    var runPictures: [RunPicture] {
        let drawn = "digits drawn pixel by pixel, each given the pixels before it"
        var pictures = [RunPicture(name: "samples", caption: drawn, image: samples)]
        if let completions {
            let caption =
                "test digits, each row: the digit | its upper half (the lower half hidden, grey) | \(Self.completionsPerDigit) lower halves drawn given the upper half"
            pictures.append(RunPicture(name: "completions", caption: caption, image: completions))
        }
        return pictures
    }
}

/// Each of `digits` [N, 1, H, W] as a row: the digit, the digit with its lower half hidden (grey),
/// and `completionsPerDigit` completions of the lower half drawn by the model given the upper half;
/// pixels 0…1, every tile tripled in size.
func pixelCNNCompletions(of model: PixelCNN, digits: Tensor, completionsPerDigit: Int, generator: RandomGenerator) -> Image {
    let (count, height) = (digits.shape[0], digits.shape[2])
    let hidden = height / 2
    let occluded = digits.contiguousCopy()
    occluded.narrowed(axis: 2, start: hidden, length: height - hidden).fill(0.5)
    // Every digit repeated, its completions drawn as one batch.
    let repeated = digits.unsqueezed(axis: 1).expanded(to: [count, completionsPerDigit] + Array(digits.shape.dropFirst()))
        .reshaped([count * completionsPerDigit] + Array(digits.shape.dropFirst()))
    let completed = model.complete(repeated, fromRow: hidden, generator: generator)
        .reshaped([count, completionsPerDigit] + Array(digits.shape.dropFirst()))
    let rows = concatenate([digits.unsqueezed(axis: 1), occluded.unsqueezed(axis: 1), completed], axis: 1)
    return Image.grid(
        rows.reshaped([count * (completionsPerDigit + 2)] + Array(digits.shape.dropFirst())), columns: completionsPerDigit + 2,
        padding: 2, background: 96, scaling: .range(0, 1), upscale: 3)
}

/// The training NLL (each epoch's mean) and the test NLL after each epoch, in nats per image.
func pixelCNNLikelihoodPlot(_ history: TrainingHistory) -> LinePlot {
    LinePlot(
        title: "Negative log-likelihood", xLabel: "step", yLabel: "nats per image",
        series: [
            LinePlot.Series(
                name: "training (epoch mean)", points: history.points("mean loss").map { (x: Double($0.step), y: $0.value) }, markers: true),
            LinePlot.Series(
                name: "test (after each epoch)", points: history.points("test NLL").map { (x: Double($0.step), y: $0.value) }, markers: true
            ),
        ])
}
