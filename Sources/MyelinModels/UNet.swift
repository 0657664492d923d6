import MyelinNN
import MyelinTensor

/// A U-Net (Ronneberger et al. 2015) for semantic segmentation: it gives every pixel a score per
/// class. The encoder's levels (two 3×3 convolutions with batch norm and ReLU, then 2×2 max
/// pooling) see ever larger neighbourhoods at ever coarser grain; the decoder climbs back with
/// 2×2 transposed convolutions, each level joined by concatenation to the encoder's features of
/// its size (the skip connections), which carry the fine detail that pooling threw away. A 1×1
/// convolution turns the last features into class scores.
///
/// ```
/// width 16, depth 3, 64×64 input:
/// encoder   1 → 16 (64²) ─────────────────────────────────────────────┐ skip
///          pool → 32 (32²) ─────────────────────────────────────┐     │
///                pool → 64 (16²) ─────────────────────────┐     │     │
///                      pool → 128 (8², the bottleneck)    │     │     │
/// decoder                  up → 64 ⧺ 64 → 64 (16²) ◄──────┘     │     │
///                              up → 32 ⧺ 32 → 32 (32²) ◄────────┘     │
///                                  up → 16 ⧺ 16 → 16 (64²) ◄──────────┘ → 1×1 → classes
/// ```
///
/// Fully convolutional: any height and width divisible by 2^depth (its total stride) work.
/// Shapes: images [N, inputChannels, H, W] → logits [N, classes, H, W] (`pixelLogits` gives them
/// classes last, as the losses take them). State-dict names: `encoder.0.0.weight` (a level's first
/// convolution), `encoder.0.1.weight` (its batch norm), `bottleneck.…`, `upsampling.0.weight`
/// (deepest first), `decoder.0.…` (deepest first), `head.weight`.
public final class UNet: Module {
    /// What it takes to rebuild the model (a checkpoint stores it as JSON).
    public struct Configuration: Codable, Equatable, Sendable {
        /// Channels of the input images.
        public var inputChannels: Int
        /// Classes to score every pixel for.
        public var classes: Int
        /// Channels of the first level; each level below doubles them.
        public var width: Int
        /// Poolings between the input and the bottleneck.
        public var depth: Int

        // Width 16 and depth 3 (483k parameters) see 68 pixels across at the bottleneck, enough for
        // a 36-pixel digit with its surroundings, and train on 2 cores in minutes.
        public init(inputChannels: Int = 1, classes: Int = 11, width: Int = 16, depth: Int = 3) {
            self.inputChannels = inputChannels
            self.classes = classes
            self.width = width
            self.depth = depth
        }

        /// Whether a model can be built from it (a file may hold anything).
        public var isValid: Bool {
            (1...64).contains(inputChannels) && (1...4096).contains(classes) && (1...256).contains(width) && (1...6).contains(depth)
        }

        /// What the input's height and width must be multiples of.
        public var totalStride: Int { 1 << depth }
    }

    /// The training objective.
    public enum Loss: String, Codable, CaseIterable, Sendable {
        /// Soft Dice over the classes (`diceLoss`).
        case dice
        /// Cross-entropy over the pixels (`crossEntropy`).
        case ce
        /// Their sum (`crossEntropyDiceLoss`).
        case both

        /// The loss of pixel `logits` [N, H, W, classes] for `labels` [N, H, W].
        public func callAsFunction(_ logits: Tensor, _ labels: Tensor) -> Tensor {
            switch self {
            case .dice: return diceLoss(logits, labels)
            case .ce: return crossEntropy(logits, labels)
            case .both: return crossEntropyDiceLoss(logits, labels)
            }
        }
    }

    public let configuration: Configuration
    /// The encoder's levels, the finest first: each two convolutions at one size.
    public let encoder: [Sequential]
    public let bottleneck: Sequential
    /// The transposed convolutions that double the size, the coarsest first.
    public let upsampling: [ConvTranspose2d]
    /// The decoder's levels, the coarsest first: each two convolutions over the upsampled features
    /// and the skip connection.
    public let decoder: [Sequential]
    public let head: Conv2d

    public init(_ configuration: Configuration = Configuration(), generator: RandomGenerator = .global) {
        precondition(configuration.isValid, "UNet: configuration \(configuration) is out of range")
        self.configuration = configuration
        let widths = (0...configuration.depth).map { configuration.width << $0 }
        // No bias before batch norm: its shift would be subtracted again.
        func block(_ inputs: Int, _ outputs: Int) -> Sequential {
            Sequential {
                Conv2d(inputs, outputs, kernelSize: 3, padding: 1, bias: false, generator: generator)
                BatchNorm2d(outputs)
                ReLU()
                Conv2d(outputs, outputs, kernelSize: 3, padding: 1, bias: false, generator: generator)
                BatchNorm2d(outputs)
                ReLU()
            }
        }
        encoder = (0..<configuration.depth).map { block($0 == 0 ? configuration.inputChannels : widths[$0 - 1], widths[$0]) }
        bottleneck = block(widths[configuration.depth - 1], widths[configuration.depth])
        let levels = (0..<configuration.depth).reversed()
        upsampling = levels.map { ConvTranspose2d(widths[$0 + 1], widths[$0], kernelSize: 2, stride: 2, generator: generator) }
        decoder = levels.map { block(2 * widths[$0], widths[$0]) }
        head = Conv2d(configuration.width, configuration.classes, kernelSize: 1, generator: generator)
    }

    public override func forward(_ images: Tensor) -> Tensor {
        let (stride, channels) = (configuration.totalStride, configuration.inputChannels)
        precondition(
            images.rank == 4 && images.shape[1] == channels && images.shape[2] % stride == 0 && images.shape[3] % stride == 0
                && images.shape[2] > 0 && images.shape[3] > 0,
            "UNet: images must be [N, \(channels), H, W] with H and W multiples of \(stride), got shape \(images.shape)")
        var skips: [Tensor] = []
        var x = images
        for level in encoder {
            x = level(x)
            skips.append(x)
            x = maxPool2d(x, kernelSize: 2)
        }
        x = bottleneck(x)
        for (k, skip) in skips.reversed().enumerated() {
            x = decoder[k](concatenate([upsampling[k](x), skip], axis: 1))
        }
        return head(x)
    }

    /// The class scores of every pixel with the classes last, [N, H, W, classes], as
    /// `crossEntropy`, `diceLoss` and the confusion matrix take them.
    public func pixelLogits(_ images: Tensor) -> Tensor { forward(images).permuted(0, 2, 3, 1).contiguous() }

    /// Each pixel's most likely class, [N, H, W] int64, in evaluation mode without recording.
    public func predictedClasses(_ images: Tensor) -> Tensor {
        evaluating { forward(images).argmax(axis: 1) }
    }
}
