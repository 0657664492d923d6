import MyelinTensor

/// How grey pixels in 0…1 become black (0) or white (1), for models of binary images (PixelCNN,
/// VAEs with a Bernoulli decoder).
public enum Binarization: Sendable, Equatable {
    /// Each pixel is 1 with probability its intensity, drawn once from a generator of `seed`: the
    /// stochastically binarised MNIST (Salakhutdinov & Murray 2008) that published likelihoods are
    /// measured on. The same seed gives the same images.
    case sampled(seed: UInt64)
    /// Each pixel is 1 where its intensity is above `threshold` (0.5: the digit's strokes without
    /// their grey edges, an easier set whose likelihoods do not compare with published ones).
    case threshold(Float)

    /// `intensities` (0…1), each made 0 or 1; a sampled binarisation draws one uniform number per
    /// pixel, in order, from a generator of its seed mixed with `stream`, so that two sets (a
    /// training and a test split) binarised with one seed get independent noise.
    public func binarize(_ intensities: [Float], stream: UInt64 = 0) -> [Float] {
        switch self {
        case .threshold(let threshold):
            return intensities.map { $0 > threshold ? 1 : 0 }
        case .sampled(let seed):
            let generator = RandomGenerator(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
            return intensities.map { generator.uniform() < $0 ? 1 : 0 }
        }
    }
}

extension MNIST {
    /// This split with every pixel 0 or 1, labels unchanged:
    /// `try MNIST(split: .test).binarized(.sampled(seed: 0))`. The training and test splits draw
    /// independent noise from one seed. Needs the default 0…1 scaling.
    public func binarized(_ binarization: Binarization) -> MNIST {
        precondition(
            scaling == .unitInterval, "MNIST.binarized: the pixels must be scaled to 0…1 (.unitInterval), not \(scaling)")
        var binary = self
        binary.inputColumn.transformFloats(what: "MNIST.binarized") {
            $0 = binarization.binarize($0, stream: split == .train ? 0 : 1)
        }
        return binary
    }
}
