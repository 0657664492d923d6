import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin explain`: which pixels a trained classifier's answers rest on, as heat maps over test
/// digits, with the check that deleting those pixels costs it more than deleting others.
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw saliency maps of a classifier trained by `myelin train`: which pixels its answers rest on.",
        discussion: """
            CHECKPOINT is a run folder of `myelin train mlp|lenet|cnn|vgg-mini` or its .safetensors file. For each of \
            --images test digits (up to half of them misclassified) it draws the digit and the map of how much \
            each pixel moves the score of the predicted class (saliency.png: bright = much). --method gradient \
            takes the plain gradient, smoothgrad averages it over noisy copies, integrated sums it along the \
            path from a black image, gradcam weighs the last convolution's feature maps by their gradient \
            (Grad-CAM; not for the mlp). Then it deletes the 10 % most salient pixels of --check-images test digits, \
            and as many random pixels, and prints how much each lowers the probability of the true digit.
            """)

    enum Method: String, ExpressibleByArgument, CaseIterable {
        case gradient, smoothgrad, integrated, gradcam
    }

    @Argument(help: "A `myelin train` run folder or checkpoint file.")
    var checkpoint: String

    @Option(help: "gradient, smoothgrad (default), integrated or gradcam.")
    var method: Method = .smoothgrad

    @Option(help: "Test digits to draw maps of.")
    var images = 16

    @Option(help: "Test digits for the deletion check.")
    var checkImages = 1000

    @OptionGroup var study: ClassifierStudyOptions

    private var seed: UInt64 { study.seed }

    func validate() throws {
        try requirePositive(("--images", images), ("--check-images", checkImages))
    }

    func run() throws {
        let classifier = try TrainedClassifier(contentsOf: checkpoint)
        let test = try study.testDigits()
        let name = classifier.runName
        let folder = try study.folder(command: "explain", runs: [name])
        let network = classifier.network
        let classify: (Tensor) -> Tensor = { network($0) }
        let maps = try mapMaker(for: classifier)
        let checked = test.subset(Array(0..<min(checkImages, test.count)))
        print("Explaining \(classifier.model.rawValue) from \(classifier.url.path) with \(method.rawValue) maps.")

        // The digits to draw: up to half of them misclassified, the rest classified right.
        let (inputs, labels) = checked.all()
        let truth = labels.integers
        let predicted = withoutGrad { network(inputs).argmax(axis: -1).integers }
        let wrong = truth.indices.filter { predicted[$0] != truth[$0] }
        let right = truth.indices.filter { predicted[$0] == truth[$0] }
        let shownWrong = Array(wrong.prefix(max(images / 2, images - right.count)))
        let shown = shownWrong + right.prefix(images - shownWrong.count)
        let (digits, _) = checked.batch(at: shown)
        let drawn = maps(digits, shown.map { predicted[$0] }, RandomGenerator(seed: seed))
        var tiles: [Image] = []
        for (k, i) in shown.enumerated() {
            let caption = predicted[i] == truth[i] ? "\(truth[i])" : "\(truth[i]) as \(predicted[i])"
            tiles += [digitTile(digits[k], caption: caption), Image(drawn[k], colormap: .viridis, upscale: 3)]
        }

        let generator = RandomGenerator(seed: seed)
        let check = DeletionCheck(on: checked, of: classify, maps: { maps($0, $1, generator) }, generator: generator)
        print(
            String(
                format:
                    "Deleting the 10 %% most salient pixels of %d test digits lowers the true digit's probability by %.4f on average (from %.4f); deleting 10 %% random pixels lowers it by %.4f.",
                check.count, check.salientDrop, check.probability, check.randomDrop))
        print(
            "\(wrong.count) of the \(checked.count) digits are misclassified; saliency.png shows \(shownWrong.count) of them first."
        )
        let outputs = RunOutputs(
            title: "myelin explain \(name)",
            summary: "Which pixels \(name)'s answers rest on (\(method.rawValue) saliency), and what deleting them costs.",
            settings: [
                ("method", method.rawValue), ("maps", String(shown.count)),
                ("deletion check", "\(check.count) test digits, 10 % of the pixels"),
                ("seed", String(seed)),
            ],
            metrics: [
                ("true-class probability", String(format: "%.4f", check.probability)),
                ("drop deleting the most salient 10 %", String(format: "%.4f", check.salientDrop)),
                ("drop deleting 10 % at random", String(format: "%.4f", check.randomDrop)),
                ("misclassified", String(wrong.count)),
            ],
            pictures: [
                RunPicture(
                    name: "saliency",
                    caption:
                        "test digits (\"7 as 2\": a 7 it took for a 2) beside their \(method.rawValue) maps for the predicted digit, bright where a pixel moves its score most",
                    image: Image.grid(tiles, columns: 4, padding: 2, background: 128))
            ])
        printWritten(try outputs.write(to: folder))
    }

    /// The maps of `--method` for a batch and its classes, [N, H, W] at the images' size.
    private func mapMaker(for classifier: TrainedClassifier) throws -> (Tensor, [Int], RandomGenerator) -> Tensor {
        let network = classifier.network
        let saliency: Saliency.Method
        switch method {
        case .gradient: saliency = .gradient
        case .smoothgrad: saliency = .smoothGrad
        case .integrated: saliency = .integratedGradients
        case .gradcam:
            guard let convolutional = network as? ConvolutionalClassifier else {
                throw CommandError(
                    "\(classifier.model.closedConvolutions) for Grad-CAM to look at: use --method gradient, smoothgrad or integrated"
                )
            }
            let (features, head) = convolutional.lastConvolution
            return { images, classes, _ in
                let (n, height, width) = (images.shape[0], images.shape[2], images.shape[3])
                let cams = GradCAM.maps(images, classes: classes, features: features, head: head)
                return withoutGrad {
                    cams.reshaped([n, 1, cams.shape[1], cams.shape[2]]).upsampled(size: (height, width), mode: .bilinear)
                        .reshaped([n, height, width])
                }
            }
        }
        return { images, classes, generator in
            Saliency(saliency).maps(images, classes: classes, of: { network($0) }, generator: generator)
        }
    }
}
