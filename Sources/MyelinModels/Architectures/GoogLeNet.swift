import MyelinNN
import MyelinTensor

/// GoogLeNet (Szegedy et al. 2014, Inception v1), laid out as torchvision's `googlenet` so that its
/// state dict loads: a stem of convolutions and pooling, nine Inception modules in three groups,
/// global average pooling, dropout and one linear layer; two auxiliary classifiers read the
/// outputs of `inception4a` and `inception4d` in training. Every convolution is
/// `BasicConvolution` (convolution, batch norm, ReLU), as in torchvision, whose third branch also
/// uses a 3×3 convolution where the paper has 5×5.
///
/// | stage | output (224×224 input) |
/// |---|---|
/// | conv 7×7/2, max pool, conv 1×1, conv 3×3, max pool | 192 × 28×28 |
/// | inception 3a, 3b, max pool | 480 × 14×14 |
/// | inception 4a–4e, max pool | 832 × 7×7 |
/// | inception 5a, 5b, average pool | 1024 |
///
/// `forward` gives the main logits; `forwardWithAuxiliary` gives the auxiliary classifiers' too,
/// for their loss in training (the paper weighs each by 0.3).
///
/// Shapes: [N, 3, H, W] (H, W ≥ 32) → logits [N, classes]; 13 million parameters for 1,000 classes.
public final class GoogLeNet: Module {
    public let conv1: BasicConvolution
    public let maxpool1 = MaxPool2d(3, stride: 2, ceilMode: true)
    public let conv2: BasicConvolution
    public let conv3: BasicConvolution
    public let maxpool2 = MaxPool2d(3, stride: 2, ceilMode: true)
    public let inception3a: Inception
    public let inception3b: Inception
    public let maxpool3 = MaxPool2d(3, stride: 2, ceilMode: true)
    public let inception4a: Inception
    public let inception4b: Inception
    public let inception4c: Inception
    public let inception4d: Inception
    public let inception4e: Inception
    public let maxpool4 = MaxPool2d(2, stride: 2, ceilMode: true)
    public let inception5a: Inception
    public let inception5b: Inception
    public let aux1: InceptionAuxiliary
    public let aux2: InceptionAuxiliary
    public let avgpool = AdaptiveAvgPool2d(1)
    public let dropout: Dropout
    /// The head: replace it to fine-tune for other classes (`model.fc = Linear(512, 5)`).
    public var fc: Linear

    public init(classes: Int = 1000, dropout: Float = 0.2, auxiliaryDropout: Float = 0.7, generator: RandomGenerator = .global) {
        let g = generator
        conv1 = BasicConvolution(3, 64, kernelSize: 7, stride: 2, padding: 3, generator: g)
        conv2 = BasicConvolution(64, 64, kernelSize: 1, generator: g)
        conv3 = BasicConvolution(64, 192, kernelSize: 3, padding: 1, generator: g)
        // (inputs, 1×1, 3×3 reduce, 3×3, 5×5 reduce, 5×5, pool projection), the paper's table.
        inception3a = Inception(192, 64, 96, 128, 16, 32, 32, generator: g)
        inception3b = Inception(256, 128, 128, 192, 32, 96, 64, generator: g)
        inception4a = Inception(480, 192, 96, 208, 16, 48, 64, generator: g)
        inception4b = Inception(512, 160, 112, 224, 24, 64, 64, generator: g)
        inception4c = Inception(512, 128, 128, 256, 24, 64, 64, generator: g)
        inception4d = Inception(512, 112, 144, 288, 32, 64, 64, generator: g)
        inception4e = Inception(528, 256, 160, 320, 32, 128, 128, generator: g)
        inception5a = Inception(832, 256, 160, 320, 32, 128, 128, generator: g)
        inception5b = Inception(832, 384, 192, 384, 48, 128, 128, generator: g)
        aux1 = InceptionAuxiliary(512, classes: classes, dropout: auxiliaryDropout, generator: g)
        aux2 = InceptionAuxiliary(528, classes: classes, dropout: auxiliaryDropout, generator: g)
        self.dropout = Dropout(dropout)
        fc = Linear(1024, classes, generator: g)
    }

    /// The main logits and the two auxiliary classifiers' (after `inception4a` and `inception4d`).
    public func forwardWithAuxiliary(_ input: Tensor) -> (logits: Tensor, aux1: Tensor, aux2: Tensor) {
        let result = run(input, auxiliary: true)
        return (result.logits, result.aux1!, result.aux2!)
    }

    public override func forward(_ input: Tensor) -> Tensor { run(input, auxiliary: false).logits }

    private func run(_ input: Tensor, auxiliary: Bool) -> (logits: Tensor, aux1: Tensor?, aux2: Tensor?) {
        var x = maxpool2(conv3(conv2(maxpool1(conv1(input)))))
        x = maxpool3(inception3b(inception3a(x)))
        let after4a = inception4a(x)
        let after4d = inception4d(inception4c(inception4b(after4a)))
        x = inception5b(inception5a(maxpool4(inception4e(after4d))))
        let logits = fc(dropout(avgpool(x).flattened(startAxis: 1)))
        return (logits, auxiliary ? aux1(after4a) : nil, auxiliary ? aux2(after4d) : nil)
    }
}

/// A convolution without bias, batch norm (ε 0.001) and ReLU: torchvision's `BasicConv2d`, the
/// unit every convolution of GoogLeNet is.
public final class BasicConvolution: Module {
    public let conv: Conv2d
    public let bn: BatchNorm2d

    public init(
        _ inputs: Int, _ outputs: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Size2D = 0,
        generator: RandomGenerator = .global
    ) {
        conv = Conv2d(inputs, outputs, kernelSize: kernelSize, stride: stride, padding: padding, bias: false, generator: generator)
        bn = BatchNorm2d(outputs, epsilon: 0.001)
    }

    public override func forward(_ input: Tensor) -> Tensor { bn.forward(conv(input), activation: .relu) }
}

/// An Inception module: four branches side by side — a 1×1 convolution; a 1×1 reduction then a
/// 3×3; another reduction then a 3×3 (5×5 in the paper); 3×3 max pooling then a 1×1 projection —
/// their outputs stacked along the channels. The 1×1 reductions keep the wide convolutions cheap.
///
/// Shapes: [N, inputs, H, W] → [N, ones + threes + fives + poolProjection, H, W].
public final class Inception: Module {
    public let branch1: BasicConvolution
    public let branch2: Sequential
    public let branch3: Sequential
    public let branch4: Sequential

    public init(
        _ inputs: Int, _ ones: Int, _ threesReduction: Int, _ threes: Int, _ fivesReduction: Int, _ fives: Int,
        _ poolProjection: Int, generator: RandomGenerator = .global
    ) {
        branch1 = BasicConvolution(inputs, ones, kernelSize: 1, generator: generator)
        branch2 = Sequential {
            BasicConvolution(inputs, threesReduction, kernelSize: 1, generator: generator)
            BasicConvolution(threesReduction, threes, kernelSize: 3, padding: 1, generator: generator)
        }
        branch3 = Sequential {
            BasicConvolution(inputs, fivesReduction, kernelSize: 1, generator: generator)
            BasicConvolution(fivesReduction, fives, kernelSize: 3, padding: 1, generator: generator)
        }
        branch4 = Sequential {
            MaxPool2d(3, stride: 1, padding: 1, ceilMode: true)
            BasicConvolution(inputs, poolProjection, kernelSize: 1, generator: generator)
        }
    }

    public override func forward(_ input: Tensor) -> Tensor {
        concatenate([branch1(input), branch2(input), branch3(input), branch4(input)], axis: 1)
    }
}

/// GoogLeNet's auxiliary classifier: average pooling to 4×4, a 1×1 convolution to 128 channels,
/// two linear layers with ReLU and dropout between them.
///
/// Shapes: [N, inputs, H, W] → logits [N, classes].
public final class InceptionAuxiliary: Module {
    public let pool = AdaptiveAvgPool2d([4, 4])
    public let conv: BasicConvolution
    public let fc1: Linear
    public let fc2: Linear
    public let dropout: Dropout

    public init(_ inputs: Int, classes: Int, dropout: Float = 0.7, generator: RandomGenerator = .global) {
        conv = BasicConvolution(inputs, 128, kernelSize: 1, generator: generator)
        fc1 = Linear(2048, 1024, generator: generator)
        fc2 = Linear(1024, classes, generator: generator)
        self.dropout = Dropout(dropout)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        fc2(dropout(fc1(conv(pool(input)).flattened(startAxis: 1)).relu()))
    }
}
