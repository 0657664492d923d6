import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin sample gan CHECKPOINT`: digits from a GAN trained by `myelin train gan` — of one kind, or
/// the ten in one handwriting, from a conditional GAN — and latent arithmetic on how they are written.
struct SampleGAN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gan",
        abstract: "Draw digits with a GAN trained by `myelin train gan`.",
        discussion: """
            Example: myelin sample gan runs/gan/gan.safetensors --digit 7 --count 64
            A conditional GAN (myelin train gan --conditional) draws --count samples of the digit asked for \
            (OUT/digit-7.png); without --digit, rows of the ten digits, each row from one noise vector: one \
            handwriting a row (OUT/digits.png). An unconditional one draws --count digits (OUT/samples.png). \
            With --classifier RUN, a classifier reads the conditional GAN's digits and the share read as the \
            digit asked for is reported.

            --arithmetic thickness|slant does Radford et al.'s latent arithmetic: G draws 2,000 digits, the \
            attribute is measured on each (thickness: inked area over skeleton length; slant: the shear of the \
            ink's second moments), and the mean noise of the 20% that measure highest minus that of the 20% \
            lowest is a direction; 1,000 new noise vectors moved k times along it show how far it changes the \
            attribute, and OUT/arithmetic-ATTRIBUTE.png shows ten of them, a row per k. Figures go to \
            OUT/results.json and OUT/report.html too.
            """)

    @Argument(help: "A checkpoint written by `myelin train gan` (OUT/gan.safetensors).")
    var checkpoint: String

    @Option(help: "The digit (0–9) a conditional GAN is asked for.")
    var digit: Int?

    @Option(help: "Digits to draw (default 64; rows of the ten digits make ⌈count/10⌉ rows).")
    var count = 64

    @Option(help: "Latent arithmetic on an attribute of the strokes: thickness or slant.")
    var arithmetic: StrokeAttribute?

    @Option(help: "A classifier trained by `myelin train MODEL` (its folder or checkpoint) to read a conditional GAN's digits.")
    var classifier: String?

    @Option(help: "Random seed: the same seed draws the same noise.")
    var seed: UInt64 = 0

    @Option(help: "Folder for the pictures, report.html and results.json (default runs/gan-samples).")
    var out: String?

    func validate() throws {
        if let digit, !(0...9).contains(digit) { throw ValidationError("--digit must be a digit 0…9, got \(digit)") }
        guard (1...10_000).contains(count) else { throw ValidationError("--count must be in 1…10000") }
    }

    func run() throws {
        let url = URL(fileURLWithPath: checkpoint)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CommandError("\(url.path) does not exist: give the gan.safetensors that `myelin train gan` wrote")
        }
        let gan = try GANTrainer(contentsOf: url)
        let conditional = gan.configuration.conditional
        if !conditional && (digit != nil || classifier != nil) {
            throw CommandError(
                "\(url.path) holds an unconditional GAN (\(gan.configuration.summary)), which cannot be asked for a digit: train one with `myelin train gan --conditional`"
            )
        }
        let folder = try makeOutputDirectory(out ?? "runs/gan-samples")
        print("GAN \(gan.configuration.summary) from \(url.path)")
        let random = RandomGenerator(seed: seed)
        var outputs = RunOutputs(
            title: "myelin sample gan",
            summary: "Digits drawn by the GAN of \(url.path).",
            settings: [("networks", gan.configuration.summary), ("seed", String(seed))])

        // The digits: of one kind, the ten in rows, or whatever an unconditional G draws.
        let (noise, labels): (Tensor, Tensor?)
        let name: String, caption: String, columns: Int
        if let digit {
            (noise, labels) = (Tensor.randn([count, gan.configuration.noiseSize], generator: random), Self.labels(digit, count: count))
            (name, caption, columns) = ("digit-\(digit)", "\(count) digits drawn as a \(digit)", 8)
        } else if conditional {
            (noise, labels) = tenDigits(of: Tensor.randn([(count + 9) / 10, gan.configuration.noiseSize], generator: random))
            (name, caption, columns) = ("digits", "the ten digits, a row for each noise vector: one handwriting a row", 10)
        } else {
            (noise, labels) = (Tensor.randn([count, gan.configuration.noiseSize], generator: random), nil)
            (name, caption, columns) = ("samples", "\(count) digits of G", 8)
        }
        let images = gan.generate(noise, labels: labels)
        outputs.pictures.append(RunPicture(name: name, caption: caption, image: sampleGrid(images, columns: columns)))
        if let classifier, let labels {
            let reader = try digitReader(classifier, train: try MNIST(split: .train), seed: seed)
            let read = reader.evaluating { reader((images + 1) * 0.5) }.argmax(axis: 1).integers
            let share = Double(zip(read, labels.integers).filter { $0 == $1 }.count) / Double(read.count)
            print(String(format: "The classifier reads %.1f%% of the %d digits as the digit asked for.", 100 * share, read.count))
            outputs.metrics.append(("recognised as the digit asked for", String(format: "%.4f", share)))
        }
        if let arithmetic {
            let (picture, figures) = latentArithmetic(arithmetic, on: gan, random: random)
            outputs.pictures.append(picture)
            outputs.metrics += figures
        }
        printWritten(try outputs.write(to: folder))
    }

    /// [count] int64 labels, all `digit`.
    private static func labels(_ digit: Int, count: Int) -> Tensor { Tensor(integers: Array(repeating: digit, count: count)) }

    /// The direction of `attribute` from 2,000 of G's digits, what moving 1,000 new noise vectors
    /// along it does to the attribute (printed, and returned as figures), and the picture: ten of
    /// them, a row per step. A conditional G is asked for --digit, or for the ten digits in turn.
    private func latentArithmetic(_ attribute: StrokeAttribute, on gan: GANTrainer, random: RandomGenerator)
        -> (RunPicture, [(String, String)])
    {
        let z = gan.configuration.noiseSize
        func labels(_ n: Int) -> Tensor? {
            guard gan.configuration.conditional else { return nil }
            return digit.map { Self.labels($0, count: n) } ?? Tensor(integers: (0..<n).map { $0 % 10 })
        }
        let found = gan.latentDirection(of: attribute, noise: Tensor.randn([2000, z], generator: random), labels: labels(2000))
        let steps: [Float] = [-1.5, -1, -0.5, 0, 0.5, 1, 1.5]
        let means = gan.attributeMeans(
            of: attribute, along: found.direction, steps: steps, noise: Tensor.randn([1000, z], generator: random), labels: labels(1000))
        let unit = attribute == .thickness ? "pixels" : "x per y"
        print(
            String(
                format:
                    "%@: the %d digits that measure highest average %.3f %@, the %d lowest %.3f; their noise differs by a vector of length %.2f.",
                attribute.rawValue, found.groupSize, found.groupMeans.high, unit, found.groupSize, found.groupMeans.low,
                Double(found.direction.square().sum().item.squareRoot())))
        print("Mean \(attribute.rawValue) of 1,000 new digits moved k times along it:")
        print("  " + zip(steps, means).map { String(format: "k %+.1f: %.3f", $0, $1) }.joined(separator: "  "))
        let rowNoise = Tensor.randn([10, z], generator: random), rowLabels = labels(10)
        let rows = steps.map { k in gan.generate(rowNoise + found.direction * k, labels: rowLabels) }
        let picture = RunPicture(
            name: "arithmetic-\(attribute.rawValue)",
            caption:
                "latent arithmetic on \(attribute.rawValue): ten noise vectors (columns) moved k times (rows) along the direction from the fifth of 2,000 samples that measure lowest to the fifth that measure highest",
            image: labelledRows(rows, labels: steps.map { String(format: "k %+.1f", $0) }))
        let figures =
            [
                ("\(attribute.rawValue) of the highest fifth", found.groupMeans.high),
                ("\(attribute.rawValue) of the lowest fifth", found.groupMeans.low),
            ] + zip(steps, means).map { (String(format: "\(attribute.rawValue) at k %+.1f", $0), $1) }
        return (picture, figures.map { ($0.0, String(format: "%.4f", $0.1)) })
    }
}

extension StrokeAttribute: ExpressibleByArgument {}
