import ArgumentParser
import Foundation
import Myelin

/// `myelin dream`: what a trained classifier thinks each digit looks like, grown by gradient
/// ascent on its logit (activation maximisation).
struct Dream: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw what a classifier trained by `myelin train` thinks each digit looks like (activation maximisation).",
        discussion: """
            CHECKPOINT is a run folder of `myelin train mlp|lenet|cnn|vgg-mini` or its .safetensors file. Starting \
            from gray noise, each picture is changed --steps times along the gradient of the digit's log-probability, \
            with Yosinski et al.'s regularisers: L2 decay, a Gaussian blur every 4 steps, jitter of a pixel. \
            It prints the probability the classifier gives each picture of being its digit and writes \
            dream.png, report.html and results.json.
            """)

    @Argument(help: "A `myelin train` run folder or checkpoint file.")
    var checkpoint: String

    @Option(help: ArgumentHelp("The digits to draw, e.g. 3 or 0-9 or 1,7 (default: all ten).", valueName: "digits"))
    var `class`: String = "0-9"

    @Option(help: "Gradient-ascent steps.")
    var steps = 300

    @Option(help: "L2 decay per step (0 to turn it off).")
    var decay: Float = 0.002

    @Option(help: "Standard deviation of the blur (0 to turn it off).")
    var blur: Float = 0.3

    @OptionGroup var study: ClassifierStudyOptions

    func validate() throws {
        _ = try digits()
        try requirePositive(("--steps", steps))
        guard (0...1).contains(decay), blur >= 0 else { throw ValidationError("--decay must be in [0, 1] and --blur at least 0") }
    }

    /// --class as digits: "3", "1,7", "0-9".
    func digits() throws -> [Int] {
        var digits: [Int] = []
        for part in `class`.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let ends = part.split(separator: "-").compactMap { Int($0) }
            guard (1...2).contains(ends.count), ends.allSatisfy({ (0...9).contains($0) }), ends[0] <= ends.last! else {
                throw ValidationError("--class: '\(part)' is not a digit 0…9 or a range such as 0-9")
            }
            digits += Array(ends[0]...ends.last!)
        }
        guard !digits.isEmpty else { throw ValidationError("--class needs at least one digit, e.g. 3 or 0-9") }
        return digits
    }

    func run() throws {
        let classifier = try TrainedClassifier(contentsOf: checkpoint)
        let folder = try study.folder(command: "dream", runs: [classifier.runName])
        let network = classifier.network
        let wanted = try digits()
        let dreamer = ActivationMaximization(steps: steps, decay: decay, blurSigma: blur)
        print(
            "Dreaming \(wanted.count == 1 ? "a \(wanted[0])" : "digits \(wanted.map(String.init).joined(separator: ", "))") with \(classifier.model.rawValue) from \(classifier.url.path)."
        )
        let pictures = dreamer.classImages(wanted, shape: [1, 28, 28], of: { network($0) }, generator: RandomGenerator(seed: study.seed))
        let probabilities = withoutGrad { network(pictures).softmax(axis: -1) }
        var tiles: [Image] = []
        var metrics: [(String, String)] = []
        for (i, digit) in wanted.enumerated() {
            let p = probabilities[i].scalars[digit]
            print(String(format: "  %d: probability %.4f", digit, p) + (p >= 0.99 ? "" : "  (below 0.99: try more --steps)"))
            metrics.append(("probability of \(digit)", String(format: "%.4f", p)))
            var tile = Image(pictures[i], scaling: .range(0, 1), upscale: 3).rgb()
            tile.drawText(String(format: "%d %.2f", digit, p), x: 2, y: 2)
            tiles.append(tile)
        }
        let outputs = RunOutputs(
            title: "myelin dream \(classifier.runName)",
            summary: "What \(classifier.runName) thinks each digit looks like: pictures grown from noise to raise the digit's logit.",
            settings: [
                ("steps", String(steps)), ("L2 decay", String(decay)), ("blur", "σ \(blur) every 4 steps"), ("jitter", "1 pixel"),
                ("seed", String(study.seed)),
            ],
            metrics: metrics,
            pictures: [
                RunPicture(
                    name: "dream", caption: "each digit as the classifier imagines it, with the probability it gives the picture",
                    image: Image.grid(tiles, columns: 5, padding: 2, background: 128))
            ])
        printWritten(try outputs.write(to: folder))
    }
}
