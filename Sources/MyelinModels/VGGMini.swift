import MyelinNN
import MyelinTensor

/// A small VGG-style network for 28×28 digits: blocks of 3×3 convolutions with batch
/// normalisation and ReLU, each block halving the image with max pooling, then global average
/// pooling and one linear layer.
///
/// Shapes: [N, 1, 28, 28] → logits [N, 10].
public final class VGGMini: Module {
    public let features: Sequential
    public let classifier: Sequential

    public init(classes: Int = 10, widths: [Int] = [32, 64, 128], generator: RandomGenerator = .global) {
        precondition(!widths.isEmpty, "VGGMini: needs at least one block")
        let inputs = [1] + widths.dropLast()
        features = Sequential {
            for (input, width) in zip(inputs, widths) {
                Conv2d(input, width, kernelSize: 3, padding: 1, bias: false, generator: generator)
                BatchNorm2d(width); ReLU()
                Conv2d(width, width, kernelSize: 3, padding: 1, bias: false, generator: generator)
                BatchNorm2d(width); ReLU()
                MaxPool2d(2)  // 28 → 14 → 7 → 3
            }
        }
        classifier = Sequential {
            AdaptiveAvgPool2d(1); Flatten()
            Linear(widths.last!, classes, generator: generator)
        }
    }

    public override func forward(_ input: Tensor) -> Tensor { classifier(features(input)) }
}
