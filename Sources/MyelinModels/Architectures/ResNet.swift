import MyelinNN
import MyelinTensor

/// ResNet-18 (He et al. 2015), laid out as torchvision's `resnet18` so that its state dict loads:
/// a 7×7 convolution and max pooling, four stages of two basic residual blocks (64, 128, 256 and
/// 512 channels, each stage after the first halving the image), global average pooling and one
/// linear layer.
///
/// Shapes: [N, 3, H, W] → logits [N, classes]; 11.7 million parameters for 1,000 classes.
public final class ResNet18: Module {
    public let conv1: Conv2d
    public let bn1 = BatchNorm2d(64)
    /// torchvision's `relu` child, kept for its layout: the forward fuses it into the batch norm before it.
    public let relu = ReLU()
    public let maxpool = MaxPool2d(3, stride: 2, padding: 1)
    public let layer1: Sequential
    public let layer2: Sequential
    public let layer3: Sequential
    public let layer4: Sequential
    public let avgpool = AdaptiveAvgPool2d(1)
    /// The head: replace it to fine-tune for other classes (`model.fc = Linear(512, 5)`).
    public var fc: Linear

    public init(classes: Int = 1000, generator: RandomGenerator = .global) {
        conv1 = Conv2d(3, 64, kernelSize: 7, stride: 2, padding: 3, bias: false, generator: generator)
        func stage(_ inputs: Int, _ outputs: Int, stride: Int) -> Sequential {
            Sequential {
                ResidualBlock(inputs, outputs, stride: stride, generator: generator)
                ResidualBlock(outputs, outputs, stride: 1, generator: generator)
            }
        }
        layer1 = stage(64, 64, stride: 1)
        layer2 = stage(64, 128, stride: 2)
        layer3 = stage(128, 256, stride: 2)
        layer4 = stage(256, 512, stride: 2)
        fc = Linear(512, classes, generator: generator)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let stem = maxpool(bn1.forward(conv1(input), activation: .relu))  // relu(bn1(…)) in one pass
        let features = layer4(layer3(layer2(layer1(stem))))
        return fc(avgpool(features).flattened(startAxis: 1))
    }
}

/// ResNet's basic block (torchvision's `BasicBlock`): two 3×3 convolutions with batch norm, and
/// the input added back before the last ReLU — through a strided 1×1 convolution and batch norm
/// (`downsample`) when the block changes the image's size or channels.
///
/// Shapes: [N, inputs, H, W] → [N, outputs, H / stride, W / stride].
public final class ResidualBlock: Module {
    public let conv1: Conv2d
    public let bn1: BatchNorm2d
    public let relu = ReLU()
    public let conv2: Conv2d
    public let bn2: BatchNorm2d
    /// The shortcut's projection, or nil for the identity.
    public let downsample: Sequential?

    public init(_ inputs: Int, _ outputs: Int, stride: Int = 1, generator: RandomGenerator = .global) {
        conv1 = Conv2d(inputs, outputs, kernelSize: 3, stride: Size2D(stride), padding: 1, bias: false, generator: generator)
        bn1 = BatchNorm2d(outputs)
        conv2 = Conv2d(outputs, outputs, kernelSize: 3, padding: 1, bias: false, generator: generator)
        bn2 = BatchNorm2d(outputs)
        downsample =
            stride == 1 && inputs == outputs
            ? nil
            : Sequential {
                Conv2d(inputs, outputs, kernelSize: 1, stride: Size2D(stride), bias: false, generator: generator)
                BatchNorm2d(outputs)
            }
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let residual = bn2(conv2(bn1.forward(conv1(input), activation: .relu)))  // relu(bn1(…)) in one pass
        return relu(residual + (downsample?(input) ?? input))
    }
}
