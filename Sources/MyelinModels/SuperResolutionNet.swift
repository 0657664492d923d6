import MyelinNN
import MyelinTensor

/// ESPCN (Shi et al. 2016): a super-resolution network that works at the low resolution throughout
/// and only at the end turns r² channels per pixel into an r×r block of pixels (`PixelShuffle`,
/// the sub-pixel convolution), so its convolutions cost r² times less than at the high resolution.
///
/// ```
/// 1×h×w → Conv 5×5 → c1×h×w → Conv 3×3 → c2×h×w → Conv 3×3 → r²×h×w → PixelShuffle(r) → 1×rh×rw
/// ```
/// (ReLU after the first two convolutions; the output is linear, pixels near 0…1.)
///
/// Shapes: [N, 1, h, w] → [N, 1, r·h, r·w]. State-dict names: `body.0.weight`, …, `body.4.bias`.
public final class SuperResolutionNet: Module {
    /// What it takes to rebuild the model (a checkpoint stores it as JSON).
    public struct Configuration: Codable, Equatable, Sendable {
        /// The upscaling factor r: 2 makes 14×14 digits 28×28, 4 makes 7×7 ones 28×28.
        public var scale: Int
        /// Channels after the first and the second convolution.
        public var channels: [Int]

        // ESPCN's 64 and 32 channels: the ×2 model has 21,284 parameters (×4: 24,752) and trains an epoch of
        // MNIST in under a minute on two cores.
        public init(scale: Int = 2, channels: [Int] = [64, 32]) {
            self.scale = scale
            self.channels = channels
        }

        /// Whether a model can be built from it (a file may hold anything).
        public var isValid: Bool {
            channels.count == 2 && (1...8).contains(scale) && channels.allSatisfy { $0 > 0 && $0 <= 4096 }
        }
    }

    public let configuration: Configuration
    public let body: Sequential

    public init(_ configuration: Configuration = Configuration(), generator: RandomGenerator = .global) {
        precondition(
            configuration.isValid,
            "SuperResolutionNet: scale \(configuration.scale) must be 1…8 and channels \(configuration.channels) two positive counts")
        self.configuration = configuration
        let (r, c1, c2) = (configuration.scale, configuration.channels[0], configuration.channels[1])
        body = Sequential {
            Conv2d(1, c1, kernelSize: 5, padding: 2, generator: generator); ReLU()
            Conv2d(c1, c2, kernelSize: 3, padding: 1, generator: generator); ReLU()
            Conv2d(c2, r * r, kernelSize: 3, padding: 1, generator: generator)
            PixelShuffle(upscaleFactor: r)
        }
    }

    public override var namedChildren: [(String, Module)] { [("body", body)] }

    /// The upscaled images: [N, 1, h, w] → [N, 1, r·h, r·w].
    public override func forward(_ images: Tensor) -> Tensor {
        precondition(
            images.rank == 4 && images.shape[1] == 1,
            "SuperResolutionNet: images must be [N, 1, H, W], got shape \(images.shape)")
        return body(images)
    }
}
