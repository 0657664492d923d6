/// What it takes to rebuild a GAN's two networks for 28×28 digits: which architecture, the size of
/// the noise vector z, and the widths of the hidden layers. A checkpoint stores it as JSON.
///
/// - `mlp` is the MLP GAN benchmark's network (`../shared/bench/WORKLOADS.md`): G = Linear(z, 256)–LeakyReLU(0.2)–
///   Linear(256, 512)–LeakyReLU(0.2)–Linear(512, 784)–Tanh, D = Linear(784, 512)–LeakyReLU(0.2)–
///   Linear(512, 256)–LeakyReLU(0.2)–Linear(256, 1); images are flat rows [N, 784].
/// - `dcgan` is a small DCGAN: G maps z to `generatorWidths[0]` maps of 7×7, then each transposed
///   convolution doubles the side (7 → 14 → 28); D halves it with strided convolutions
///   (28 → 14 → 7) and ends in one linear logit; images are [N, 1, 28, 28].
///
/// `conditional` networks are told which digit to draw or judge (Mirza & Osindero 2014): G takes a
/// learned embedding of the label beside z, and D adds to its logit the inner product of its last
/// features with a learned embedding of the label, a projection discriminator (Miyato & Koyama 2018).
public struct GANConfiguration: Codable, Equatable, Sendable {
    public enum Variant: String, Codable, CaseIterable, Sendable {
        case mlp, dcgan
    }

    public var variant: Variant
    /// Length of the noise vector z ~ N(0, 1) that G turns into an image.
    public var noiseSize: Int
    /// mlp: G's hidden layer sizes, first to last. dcgan: G's channels at 7×7 and at 14×14.
    public var generatorWidths: [Int]
    /// mlp: D's hidden layer sizes, first to last. dcgan: D's channels at 14×14 and at 7×7.
    public var discriminatorWidths: [Int]
    /// Whether G and D take each image's digit (0…9) too. Checkpoints written before it are unconditional.
    public var conditional: Bool

    /// nil widths take the variant's defaults: the benchmark's for `mlp`; 128/64 (G) and 64/128 (D) channels for `dcgan`.
    public init(
        variant: Variant = .mlp, noiseSize: Int = 64, generatorWidths: [Int]? = nil, discriminatorWidths: [Int]? = nil,
        conditional: Bool = false
    ) {
        self.variant = variant
        self.noiseSize = noiseSize
        self.generatorWidths = generatorWidths ?? (variant == .mlp ? [256, 512] : [128, 64])
        self.discriminatorWidths = discriminatorWidths ?? (variant == .mlp ? [512, 256] : [64, 128])
        self.conditional = conditional
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        variant = try container.decode(Variant.self, forKey: .variant)
        noiseSize = try container.decode(Int.self, forKey: .noiseSize)
        generatorWidths = try container.decode([Int].self, forKey: .generatorWidths)
        discriminatorWidths = try container.decode([Int].self, forKey: .discriminatorWidths)
        // Absent from the checkpoints of unconditional GANs written before it.
        conditional = try container.decodeIfPresent(Bool.self, forKey: .conditional) ?? false
    }

    /// The classes a conditional GAN is told: MNIST's ten digits.
    public static let classCount = 10
    /// Numbers in the embedding of the label that a conditional G takes beside z.
    public static let labelEmbeddingSize = 16

    /// The MLP GAN benchmark's networks.
    public static let w5 = GANConfiguration(variant: .mlp)

    /// Side of the square images both variants make.
    public static let imageSide = 28

    /// The shape of one image as the networks see it: [784] for `mlp`, [1, 28, 28] for `dcgan`.
    public var imageShape: [Int] {
        variant == .mlp ? [Self.imageSide * Self.imageSide] : [1, Self.imageSide, Self.imageSide]
    }

    /// Why no networks can be built from this configuration (a file may hold anything), or nil if they can.
    public var problem: String? {
        let widths = generatorWidths + discriminatorWidths
        if noiseSize < 1 || noiseSize > 1 << 16 { return "the noise size \(noiseSize) is not in 1…65536" }
        if let bad = widths.first(where: { $0 < 1 || $0 > 1 << 14 }) { return "the width \(bad) is not in 1…16384" }
        switch variant {
        case .mlp:
            if generatorWidths.isEmpty || discriminatorWidths.isEmpty || widths.count > 64 {
                return "an mlp GAN needs 1…32 hidden widths for each network"
            }
        case .dcgan:
            // Two stride-2 steps join 7×7 and 28×28.
            if generatorWidths.count != 2 || discriminatorWidths.count != 2 {
                return "a dcgan needs exactly 2 widths for each network (channels at 7×7 and 14×14)"
            }
        }
        return nil
    }
}
