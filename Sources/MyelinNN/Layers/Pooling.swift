/// Max pooling over 2-D windows: keeps the strongest response in each window.
///
/// Shapes: [N, C, H, W] → [N, C, OH, OW], OH = (H + 2·padding − kernel) / stride + 1 (rounded up with
/// `ceilMode`); `stride` defaults to the kernel size.
public final class MaxPool2d: Module {
    public let kernelSize: Size2D
    public let stride: Size2D
    public let padding: Size2D
    public let ceilMode: Bool

    public init(_ kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0, ceilMode: Bool = false) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.ceilMode = ceilMode
    }

    public override func forward(_ input: Tensor) -> Tensor {
        maxPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode)
    }
}

/// Average pooling over 2-D windows.
///
/// Shapes: as `MaxPool2d`. With `countIncludingPadding` (the default, as PyTorch) padded zeros count
/// towards each mean.
public final class AvgPool2d: Module {
    public let kernelSize: Size2D
    public let stride: Size2D
    public let padding: Size2D
    public let ceilMode: Bool
    public let countIncludingPadding: Bool

    public init(
        _ kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0, ceilMode: Bool = false,
        countIncludingPadding: Bool = true
    ) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.ceilMode = ceilMode
        self.countIncludingPadding = countIncludingPadding
    }

    public override func forward(_ input: Tensor) -> Tensor {
        avgPool2d(
            input, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
            countIncludingPadding: countIncludingPadding)
    }
}

/// Average pooling to a fixed output size whatever the input size (`AdaptiveAvgPool2d(1)` is global
/// average pooling, the head of NiN- and ResNet-style nets).
///
/// Shapes: [N, C, H, W] → [N, C, outputSize.height, outputSize.width].
public final class AdaptiveAvgPool2d: Module {
    public let outputSize: Size2D

    public init(_ outputSize: Size2D) {
        self.outputSize = outputSize
    }

    public override func forward(_ input: Tensor) -> Tensor {
        adaptiveAvgPool2d(input, outputSize: outputSize)
    }
}
