import MyelinNN
import MyelinTensor

/// The classic PyTorch MNIST example network (the MNIST ConvNet benchmark): two 3×3 convolutions, max pooling, dropout and
/// a fully connected head, ending in log-probabilities (train it with `nllLoss`). 1,199,882 parameters.
///
/// Shapes: [N, 1, 28, 28] → log-probabilities [N, 10].
public final class MNISTConvNet: Module {
    public let conv1: Conv2d
    public let conv2: Conv2d
    public let dropout1 = Dropout(0.25)
    public let dropout2 = Dropout(0.5)
    public let fc1: Linear
    public let fc2: Linear

    public init(classes: Int = 10, generator: RandomGenerator = .global) {
        conv1 = Conv2d(1, 32, kernelSize: 3, generator: generator)
        conv2 = Conv2d(32, 64, kernelSize: 3, generator: generator)
        fc1 = Linear(9216, 128, generator: generator)
        fc2 = Linear(128, classes, generator: generator)
    }

    public override func forward(_ input: Tensor) -> Tensor { head(convolutions(input)) }

    /// The two convolutions with their ReLUs: [N, 1, 28, 28] → [N, 64, 24, 24].
    private func convolutions(_ input: Tensor) -> Tensor {
        conv2.forward(conv1.forward(input, activation: .relu), activation: .relu)  // → 32×26×26 → 64×24×24
    }

    /// Pooling, dropout and the fully connected layers: [N, 64, 24, 24] → log-probabilities.
    private func head(_ x: Tensor) -> Tensor {
        let pooled = dropout1(maxPool2d(x, kernelSize: 2))  // → 64×12×12
        return fc2(dropout2(fc1.forward(pooled.flattened(startAxis: 1), activation: .relu))).logSoftmax(axis: 1)
    }
}

extension MNISTConvNet: ConvolutionalClassifier {
    public var convolutionCount: Int { 2 }

    public func splitAfterConvolution(_ number: Int) -> (features: (Tensor) -> Tensor, head: (Tensor) -> Tensor) {
        precondition(number == 1 || number == 2, "MNISTConvNet.splitAfterConvolution: convolutions 1 and 2, not \(number)")
        if number == 2 { return (convolutions, head) }
        return ({ [conv1] in conv1.forward($0, activation: .relu) }, { [conv2] in self.head(conv2.forward($0, activation: .relu)) })
    }
}
