import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin segment`: labels every pixel of a picture with a U-Net trained by `myelin train
/// segmentation`, and draws the labels in the training run's palette.
struct Segment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Label every pixel of a greyscale picture with a U-Net trained by `myelin train segmentation`.",
        discussion: """
            CHECKPOINT is a `myelin train segmentation` run folder or its .safetensors file. IMAGE is a PNG \
            of light digits on a dark ground, as MNIST's (--invert for dark on light); colour pictures are \
            read as the mean of their channels. Any size works: the picture is padded with background to \
            a multiple of 8 pixels and the labels cropped back. The coloured labels (background grey, a \
            colour per digit, the palette of the training run's pictures) go to --out, and the digits \
            found are printed with their pixel counts.
            """)

    @Argument(help: "A `myelin train segmentation` run folder or checkpoint file.")
    var checkpoint: String

    @Argument(help: "The PNG picture to label.")
    var image: String

    @Option(help: "Where to write the coloured labels (default: IMAGE's name with -labels.png, in the current folder).")
    var out: String?

    @Flag(help: "The picture has dark digits on a light ground: flip it first.")
    var invert = false

    func run() throws {
        let model = try UNet(checkpoint: try checkpointFile(checkpoint, named: TrainSegmentation.checkpointName, command: "segmentation"))
        let palette = LabelPalette.digits
        guard model.configuration.classes <= palette.colors.count else {
            throw CommandError(
                "\(checkpoint): the model has \(model.configuration.classes) classes, more than the \(palette.colors.count) colours of the digits' palette"
            )
        }
        let url = URL(fileURLWithPath: image)
        var picture = grayPicture(try Image(contentsOfPNG: url))
        if invert { picture = 1 - picture }
        let (height, width) = (picture.shape[2], picture.shape[3])
        // Fully convolutional: only the sides must be multiples of the total stride.
        let stride = model.configuration.totalStride
        let padded = picture.padded(left: 0, right: (stride - width % stride) % stride, top: 0, bottom: (stride - height % stride) % stride)
        let paddedWidth = padded.shape[3]
        let predicted = model.predictedClasses(padded).integers
        let classes = (0..<height).flatMap { y in predicted[(y * paddedWidth)..<(y * paddedWidth + width)] }
        let output = URL(fileURLWithPath: out ?? url.deletingPathExtension().lastPathComponent + "-labels.png")
        try palette.image(classes: classes, height: height, width: width).writePNG(to: output)
        var counts = [Int](repeating: 0, count: model.configuration.classes)
        for label in classes { counts[label] += 1 }
        let names =
            model.configuration.classes == DigitCanvases.classCount ? DigitCanvases.classNames : counts.indices.map { "class \($0)" }
        let found = counts.indices.dropFirst().filter { counts[$0] > 0 }
        print("Labelled \(url.path) (\(width)×\(height)): \(counts[0]) background pixels.")
        print(
            found.isEmpty
                ? "No digit found."
                : "Pixels per digit found: " + found.map { "\(names[$0]) \(counts[$0])" }.joined(separator: ", ") + ".")
        print("Wrote \(output.path) — the labels in colour, in the palette of the key under the training run's segmentation.png.")
    }
}
