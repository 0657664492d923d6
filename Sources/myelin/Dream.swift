import ArgumentParser
import Foundation
import Myelin
import MyelinModels

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
            dream.png, report.html and results.json. With --channels it draws what excites each channel of the \
            last convolution most (LeNet, cnn, vgg-mini; --layer N for another), with --image it dreams into a \
            picture of your own (Deep Dream).
            """)

    @Argument(help: "A `myelin train` run folder or checkpoint file.")
    var checkpoint: String

    @Option(help: ArgumentHelp("The digits to draw, e.g. 3 or 0-9 or 1,7 (default: all ten).", valueName: "digits"))
    var `class`: String = "0-9"

    @Option(
        help: ArgumentHelp(
            "Instead of digits, draw what excites these channels of the convolution (--layer, default the last) most, e.g. 0-15.",
            valueName: "channels"))
    var channels: String?

    @Option(help: "With --channels or --image: the convolution to look into, counted from the input (default: the last).")
    var layer: Int?

    @Option(
        help: ArgumentHelp(
            "Deep Dream on this PNG (read as gray in [0, 1]): whatever the convolution (--layer, default the last) sees in it grows.",
            valueName: "file"))
    var image: String?

    @Option(help: "Gradient-ascent steps.")
    var steps = 300

    @Option(help: "L2 decay per step (0 to turn it off).")
    var decay: Float = 0.002

    @Option(help: "Standard deviation of the blur (0 to turn it off).")
    var blur: Float = 0.3

    @OptionGroup var study: ClassifierStudyOptions

    func validate() throws {
        _ = try numbers(`class`, option: "--class", upTo: 9)
        _ = try channels.map { try numbers($0, option: "--channels", upTo: 4095) }
        try requirePositive(("--steps", steps))
        guard (0...1).contains(decay), blur >= 0 else { throw ValidationError("--decay must be in [0, 1] and --blur at least 0") }
    }

    /// "3", "1,7", "0-9" as numbers from 0 to `largest`.
    func numbers(_ text: String, option: String, upTo largest: Int) throws -> [Int] {
        var numbers: [Int] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let ends = part.split(separator: "-").compactMap { Int($0) }
            guard (1...2).contains(ends.count), ends.allSatisfy({ (0...largest).contains($0) }), ends[0] <= ends.last! else {
                throw ValidationError("\(option): '\(part)' is not a number 0…\(largest) or a range such as 0-9")
            }
            numbers += Array(ends[0]...ends.last!)
        }
        guard !numbers.isEmpty else { throw ValidationError("\(option) needs at least one number, e.g. 3 or 0-9") }
        return numbers
    }

    func run() throws {
        let classifier = try TrainedClassifier(contentsOf: checkpoint)
        let folder = try study.folder(command: "dream", runs: [classifier.runName])
        let network = classifier.network
        let dreamer = ActivationMaximization(steps: steps, decay: decay, blurSigma: blur)
        let generator = RandomGenerator(seed: study.seed)
        var tiles: [Image] = []
        var metrics: [(String, String)] = []
        let caption: String
        if let image {
            let (features, model) = (try convolution(of: classifier), classifier.model.rawValue)
            let url = URL(fileURLWithPath: image)
            let picture = try grayPicture(Image(contentsOfPNG: url))
            print(
                "Dreaming \(url.path) (\(picture.shape[3])×\(picture.shape[2])) with \(convolutionName) of \(model) from \(classifier.url.path)."
            )
            let dream = dreamer.deepDream(picture, features: features, generator: generator)
            let (before, after) = withoutGrad { (features(picture).square().mean().item, features(dream).square().mean().item) }
            print(String(format: "  mean square activation %.4f → %.4f", before, after))
            metrics = [("mean square activation before", String(format: "%.4f", before)), ("after", String(format: "%.4f", after))]
            let upscale = max(1, 96 / max(picture.shape[2], picture.shape[3]))
            tiles = [picture[0], dream[0]].map { Image($0, scaling: .range(0, 1), upscale: upscale).rgb() }
            caption = "the picture, and what \(convolutionName) of \(model) dreams into it (Deep Dream, 3 octaves)"
        } else if let channels {
            let features = try convolution(of: classifier)
            let wanted = try numbers(channels, option: "--channels", upTo: 4095)
            let count = withoutGrad { features(Tensor.zeros([1, 1, 28, 28])).shape[1] }
            guard wanted.allSatisfy({ $0 < count }) else {
                throw CommandError("--channels: that convolution of \(classifier.model.rawValue) has channels 0…\(count - 1)")
            }
            print("Dreaming channels \(channels) of \(convolutionName) of \(classifier.model.rawValue) from \(classifier.url.path).")
            let pictures = dreamer.channelImages(wanted, shape: [1, 28, 28], of: features, generator: generator)
            let activations = withoutGrad { features(pictures).mean(axes: [2, 3]) }
            for (i, channel) in wanted.enumerated() {
                let a = activations[i].scalars[channel]
                print(
                    String(format: "  channel %d: mean activation %.4f", channel, a)
                        + (a > 0 ? "" : "  (off from the gray start on: no gradient to climb)"))
                metrics.append(("mean activation of channel \(channel)", String(format: "%.4f", a)))
                tiles.append(digitTile(pictures[i], caption: "\(channel)"))
            }
            caption = "what excites each channel of \(convolutionName) most"
        } else {
            let wanted = try numbers(`class`, option: "--class", upTo: 9)
            print(
                "Dreaming \(wanted.count == 1 ? "a \(wanted[0])" : "digits \(wanted.map(String.init).joined(separator: ", "))") with \(classifier.model.rawValue) from \(classifier.url.path)."
            )
            let pictures = dreamer.classImages(wanted, shape: [1, 28, 28], of: { network($0) }, generator: generator)
            let probabilities = withoutGrad { network(pictures).softmax(axis: -1) }
            for (i, digit) in wanted.enumerated() {
                let p = probabilities[i].scalars[digit]
                print(String(format: "  %d: probability %.4f", digit, p) + (p >= 0.99 ? "" : "  (below 0.99: try more --steps)"))
                metrics.append(("probability of \(digit)", String(format: "%.4f", p)))
                tiles.append(digitTile(pictures[i], caption: String(format: "%d %.2f", digit, p)))
            }
            caption = "each digit as the classifier imagines it, with the probability it gives the picture"
        }
        let outputs = RunOutputs(
            title: "myelin dream \(classifier.runName)",
            summary: "What \(classifier.runName) imagines: pictures grown from noise by gradient ascent, \(caption).",
            settings: [
                ("steps", String(steps)), ("L2 decay", String(decay)), ("blur", "σ \(blur) every 4 steps"), ("jitter", "1 pixel"),
                ("seed", String(study.seed)),
            ],
            metrics: metrics,
            pictures: [
                RunPicture(
                    name: "dream", caption: caption,
                    image: Image.grid(tiles, columns: tiles.count <= 10 ? 5 : 8, padding: 2, background: 128))
            ])
        printWritten(try outputs.write(to: folder))
    }

    /// The features half of a ConvNet of the zoo, up to the activation of convolution --layer (the
    /// last by default).
    private func convolution(of classifier: TrainedClassifier) throws -> (Tensor) -> Tensor {
        guard let convolutional = classifier.network as? ConvolutionalClassifier else {
            throw CommandError("\(classifier.model.closedConvolutions) to look into: draw its digits (--class)")
        }
        let count = convolutional.convolutionCount
        guard (1...count).contains(layer ?? count) else {
            throw CommandError("--layer: \(classifier.model.rawValue) has convolutions 1…\(count), not \(layer!)")
        }
        return convolutional.splitAfterConvolution(layer ?? count).features
    }

    /// "the last convolution", or "convolution 1" with --layer.
    private var convolutionName: String { layer.map { "convolution \($0)" } ?? "the last convolution" }
}
