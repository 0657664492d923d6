import MyelinNN
import MyelinTensor

/// A classifier of the zoo whose last convolution can be looked into (Grad-CAM): the network
/// split after that convolution's activation.
public protocol ConvolutionalClassifier: Module {
    /// From the image to the last convolution's activations [N, K, h, w], and from those to the
    /// classifier's output; `head(features(x))` is the model's forward pass.
    var lastConvolution: (features: (Tensor) -> Tensor, head: (Tensor) -> Tensor) { get }
}

extension Sequential {
    /// This stack cut after the activation that follows its last convolution (or after that
    /// convolution, and its batch norm, when no activation follows).
    func splitAfterLastConvolution() -> (front: (Tensor) -> Tensor, rest: (Tensor) -> Tensor) {
        let last = layers.lastIndex { $0 is Conv2d }
        precondition(last != nil, "splitAfterLastConvolution: the stack has no convolution")
        var cut = last! + 1
        while cut < layers.count, layers[cut] is BatchNorm2d || layers[cut] is ReLU { cut += 1 }
        let front = Array(layers[..<cut]), rest = Array(layers[cut...])
        return ({ x in front.reduce(x) { $1($0) } }, { x in rest.reduce(x) { $1($0) } })
    }
}

extension LeNet: ConvolutionalClassifier {
    public var lastConvolution: (features: (Tensor) -> Tensor, head: (Tensor) -> Tensor) {
        let (front, rest) = features.splitAfterLastConvolution()
        return (front, { [classifier] in classifier(rest($0)) })
    }
}

extension VGGMini: ConvolutionalClassifier {
    public var lastConvolution: (features: (Tensor) -> Tensor, head: (Tensor) -> Tensor) {
        let (front, rest) = features.splitAfterLastConvolution()
        return (front, { [classifier] in classifier(rest($0)) })
    }
}
