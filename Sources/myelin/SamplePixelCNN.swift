import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin sample pixelcnn CHECKPOINT`: digits drawn pixel by pixel by a trained PixelCNN, and test
/// digits whose lower half it completes.
struct SamplePixelCNN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pixelcnn",
        abstract: "Draw digits and complete half-hidden test digits with a PixelCNN trained by `myelin train pixelcnn`.",
        discussion: """
            Example: myelin sample pixelcnn runs/pixelcnn/pixelcnn.safetensors --count 64 --complete 8 --out runs/pixelcnn-samples
            draws --count digits pixel by pixel (OUT/samples.png) and redraws the lower half of the first --complete \
            test digits given their upper half, binarised as the run was trained (OUT/completions.png: each row \
            the digit, its upper half, 4 completions).
            """)

    @Argument(help: "A checkpoint written by `myelin train pixelcnn` (OUT/pixelcnn.safetensors).")
    var checkpoint: String

    @Option(help: "Digits to draw, 8 to a row.")
    var count = 64

    @Option(help: "Test digits whose lower half to complete (0 for none).")
    var complete = 8

    @Option(help: "Folder holding the MNIST files for --complete (default: the project's Data/mnist).")
    var data: String?

    @Option(help: "Folder for samples.png and completions.png.")
    var out = "runs/pixelcnn-samples"

    @Option(help: "Random seed: the same seed gives the same digits.")
    var seed: UInt64 = 0

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard complete >= 0 else { throw ValidationError("--complete must not be negative") }
    }

    func run() throws {
        let url = URL(fileURLWithPath: checkpoint)
        let model = try PixelCNN(checkpoint: url)
        let recipe = try CheckpointMetadata.value(
            PixelCNNRecipe.self, key: PixelCNNRecipe.metadataKey,
            in: TrainingCheckpoint.read(url, format: PixelCNN.checkpointFormat).metadata, path: url.path, what: "training recipe")
        var digits: Tensor?
        if complete > 0 {
            let test = try MNIST(split: .test, directory: data.map { URL(fileURLWithPath: $0) }).binarized(recipe.binarization.binarization)
            digits = test.batch(at: 0..<min(complete, test.count)).inputs
        }
        let folder = try makeOutputDirectory(out)
        let pictures = PixelCNNPictures(model: model, samples: count, completing: digits, seed: seed)
        var written = [folder.appendingPathComponent("samples.png")]
        try pictures.samples.writePNG(to: written[0])
        if let completions = pictures.completions {
            written.append(folder.appendingPathComponent("completions.png"))
            try completions.writePNG(to: written[1])
        }
        print(String(format: "Drew %d digits at %.2f images/s.", count, pictures.samplesPerSecond))
        printWritten(written.map(\.path))
    }
}
