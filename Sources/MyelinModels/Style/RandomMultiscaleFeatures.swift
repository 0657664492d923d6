import Foundation
import MyelinTensor

/// Random, untrained features for style transfer and texture synthesis, after Ustyuzhaninov,
/// Brendel, Gatys and Bethge (2017, "What does it take to generate natural textures?"): a single
/// layer of random filters followed by ReLU already synthesises natural textures from its Gram
/// matrices, provided it sees several scales. Here the scales are an image pyramid — the picture,
/// then averaged down by 2 at each level — with a bank of `channels` random `kernelSize`×`kernelSize`
/// filters per level, so that a 5×5 filter four levels down spans 40 pixels of the picture at the
/// cost of a small convolution. Each filter is drawn from a normal distribution, then given zero
/// mean (it responds to structure, not to brightness) and unit norm (every filter counts alike).
///
/// The style is every level's Gram matrix; the content is the maps of `contentLevel` (by default the
/// half-size level: the layout without the finest detail, which is left to the style).
///
/// Shapes: [N, 3, H, W] with values in [0, 1] → per level [N, channels, H/2ˡ, W/2ˡ].
public final class RandomMultiscaleFeatures: StyleFeatures {
    public let levels: Int
    public let channels: Int
    public let kernelSize: Int
    public let contentLevel: Int
    public let seed: UInt64
    /// One bank of filters per level, [channels, 3, kernelSize, kernelSize] each.
    public let filters: [Tensor]

    public init(levels: Int = 4, channels: Int = 128, kernelSize: Int = 5, contentLevel: Int = 1, seed: UInt64 = 0) {
        precondition(levels >= 1 && channels >= 1, "RandomMultiscaleFeatures: needs at least one level and one channel")
        precondition(kernelSize >= 1 && kernelSize % 2 == 1, "RandomMultiscaleFeatures: the kernel size must be odd, got \(kernelSize)")
        precondition(
            (0..<levels).contains(contentLevel), "RandomMultiscaleFeatures: content level \(contentLevel) is not one of 0..<\(levels)")
        (self.levels, self.channels, self.kernelSize, self.contentLevel, self.seed) = (levels, channels, kernelSize, contentLevel, seed)
        let generator = RandomGenerator(seed: seed)
        filters = (0..<levels).map { _ in
            let raw = Tensor.randn([channels, 3 * kernelSize * kernelSize], generator: generator)
            let centred = raw - raw.mean(axis: 1, keepingDimensions: true)
            let unit = centred / centred.square().sum(axis: 1, keepingDimensions: true).sqrt()
            return unit.reshaped([channels, 3, kernelSize, kernelSize])
        }
    }

    public var summary: String {
        let scales = (0..<levels).map { $0 == 0 ? "1" : "1/\(1 << $0)" }.joined(separator: ", ")
        return "random multi-scale ConvNet (Ustyuzhaninov et al. 2017; no trained weights): \(levels) scales (\(scales)), "
            + "\(channels) random \(kernelSize)×\(kernelSize) filters with ReLU at each, seed \(seed); "
            + "style: the Gram matrices of all \(levels) scales, content: scale \(levelName(contentLevel))"
    }

    public var styleLayers: [String] { (0..<levels).map { "scale \(levelName($0))" } }
    public var contentLayer: String { "scale \(levelName(contentLevel))" }
    public var smallestSide: Int { 1 << (levels - 1) }

    public func features(of images: Tensor) -> StyleFeatureMaps {
        precondition(
            images.rank == 4 && images.shape[1] == 3, "RandomMultiscaleFeatures: pictures must be [N, 3, H, W], got \(images.shape)")
        precondition(
            min(images.shape[2], images.shape[3]) >= smallestSide,
            "RandomMultiscaleFeatures: \(levels) scales need pictures of at least \(smallestSide)×\(smallestSide), got \(images.shape)")
        var picture = images - 0.5
        var maps: [Tensor] = []
        for level in 0..<levels {
            if level > 0 { picture = avgPool2d(picture, kernelSize: 2) }
            maps.append(conv2d(picture, weight: filters[level], padding: Size2D(kernelSize / 2), activation: .relu))
        }
        return StyleFeatureMaps(style: maps, content: maps[contentLevel])
    }

    private func levelName(_ level: Int) -> String { level == 0 ? "1" : "1/\(1 << level)" }
}
