import ArgumentParser
import Myelin
import MyelinModels

/// The models `myelin train` knows, each with the recipe it trains well with on MNIST.
enum ZooModel: String, ExpressibleByArgument, CaseIterable {
    case mlp, lenet, cnn
    case vggMini = "vgg-mini"

    var summary: String {
        switch self {
        case .mlp: return "784 → 256 → 256 → 10 with ReLU (the MNIST MLP benchmark's network)"
        case .lenet: return "LeNet-5: two 5×5 convolutions with max pooling, three linear layers (the LeNet-5 benchmark's network)"
        case .cnn:
            return
                "the PyTorch MNIST example ConvNet: two 3×3 convolutions, max pooling, dropout, log-softmax (the MNIST ConvNet benchmark's network)"
        case .vggMini: return "VGG-style: three blocks of two 3×3 convolutions with batch norm, global average pooling"
        }
    }

    func make(generator: RandomGenerator) -> Module {
        switch self {
        case .mlp: return multilayerPerceptron([784, 256, 256, 10], generator: generator)
        case .lenet: return LeNet(generator: generator)
        case .cnn: return MNISTConvNet(generator: generator)
        case .vggMini: return VGGMini(widths: [16, 32, 64], generator: generator)
        }
    }

    var learningRate: Float {
        switch self {
        case .mlp: return 0.1
        case .lenet: return 0.05
        case .cnn, .vggMini: return 1e-3
        }
    }
    var batchSize: Int { self == .mlp ? 128 : 64 }
    var epochs: Int { self == .mlp || self == .lenet ? 3 : 1 }
    /// The cnn ends in log-softmax, so it trains with the negative log-likelihood.
    var loss: LossFunction {
        self == .cnn ? nllLoss : crossEntropy
    }

    func makeOptimizer(_ parameters: [Tensor], learningRate: Float) -> (Optimizer, String) {
        switch self {
        case .mlp, .lenet:
            return (SGD(parameters, learningRate: learningRate, momentum: 0.9), "SGD lr \(learningRate), momentum 0.9")
        case .cnn, .vggMini:
            return (Adam(parameters, learningRate: learningRate), "Adam lr \(learningRate)")
        }
    }
}
