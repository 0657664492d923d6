import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// The models `myelin train` knows, each with the recipe it trains well with on MNIST.
enum ZooModel: String, ExpressibleByArgument, CaseIterable {
    case mlp, lenet, cnn
    case vggMini = "vgg-mini"
    case resnetMini = "resnet-mini"
    case inceptionMini = "inception-mini"
    case nin

    var summary: String {
        switch self {
        case .mlp: return "784 → 256 → 256 → 10 with ReLU (the MNIST MLP benchmark's network)"
        case .lenet: return "LeNet-5: two 5×5 convolutions with max pooling, three linear layers (the LeNet-5 benchmark's network)"
        case .cnn:
            return
                "the PyTorch MNIST example ConvNet: two 3×3 convolutions, max pooling, dropout, log-softmax (the MNIST ConvNet benchmark's network)"
        case .vggMini: return "VGG-style: three blocks of two 3×3 convolutions with batch norm, global average pooling"
        case .resnetMini: return "ResNet for digits: three residual stages of 16, 32 and 64 channels, global average pooling"
        case .inceptionMini: return "GoogLeNet for digits: two Inception modules with max pooling, global average pooling"
        case .nin: return "Network in Network for digits: three mlpconv blocks, the last one channel per class, global average pooling"
        }
    }

    func make(generator: RandomGenerator) -> Module {
        switch self {
        case .mlp: return multilayerPerceptron([784, 256, 256, 10], generator: generator)
        case .lenet: return LeNet(generator: generator)
        case .cnn: return MNISTConvNet(generator: generator)
        case .vggMini: return VGGMini(widths: [16, 32, 64], generator: generator)
        case .resnetMini: return ResNetMini(generator: generator)
        case .inceptionMini: return InceptionMini(generator: generator)
        case .nin: return NetworkInNetwork.mnist(generator: generator)
        }
    }

    var learningRate: Float {
        switch self {
        case .mlp: return 0.1
        case .lenet: return 0.05
        case .cnn, .vggMini, .resnetMini, .inceptionMini, .nin: return 1e-3
        }
    }
    /// Why `explain --method gradcam` and `dream --channels` cannot look into this model's convolutions.
    var closedConvolutions: String {
        self == .mlp ? "mlp has no convolution" : "\(rawValue) does not open its convolutions (lenet, cnn and vgg-mini do)"
    }

    var batchSize: Int { self == .mlp ? 128 : 64 }
    /// Network in Network learns slowly at first (its last block must find the classes by itself).
    var epochs: Int { self == .mlp || self == .lenet || self == .nin ? 3 : 1 }
    /// The cnn ends in log-softmax, so it trains with the negative log-likelihood.
    var loss: LossFunction {
        self == .cnn ? nllLoss : crossEntropy
    }

    func makeOptimizer(_ parameters: [Tensor], learningRate: Float) -> (Optimizer, String) {
        switch self {
        case .mlp, .lenet:
            return (SGD(parameters, learningRate: learningRate, momentum: 0.9), "SGD lr \(learningRate), momentum 0.9")
        case .cnn, .vggMini, .resnetMini, .inceptionMini, .nin:
            return (Adam(parameters, learningRate: learningRate), "Adam lr \(learningRate)")
        }
    }
}

/// An image classifier trained by `myelin train MODEL`, read back from its checkpoint (the file, or
/// the run's folder) to be explained or attacked, in evaluation mode.
///
/// Every zoo model's output works as logits: the cnn's ends in log-softmax already, and
/// log-softmax of log-probabilities gives them back, so `crossEntropy` and `softmax` mean the same
/// for all of them.
struct TrainedClassifier {
    let model: ZooModel
    let network: Module
    let url: URL

    init(contentsOf path: String) throws {
        var url = URL(fileURLWithPath: path)
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
            let names = ZooModel.allCases.map { "\($0.rawValue).safetensors" }
            guard let name = names.first(where: { FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path) }) else {
                throw CommandError(
                    "\(url.path) holds no classifier checkpoint (\(names.joined(separator: ", "))): train one with `myelin train lenet --out \(path)`"
                )
            }
            url = url.appendingPathComponent(name)
        }
        let file = try TrainingCheckpoint.read(url, format: TrainImageModel.Recipe.checkpointFormat)
        let recipe = try CheckpointMetadata.value(
            TrainImageModel.Recipe.self, key: TrainImageModel.Recipe.metadataKey, in: file.metadata, path: url.path,
            what: "training recipe")
        guard let model = ZooModel(rawValue: recipe.model) else {
            throw CommandError(
                "\(url.path) is a run of '\(recipe.model)', which this myelin does not know (it knows \(ZooModel.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        // Its initial weights are overwritten at once; a generator of its own leaves the global one untouched.
        let network = model.make(generator: RandomGenerator(seed: 0))
        do {
            try network.loadStateDict(TrainingCheckpoint.modelTensors(of: file))
        } catch {
            throw CommandError("\(url.path): its weights do not fit the \(model.rawValue) model: \(error)")
        }
        network.eval()
        (self.model, self.network, self.url) = (model, network, url)
    }
}

/// The classifier that reads a generative model's digits, in evaluation mode: the run of `myelin
/// train MODEL` at `path` (its folder or checkpoint), or without one a LeNet trained here for one
/// epoch on `train` (pixels in [0, 1], as the zoo's classifiers read them), from `seed`.
func digitReader(_ path: String?, train: @autoclosure () throws -> MNIST, seed: UInt64) throws -> Module {
    if let path {
        let run = try TrainedClassifier(contentsOf: path)
        print("The classifier that reads the digits: \(run.model.rawValue) from \(run.url.path).")
        return run.network
    }
    print("Training a LeNet on plain MNIST to read the digits (--classifier RUN uses one you have):")
    let model = ZooModel.lenet
    let network = model.make(generator: RandomGenerator(seed: seed))
    let (optimizer, _) = model.makeOptimizer(network.parameters, learningRate: model.learningRate)
    try fit(
        network, optimizer: optimizer, loss: model.loss,
        on: DataLoader(try train(), batchSize: model.batchSize, shuffle: true, generator: RandomGenerator(seed: seed)), epochs: 1,
        callbacks: [ProgressLogger(label: "classifier")])
    network.eval()
    return network
}

extension TrainedClassifier {
    /// The run's folder name ("lenet", "lenet-pgd"): what its figures and pictures go by.
    var runName: String { url.deletingLastPathComponent().lastPathComponent }
}

/// What the commands that look at trained classifiers (`explain`, `attack`) share: the test digits,
/// the output folder and the seed.
struct ClassifierStudyOptions: ParsableArguments {
    @Option(help: "Folder holding the MNIST files (default: the project's Data/mnist).")
    var data: String?

    @Option(help: "Folder for the pictures and results (default: runs/COMMAND-RUN, RUN the checkpoint's folder name).")
    var out: String?

    @Option(help: "Random seed: the same seed gives the same maps and attacks.")
    var seed: UInt64 = 0

    /// MNIST's test digits, from --data or the project's Data/mnist.
    func testDigits() throws -> MNIST { try MNIST(split: .test, directory: data.map { URL(fileURLWithPath: $0) }) }

    /// --out, or runs/COMMAND-RUN (runs joined by "-vs-"), created.
    func folder(command: String, runs: [String]) throws -> URL {
        try makeOutputDirectory(out ?? "runs/\(command)-\(runs.joined(separator: "-vs-"))")
    }
}

/// A picture of [0, 1] pixels ([1, H, W]) enlarged three times, the caption in its top-left corner,
/// as RGB to sit beside colour tiles: the tiles of `explain`, `attack` and `dream`.
func digitTile(_ digit: Tensor, caption: String) -> Image {
    var tile = Image(digit, scaling: .range(0, 1), upscale: 3).rgb()
    tile.drawText(caption, x: 2, y: 2)
    return tile
}
