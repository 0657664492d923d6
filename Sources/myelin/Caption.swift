import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin caption`: describes a picture of digits in words with a captioner trained by `myelin
/// train captioning`, and draws where it looked for each word.
struct Caption: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Caption a picture of digits with a model trained by `myelin train captioning`.",
        discussion: """
            CHECKPOINT is a `myelin train captioning` run folder or its .safetensors file. IMAGE is a square \
            PNG (8-bit grey, grey with alpha, RGB or RGBA) of light digits on a dark ground, as MNIST's \
            (--invert for dark on light); colour is read as the mean of the channels. A picture of another \
            size is brought to the model's canvas (64×64): averaged down when its side is a multiple of \
            64, resized bilinearly otherwise. Prints the caption (with \
            --beam N, the N best by beam search with their log-probabilities) and writes --out: the \
            picture and, for each word, where the model looked when it wrote it.
            """)

    @Argument(help: "A `myelin train captioning` run folder or checkpoint file.")
    var checkpoint: String

    @Argument(help: "The PNG picture to caption.")
    var image: String

    @Option(help: "Beam width (default 1: greedy decoding).")
    var beam: Int = 1

    @Option(help: "Where to write the attention picture (default: IMAGE's name with -attention.png, in the current folder).")
    var out: String?

    @Flag(help: "The picture has dark digits on a light ground: flip it first.")
    var invert = false

    func validate() throws {
        try requirePositive(("--beam", beam))
    }

    func run() throws {
        let file = try checkpointFile(checkpoint, named: TrainCaptioning.checkpointName, command: "captioning")
        let (model, vocabulary) = try ShowAttendTell.trained(from: file)
        let url = URL(fileURLWithPath: image)
        let picture = try Self.canvas(from: Image(contentsOfPNG: url), path: url.path, side: model.configuration.side, invert: invert)
        let longest = CaptionedDigitCanvases.longestCaption(digits: 3) + 1
        let best = model.captions(
            of: picture, search: BeamSearch(width: beam, maxLength: longest), start: WordVocabulary.startID, end: WordVocabulary.endID)[0]
        let text = { (h: BeamSearch.Hypothesis) in h.tokens.isEmpty ? "(no words)" : WordTokenizer().text(vocabulary.decode(h.tokens)) }
        print("\(url.lastPathComponent): \(text(best[0]))")
        if beam > 1 {
            print("The \(best.count) best of a beam of \(beam):")
            for h in best { print(String(format: "  %8.3f  %@%@", h.logProbability, text(h), h.isComplete ? "" : " (cut off)")) }
        }
        let output = URL(fileURLWithPath: out ?? url.deletingPathExtension().lastPathComponent + "-attention.png")
        let drawn = attentionPicture(
            [CaptionedPicture(image: picture[0], caption: best[0].tokens, truth: nil)], model: model, vocabulary: vocabulary)
        try drawn.writePNG(to: output)
        print("Wrote \(output.path) — the picture and, for each word, where the model looked (yellow: most).")
    }

    /// `picture` as the model's input [1, 1, side, side]: grey in 0…1, flipped with `invert`, averaged
    /// down or resized bilinearly when its size differs. A picture that is not square is refused, naming `path`.
    static func canvas(from picture: Image, path: String, side: Int, invert: Bool) throws -> Tensor {
        guard picture.width == picture.height else {
            throw CommandError(
                "\(path) is \(picture.width)×\(picture.height): the captioner reads square canvases (\(side)×\(side)); crop it to a square first"
            )
        }
        var gray = grayPicture(picture)
        if invert { gray = 1 - gray }
        // A whole multiple is averaged down block by block; any other size is resampled.
        if picture.width % side == 0 { return picture.width == side ? gray : avgPool2d(gray, kernelSize: .init(picture.width / side)) }
        return gray.upsampled(size: (side, side), mode: .bilinear)
    }
}
