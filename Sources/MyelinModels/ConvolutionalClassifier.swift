import MyelinNN
import MyelinTensor

/// A classifier of the zoo whose convolutions can be looked into (Grad-CAM, what excites a
/// channel, Deep Dream): the network split after a convolution's activation.
public protocol ConvolutionalClassifier: Module {
    /// How many convolutions it has, counted from the input.
    var convolutionCount: Int { get }
    /// From the image to convolution `number`'s activations [N, K, h, w] (1 is the first), and
    /// from those to the classifier's output; `head(features(x))` is the model's forward pass.
    func splitAfterConvolution(_ number: Int) -> (features: (Tensor) -> Tensor, head: (Tensor) -> Tensor)
}

extension ConvolutionalClassifier {
    /// The split after the last convolution.
    public var lastConvolution: (features: (Tensor) -> Tensor, head: (Tensor) -> Tensor) { splitAfterConvolution(convolutionCount) }
}

extension Sequential {
    var convolutionCount: Int { layers.filter { $0 is Conv2d }.count }

    /// This stack cut after the activation that follows its convolution `number` (or after that
    /// convolution, and its batch norm, when no activation follows).
    func splitAfterConvolution(_ number: Int) -> (front: (Tensor) -> Tensor, rest: (Tensor) -> Tensor) {
        let convolutions = layers.indices.filter { layers[$0] is Conv2d }
        precondition(
            (1...convolutions.count).contains(number),
            "splitAfterConvolution: the stack has convolutions 1…\(convolutions.count), not \(number)")
        var cut = convolutions[number - 1] + 1
        while cut < layers.count, layers[cut] is BatchNorm2d || layers[cut] is ReLU { cut += 1 }
        let front = Array(layers[..<cut]), rest = Array(layers[cut...])
        return ({ x in front.reduce(x) { $1($0) } }, { x in rest.reduce(x) { $1($0) } })
    }
}

extension LeNet: ConvolutionalClassifier {
    public var convolutionCount: Int { features.convolutionCount }

    public func splitAfterConvolution(_ number: Int) -> (features: (Tensor) -> Tensor, head: (Tensor) -> Tensor) {
        let (front, rest) = features.splitAfterConvolution(number)
        return (front, { [classifier] in classifier(rest($0)) })
    }
}

extension VGGMini: ConvolutionalClassifier {
    public var convolutionCount: Int { features.convolutionCount }

    public func splitAfterConvolution(_ number: Int) -> (features: (Tensor) -> Tensor, head: (Tensor) -> Tensor) {
        let (front, rest) = features.splitAfterConvolution(number)
        return (front, { [classifier] in classifier(rest($0)) })
    }
}
