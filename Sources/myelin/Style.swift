import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin style`: neural style transfer (Gatys et al.), or texture synthesis without --content.
struct Style: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Paint a picture in the style of another (Gatys et al.'s neural style transfer), or grow a texture from noise.",
        discussion: """
            The picture is optimised until its features have the Gram matrices of --style's (the style) and the maps \
            of --content's at one layer (the content), smoothed by total variation. Without --content it synthesises \
            a texture from noise: the style loss alone. The features are VGG16's with --weights (torchvision's \
            vgg16-397923af.pth turned into safetensors by Tools/torchvision_to_safetensors.py), otherwise those of a \
            random multi-scale ConvNet (Ustyuzhaninov et al. 2017), which needs no weights. It writes result.png, \
            progress.png (the picture every few steps), loss.svg/.png, report.html and results.json.
            """)

    @Option(help: ArgumentHelp("The picture to repaint (PNG); without it, a texture is grown from noise.", valueName: "file"))
    var content: String?

    @Option(help: ArgumentHelp("The picture whose style to take (PNG).", valueName: "file"))
    var style: String

    @Option(help: "Folder for the pictures and results (default: runs/style-CONTENT-STYLE, or runs/texture-STYLE).")
    var out: String?

    @Option(help: "Evaluations of the loss and its gradient (for Adam, one update each).")
    var steps = 300

    @Option(help: "lbfgs (with the strong-Wolfe line search) or adam.")
    var optimizer: StyleTransfer.Method = .lbfgs

    @Option(help: "Adam's learning rate, in pixel values from 0 to 1.")
    var learningRate: Float = 0.02

    @Option(help: "The long side of the result in pixels; both pictures are scaled to it.")
    var size = 128

    @Option(help: "Weight of the style loss (each layer's relative to its Gram matrix's size).")
    var styleWeight: Float = 10

    @Option(help: "Weight of the content loss (relative to the content maps' size).")
    var contentWeight: Float = 1

    @Option(help: "Weight of the total-variation loss (squared differences of neighbouring pixels).")
    var tvWeight: Float = 10

    @Option(
        help: ArgumentHelp(
            "VGG16 weights as safetensors (torchvision's names); without it, random multi-scale features.", valueName: "file"))
    var weights: String?

    @Option(help: "Where the picture starts: content or noise (default: content when there is one).")
    var initial: Start?

    @Option(help: "How many pictures of the progress strip, after the start.")
    var snapshots = 8

    @Option(help: "Random seed: the random features and the noise.")
    var seed: UInt64 = 0

    enum Start: String, ExpressibleByArgument, CaseIterable { case content, noise }

    func validate() throws {
        try requirePositive(("--steps", steps), ("--snapshots", snapshots))
        try requirePositive(learningRate: learningRate)
        guard size >= 16 && size <= 2048 else { throw ValidationError("--size must be from 16 to 2048 pixels") }
        for (name, weight) in [("--style-weight", styleWeight), ("--content-weight", contentWeight), ("--tv-weight", tvWeight)] {
            guard weight >= 0 && weight.isFinite else { throw ValidationError("\(name) must be a number ≥ 0") }
        }
        if initial == .content && content == nil { throw ValidationError("--initial content needs --content") }
    }

    func run() throws {
        let stylePicture = try picture(style, longSide: size)
        let contentPicture = try content.map { try picture($0, longSide: size) }
        let features: StyleFeatures =
            try weights.map { try VGG16StyleFeatures(contentsOf: URL(fileURLWithPath: $0)) } ?? RandomMultiscaleFeatures(seed: seed)
        for (file, picture) in [(style, stylePicture)] + (content.map { [($0, contentPicture!)] } ?? []) {
            guard min(picture.shape[2], picture.shape[3]) >= features.smallestSide else {
                throw CommandError(
                    "\(file) is \(picture.shape[3])×\(picture.shape[2]) at --size \(size); its short side must be at least "
                        + "\(features.smallestSide) pixels for these features: raise --size")
            }
        }
        let name = { (path: String) in URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }
        let folder = try makeOutputDirectory(
            out ?? "runs/" + (content.map { "style-\(name($0))-\(name(style))" } ?? "texture-\(name(style))"))
        let generator = RandomGenerator(seed: seed)
        let shape = contentPicture?.shape ?? stylePicture.shape
        let start =
            (initial ?? (content == nil ? .noise : .content)) == .content
            ? contentPicture! : (Tensor.randn(shape, generator: generator) * 0.1 + 0.5)

        let what =
            content.map { "\($0) (\(shape[3])×\(shape[2])) in the style of \(style)" } ?? "a \(shape[3])×\(shape[2]) texture like \(style)"
        print("Painting \(what) with \(optimizer.rawValue), \(steps) steps.")
        print("Features: \(features.summary).")
        let transfer = StyleTransfer(
            steps: steps, method: optimizer, learningRate: learningRate, styleWeight: styleWeight, contentWeight: contentWeight,
            totalVariationWeight: tvWeight)
        let every = max(1, steps / snapshots)
        var strip: [(Int, Tensor)] = [(0, start)]
        var curve: [(x: Double, y: Double)] = []
        var bar = ProgressBar(total: steps, label: content == nil ? "texture" : "style")
        let began = Date()
        let result = transfer.run(from: start, content: contentPicture, style: stylePicture, features: features) { progress in
            curve.append((Double(progress.step), Double(progress.losses.total)))
            if progress.step % every == 0 && strip.count <= snapshots { strip.append((progress.step, progress.image.contiguousCopy())) }
            bar.update(progress.step, String(format: "loss %.4g", progress.losses.total))
        }
        let seconds = Date().timeIntervalSince(began)
        bar.finish(String(format: "loss %.4g", result.last.total))
        guard result.last.total.isFinite else {
            throw CommandError("the loss became \(result.last.total) within \(result.steps) steps: lower --learning-rate or the weights")
        }
        print(
            String(
                format: "Loss %.4g → %.4g (style %.4g, content %.4g, total variation %.4g) in %d steps, %.1f s.",
                result.first.total, result.last.total, result.last.style, result.last.content, result.last.totalVariation, result.steps,
                seconds))

        let image = { (t: Tensor) in Image(t[0], scaling: .range(0, 1)) }
        var tiles = strip.map { step, picture in
            var tile = image(picture)
            tile.drawText(String(step), x: 2, y: 2, value: 255)
            return tile
        }
        if strip.last?.0 != result.steps {
            var tile = image(result.image)
            tile.drawText(String(result.steps), x: 2, y: 2)
            tiles.append(tile)
        }
        let inputs = [contentPicture, stylePicture].compactMap { $0 }.map { image($0) }
        let outputs = RunOutputs(
            title: "myelin style",
            summary: content == nil
                ? "A texture grown from noise until its features' Gram matrices are those of \(style)."
                : "\(content!) repainted in the style of \(style) (Gatys et al.'s neural style transfer).",
            settings: [
                ("content", content ?? "none (texture synthesis)"), ("style", style), ("size", "\(shape[3])×\(shape[2])"),
                ("optimizer", optimizer.rawValue), ("steps", String(steps)),
                ("learning rate", optimizer == .adam ? String(learningRate) : "line search"),
                ("style weight", String(styleWeight)), ("content weight", String(content == nil ? 0 : contentWeight)),
                ("tv weight", String(tvWeight)), ("start", content == nil || initial == .noise ? "noise" : "content"),
                ("seed", String(seed)),
                ("features", features.summary),
            ],
            metrics: [
                ("loss at start", "\(result.first.total)"), ("loss", "\(result.last.total)"), ("style loss", "\(result.last.style)"),
                ("content loss", "\(result.last.content)"), ("total variation loss", "\(result.last.totalVariation)"),
                ("steps run", "\(result.steps)"), ("seconds", String(format: "%.1f", seconds)),
            ],
            plots: [
                RunPlot(
                    name: "loss",
                    plot: LinePlot(
                        title: "Loss", xLabel: "evaluation", yLabel: "weighted loss", logY: true,
                        series: [LinePlot.Series(name: "loss", points: curve)]))
            ],
            pictures: [
                RunPicture(name: "result", caption: "the result", image: image(result.image)),
                RunPicture(
                    name: "progress", caption: "the picture at the start and every \(every) steps",
                    image: Image.grid(tiles, columns: tiles.count, padding: 2, background: 255)),
                RunPicture(
                    name: "inputs", caption: content == nil ? "the style" : "the content and the style",
                    image: sideBySide(inputs)),
            ])
        printWritten(try outputs.write(to: folder))
    }

    /// A PNG as RGB in [0, 1] ([1, 3, H, W]), its long side scaled to `longSide`: averaged over the
    /// pixels each new one covers when shrinking, bilinear when enlarging.
    private func picture(_ path: String, longSide: Int) throws -> Tensor {
        let picture = try Image(contentsOfPNG: URL(fileURLWithPath: path)).rgb()
        let (h, w) = (picture.height, picture.width)
        var planar = [Float](repeating: 0, count: 3 * h * w)
        for p in 0..<(h * w) {
            for c in 0..<3 { planar[c * h * w + p] = Float(picture.pixels[p * 3 + c]) / 255 }
        }
        let tensor = Tensor(shape: [1, 3, h, w], scalars: planar)
        let scale = Double(longSide) / Double(max(h, w))
        let size = (height: max(1, Int((Double(h) * scale).rounded())), width: max(1, Int((Double(w) * scale).rounded())))
        if scale < 1 { return adaptiveAvgPool2d(tensor, outputSize: Size2D(size.height, size.width)) }
        return scale > 1 ? tensor.upsampled(size: size, mode: .bilinear) : tensor
    }
}

/// Pictures of any sizes in a row, tops aligned, 2 white pixels between and around them.
private func sideBySide(_ pictures: [Image]) -> Image {
    let height = pictures.map(\.height).max()! + 4, width = pictures.reduce(2) { $0 + $1.width + 2 }
    var row = Image(width: width, height: height, channels: 3, fill: 255)
    var left = 2
    for picture in pictures.map({ $0.rgb() }) {
        for y in 0..<picture.height {
            for x in 0..<picture.width {
                for c in 0..<3 { row[x: left + x, y: 2 + y, channel: c] = picture[x: x, y: y, channel: c] }
            }
        }
        left += picture.width + 2
    }
    return row
}

extension StyleTransfer.Method: ExpressibleByArgument {}
