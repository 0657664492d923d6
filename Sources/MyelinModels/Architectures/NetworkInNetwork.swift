import MyelinNN
import MyelinTensor

/// Network in Network (Lin, Chen and Yan 2013): each block is a convolution followed by two 1×1
/// convolutions — a small MLP slid over the image — and the last block has one channel per class,
/// averaged over the image instead of fully connected layers. Laid out for ImageNet-sized inputs
/// as Tools/make_architecture_fixtures.py writes it in PyTorch (torchvision has none):
/// `features.0.0.weight`, …
///
/// Shapes: [N, 3, H, W] (H, W ≥ 67) → logits [N, classes]; 7.4 million parameters for 1,000 classes.
public final class NetworkInNetwork: Module {
    public let features: Sequential

    public convenience init(classes: Int = 1000, inputChannels: Int = 3, dropout: Float = 0.5, generator: RandomGenerator = .global) {
        self.init(
            layers: Sequential {
                Self.block(inputChannels, 96, kernelSize: 11, stride: 4, padding: 0, generator: generator)
                MaxPool2d(3, stride: 2)
                Self.block(96, 256, kernelSize: 5, stride: 1, padding: 2, generator: generator)
                MaxPool2d(3, stride: 2)
                Self.block(256, 384, kernelSize: 3, stride: 1, padding: 1, generator: generator)
                MaxPool2d(3, stride: 2)
                Dropout(dropout)
                Self.block(384, classes, kernelSize: 3, stride: 1, padding: 1, generator: generator)
                AdaptiveAvgPool2d(1)
                Flatten()
            })
    }

    /// The network of `layers` (`features`): the blocks, the pooling and the flattening.
    public init(layers: Sequential) {
        features = layers
    }

    /// One "mlpconv" block: a k×k convolution and two 1×1 convolutions, each followed by ReLU.
    public static func block(
        _ inputs: Int, _ outputs: Int, kernelSize: Int, stride: Int, padding: Int, generator: RandomGenerator = .global
    ) -> Sequential {
        Sequential {
            Conv2d(inputs, outputs, kernelSize: Size2D(kernelSize), stride: Size2D(stride), padding: Size2D(padding), generator: generator)
            ReLU()
            Conv2d(outputs, outputs, kernelSize: 1, generator: generator); ReLU()
            Conv2d(outputs, outputs, kernelSize: 1, generator: generator); ReLU()
        }
    }

    public override func forward(_ input: Tensor) -> Tensor { features(input) }
}
