import MyelinTensor

/// Two unpaired domains made from one split of MNIST, CycleGAN's "horse ↔ zebra" on digits: a seeded
/// permutation halves the images, the first half stays plain (domain A) and the second is striped
/// (domain B, each digit with `ZebraStripes` of its own), so no picture of one domain has its
/// partner in the other.
///
/// Inputs [1, 28, 28] in [−1, 1] (a tanh generator's range), labels [] int64, kept for evaluation.
public struct ZebraDigits {
    /// Domain A: plain digits.
    public let plain: TensorDataset
    /// Domain B: striped digits.
    public let zebra: TensorDataset
    /// Where each example of `plain` and of `zebra` comes from in the split, in order.
    public let plainSources: [Int]
    public let zebraSources: [Int]
    /// The stripes of each zebra digit, in order.
    public let stripes: [ZebraStripes]

    /// `count` digits per domain (default: half the split each) drawn from `mnist` by `seed`;
    /// the same seed gives the same domains.
    public init(_ mnist: MNIST, seed: UInt64, count: Int? = nil) {
        let half = mnist.count / 2, count = count ?? half
        precondition(count >= 1 && count <= half, "ZebraDigits: \(count) digits per domain is not in 1…\(half) for \(mnist.count) images")
        let generator = RandomGenerator(seed: seed)
        let order = generator.permutation(mnist.count)
        plainSources = Array(order[..<count])
        zebraSources = Array(order[half..<(half + count)])
        stripes = (0..<count).map { _ in ZebraStripes.random(generator: generator) }

        let side = MNIST.imageSide, pixels = MNIST.pixelCount, images = mnist.images, labels = mnist.labels
        // Pixels in [0, 1] for the stripes, whatever the split's scaling; written in [−1, 1].
        let unit: (Float) -> Float =
            switch mnist.scaling {
            case .unitInterval: { $0 }
            case .symmetric: { ($0 + 1) / 2 }
            case .raw: { $0 / 255 }
            }
        func domain(_ sources: [Int], _ transform: (ArraySlice<Float>, Int) -> [Float]) -> TensorDataset {
            var features: [Float] = []
            features.reserveCapacity(sources.count * pixels)
            for (k, source) in sources.enumerated() {
                let image = images[(source * pixels)..<((source + 1) * pixels)].map(unit)
                features += transform(image[...], k).map { 2 * $0 - 1 }
            }
            return TensorDataset(features: features, featureShape: [1, side, side], labels: sources.map { labels[$0] })
        }
        plain = domain(plainSources) { image, _ in Array(image) }
        zebra = domain(zebraSources) { [stripes] image, k in stripes[k].apply(to: image, side: side) }
    }
}
