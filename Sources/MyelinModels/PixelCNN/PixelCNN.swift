import MyelinNN
import MyelinTensor

/// PixelCNN (van den Oord et al. 2016) for binary images: the probability of an image as the
/// product, in raster order, of each pixel's probability given the pixels before it. Every layer
/// that looks at neighbours is a `MaskedConv2d` (type A first, type B after), so the logit at a
/// pixel is computed from the pixels above it and to its left alone, and one pass gives all 784
/// conditionals of an image at once.
///
/// ```
/// 1×28×28 → masked A 7×7 → c×28×28 → residual block ×n → ReLU, 1×1 → c → ReLU, 1×1 → 1×28×28 logits
/// residual block: x + 1×1 (c/2 → c)(ReLU(masked B 3×3 (c/2 → c/2)(ReLU(1×1 (c → c/2)(ReLU(x))))))
/// gated block:    x + 1×1 (c/2 → c)(tanh(f) ⊙ σ(g)), [f, g] = masked B 3×3 (c/2 → c)(ReLU(1×1 (c → c/2)(ReLU(x))))
/// ```
/// (the paper's residual block; a pixel sees 3 + n rows above it. The gated block replaces the ReLU
/// after the masked convolution by the gated activation unit of van den Oord et al.'s Gated
/// PixelCNN, tanh of one half of its channels times the sigmoid of the other: multiplicative
/// interactions that ReLUs lack, for twice the masked convolution's outputs.)
///
/// Shapes: images [N, 1, H, W] of 0s and 1s → logits [N, 1, H, W]. State-dict names: `input.weight`,
/// `blocks.0.reduce.weight`, `blocks.0.masked.weight`, `blocks.0.expand.weight`, …, `head.1.weight`, `head.3.bias`.
public final class PixelCNN: Module {
    /// What it takes to rebuild the model (a checkpoint stores it as JSON).
    public struct Configuration: Codable, Equatable, Sendable {
        /// Channels between the blocks (2h in the paper; the blocks' 3×3 convolutions have half as many).
        public var channels: Int
        /// Residual blocks after the first layer.
        public var residualBlocks: Int
        /// Whether the blocks use gated activation units (tanh ⊙ σ) instead of the ReLU after their
        /// masked convolution.
        public var gated: Bool

        // 64 channels and 7 blocks: 101,505 parameters, and each pixel sees the 10 rows above it.
        public init(channels: Int = 64, residualBlocks: Int = 7, gated: Bool = false) {
            self.channels = channels
            self.residualBlocks = residualBlocks
            self.gated = gated
        }

        private enum CodingKeys: String, CodingKey { case channels, residualBlocks, gated }

        /// Reads a configuration; one saved before blocks could be gated has no `gated` and is not.
        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            channels = try container.decode(Int.self, forKey: .channels)
            residualBlocks = try container.decode(Int.self, forKey: .residualBlocks)
            gated = try container.decodeIfPresent(Bool.self, forKey: .gated) ?? false
        }

        /// Whether a model can be built from it (a file may hold anything).
        public var isValid: Bool {
            channels >= 2 && channels % 2 == 0 && channels <= 4096 && (0...256).contains(residualBlocks)
        }
    }

    public let configuration: Configuration
    /// The type-A 7×7 convolution: what the first features of a pixel may see excludes the pixel.
    public let input: MaskedConv2d
    public let blocks: [PixelCNNResidualBlock]
    /// ReLU, 1×1 convolution, ReLU, 1×1 convolution to one logit per pixel.
    public let head: Sequential

    public init(_ configuration: Configuration = Configuration(), generator: RandomGenerator = .global) {
        precondition(
            configuration.isValid,
            "PixelCNN: channels \(configuration.channels) must be even and 2…4096, residual blocks \(configuration.residualBlocks) 0…256")
        self.configuration = configuration
        let c = configuration.channels
        input = MaskedConv2d(1, c, kernelSize: 7, mask: .a, generator: generator)
        blocks = (0..<configuration.residualBlocks).map { _ in
            PixelCNNResidualBlock(channels: c, gated: configuration.gated, generator: generator)
        }
        head = Sequential {
            ReLU()
            Conv2d(c, c, kernelSize: 1, generator: generator); ReLU()
            Conv2d(c, 1, kernelSize: 1, generator: generator)
        }
    }

    public override var namedChildren: [(String, Module)] {
        [("input", input)] + blocks.enumerated().map { ("blocks.\($0.offset)", $0.element) } + [("head", head)]
    }

    /// Every masked convolution, in the order the forward pass applies them.
    public var maskedConvolutions: [MaskedConv2d] { [input] + blocks.map(\.masked) }

    /// The logit of each pixel being 1 given the pixels before it: [N, 1, H, W] → [N, 1, H, W].
    public override func forward(_ images: Tensor) -> Tensor {
        precondition(
            images.rank == 4 && images.shape[1] == 1, "PixelCNN: images must be [N, 1, H, W], got shape \(images.shape)")
        return logits(images) { layer, x in layer(x) }
    }

    /// The forward pass with every masked convolution applied by `maskedConvolution(layer, input)`;
    /// everything else works pixel by pixel. `forward` applies the layers; a sampler passes one row
    /// of the images and applies each layer to that row alone (`MaskedConv2d.forward(row:of:)`).
    public func logits(_ images: Tensor, maskedConvolution: (MaskedConv2d, Tensor) -> Tensor) -> Tensor {
        var x = maskedConvolution(input, images)
        for block in blocks { x = block.forward(x, maskedConvolution: maskedConvolution) }
        return head(x)
    }

    /// −log p(image) in nats, one per image: the sum over its pixels of the binary cross-entropy
    /// of the logits against the pixels. [N, 1, H, W] → [N].
    public func negativeLogLikelihoods(_ images: Tensor) -> Tensor {
        binaryCrossEntropyWithLogits(forward(images), images, reduction: .none).flattened(startAxis: 1).sum(axis: 1)
    }

    /// The mean over the batch of −log p(image), in nats per image: the training loss.
    public func meanNegativeLogLikelihood(_ images: Tensor) -> Tensor {
        binaryCrossEntropyWithLogits(forward(images), images, reduction: .sum) / Float(images.shape[0])
    }
}

/// PixelCNN's residual block: x + 1×1 (c/2 → c) ∘ ReLU ∘ masked B 3×3 (c/2 → c/2) ∘ ReLU ∘ 1×1 (c → c/2) ∘ ReLU (x);
/// gated, the masked convolution gives c channels [f, g] and tanh(f) ⊙ σ(g) replaces its ReLU.
///
/// Shapes: [N, c, H, W] → [N, c, H, W].
public final class PixelCNNResidualBlock: Module {
    public let reduce: Conv2d
    public let masked: MaskedConv2d
    public let expand: Conv2d
    /// Whether the masked convolution's output goes through the gated activation unit.
    public let gated: Bool

    public init(channels: Int, gated: Bool = false, generator: RandomGenerator = .global) {
        let half = channels / 2
        self.gated = gated
        reduce = Conv2d(channels, half, kernelSize: 1, generator: generator)
        masked = MaskedConv2d(half, gated ? channels : half, kernelSize: 3, mask: .b, generator: generator)
        expand = Conv2d(half, channels, kernelSize: 1, generator: generator)
    }

    public override var namedChildren: [(String, Module)] { [("reduce", reduce), ("masked", masked), ("expand", expand)] }

    public override func forward(_ x: Tensor) -> Tensor { forward(x) { layer, input in layer(input) } }

    /// The block with its masked convolution applied by `maskedConvolution` (see `PixelCNN.logits`).
    public func forward(_ x: Tensor, maskedConvolution: (MaskedConv2d, Tensor) -> Tensor) -> Tensor {
        let inner = reduce.forward(x.relu(), activation: .relu)
        let features = maskedConvolution(masked, inner)
        return x + expand(gated ? gatedActivation(features) : features.relu())
    }

    /// tanh of the first half of the channels times the sigmoid of the second: [N, 2k, H, W] → [N, k, H, W].
    private func gatedActivation(_ features: Tensor) -> Tensor {
        let half = features.shape[1] / 2
        return features.narrowed(axis: 1, start: 0, length: half).tanh() * features.narrowed(axis: 1, start: half, length: half).sigmoid()
    }
}
