import MyelinNN
import MyelinTensor

/// The famous families, sized for 28×28 digits so that they train in minutes on a CPU
/// (`myelin train resnet-mini|inception-mini|nin`): the same building blocks, fewer and narrower.

/// ResNet for digits: a 3×3 convolution, three residual stages (16, 32 and 64 channels; 28 → 14
/// → 7), global average pooling and one linear layer. 78 thousand parameters.
///
/// Shapes: [N, 1, 28, 28] → logits [N, classes].
public final class ResNetMini: Module {
    public let stem: Sequential
    public let stages: Sequential
    public let head: Sequential

    public init(classes: Int = 10, generator: RandomGenerator = .global) {
        stem = Sequential {
            Conv2d(1, 16, kernelSize: 3, padding: 1, bias: false, generator: generator); BatchNorm2d(16); ReLU()
        }
        stages = Sequential {
            ResidualBlock(16, 16, generator: generator)
            ResidualBlock(16, 32, stride: 2, generator: generator)
            ResidualBlock(32, 64, stride: 2, generator: generator)
        }
        head = Sequential {
            AdaptiveAvgPool2d(1); Flatten(); Linear(64, classes, generator: generator)
        }
    }

    public override func forward(_ input: Tensor) -> Tensor { head(stages(stem(input))) }
}

/// GoogLeNet for digits: a 3×3 convolution, two Inception modules each followed by max pooling
/// (28 → 14 → 7), global average pooling and one linear layer. 27 thousand parameters.
///
/// Shapes: [N, 1, 28, 28] → logits [N, classes].
public final class InceptionMini: Module {
    public let stem: BasicConvolution
    public let inception1: Inception
    public let pool1 = MaxPool2d(2)
    public let inception2: Inception
    public let pool2 = MaxPool2d(2)
    public let head: Sequential

    public init(classes: Int = 10, generator: RandomGenerator = .global) {
        stem = BasicConvolution(1, 32, kernelSize: 3, padding: 1, generator: generator)
        inception1 = Inception(32, 16, 16, 24, 4, 8, 8, generator: generator)  // → 56 channels
        inception2 = Inception(56, 32, 32, 48, 8, 16, 16, generator: generator)  // → 112 channels
        head = Sequential {
            AdaptiveAvgPool2d(1); Flatten(); Linear(112, classes, generator: generator)
        }
    }

    public override func forward(_ input: Tensor) -> Tensor { head(pool2(inception2(pool1(inception1(stem(input)))))) }
}

extension NetworkInNetwork {
    /// Network in Network for digits: three mlpconv blocks (5×5, 3×3, 3×3 with 32, 64 and `classes`
    /// channels, 28 → 14 → 7 by max pooling), dropout before the last, global average pooling. 36
    /// thousand parameters.
    ///
    /// Shapes: [N, 1, 28, 28] → logits [N, classes].
    public static func mnist(classes: Int = 10, generator: RandomGenerator = .global) -> NetworkInNetwork {
        NetworkInNetwork(
            layers: Sequential {
                block(1, 32, kernelSize: 5, stride: 1, padding: 2, generator: generator)
                MaxPool2d(2)
                block(32, 64, kernelSize: 3, stride: 1, padding: 1, generator: generator)
                MaxPool2d(2)
                Dropout(0.5)
                block(64, classes, kernelSize: 3, stride: 1, padding: 1, generator: generator)
                AdaptiveAvgPool2d(1)
                Flatten()
            })
    }
}
