import MyelinNN
import MyelinTensor

/// VGG16 (Simonyan and Zisserman 2014, "OxfordNet", configuration D), laid out as torchvision's
/// `vgg16` so that its state dict loads: thirteen 3×3 convolutions in five blocks, each block
/// ending in 2×2 max pooling, then three linear layers.
///
/// | block | convolutions | channels | after pooling (224×224 input) |
/// |---|---|---|---|
/// | 1 | 2 × conv3 | 64 | 112×112 |
/// | 2 | 2 × conv3 | 128 | 56×56 |
/// | 3 | 3 × conv3 | 256 | 28×28 |
/// | 4 | 3 × conv3 | 512 | 14×14 |
/// | 5 | 3 × conv3 | 512 | 7×7 |
/// | classifier | FC-4096, FC-4096, FC-classes | | |
///
/// Shapes: [N, 3, H, W] (H, W ≥ 32) → logits [N, classes]; 138 million parameters for 1,000 classes.
public final class VGG16: Module {
    public let features: Sequential
    /// Pools the last block's maps to 7×7 whatever the input size, as torchvision does.
    public let avgpool = AdaptiveAvgPool2d(7)
    public let classifier: Sequential

    /// The channels of each block's convolutions.
    public static let blocks = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]]

    public init(classes: Int = 1000, dropout: Float = 0.5, generator: RandomGenerator = .global) {
        features = Self.makeFeatures(generator: generator)
        classifier = Sequential {
            Linear(512 * 7 * 7, 4096, generator: generator); ReLU(); Dropout(dropout)
            Linear(4096, 4096, generator: generator); ReLU(); Dropout(dropout)
            Linear(4096, classes, generator: generator)
        }
    }

    /// The thirteen convolutions with their ReLUs and the five poolings, as `features` holds them
    /// (torchvision's indices: conv1_1 is layer 0, its ReLU layer 1, the first pooling layer 4, …, conv5_3 layer 28).
    public static func makeFeatures(generator: RandomGenerator = .global) -> Sequential {
        // Each convolution's (input, output) channels, block by block: it reads what the one before made.
        var blocks: [[(inputs: Int, outputs: Int)]] = []
        var inputs = 3
        for widths in Self.blocks {
            var block: [(inputs: Int, outputs: Int)] = []
            for width in widths {
                block.append((inputs, width))
                inputs = width
            }
            blocks.append(block)
        }
        return Sequential {
            for block in blocks {
                for convolution in block {
                    Conv2d(convolution.inputs, convolution.outputs, kernelSize: 3, padding: 1, generator: generator); ReLU()
                }
                MaxPool2d(2)
            }
        }
    }

    public override func forward(_ input: Tensor) -> Tensor {
        classifier(avgpool(features(input)).flattened(startAxis: 1))
    }
}
