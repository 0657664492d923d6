import MyelinData
import MyelinTensor

/// A direction in a GAN's noise space along which an attribute of its images grows (Radford et al.
/// 2016, section 6.3, with the groups picked by measuring the images rather than by eye): the mean
/// noise of the samples that have the most of it minus the mean noise of those that have the least.
public struct LatentDirection {
    /// [noiseSize]: add k times it to any noise to change the attribute.
    public let direction: Tensor
    /// The attribute's mean over the samples of the two groups, most and least.
    public let groupMeans: (high: Double, low: Double)
    /// How many samples each group holds.
    public let groupSize: Int
}

extension GANTrainer {
    /// The images of `noise` [N, noiseSize] (and a conditional GAN's `labels` [N]) with ink in 0…1,
    /// as `StrokeAttribute` and the zoo's classifiers read them: [N, 1, 28, 28].
    public func inkImages(_ noise: Tensor, labels: Tensor? = nil) -> Tensor {
        (generate(noise, labels: labels) + 1) * 0.5
    }

    /// The direction of `attribute` (see `LatentDirection`): G draws `noise` [N, noiseSize] (with
    /// `labels` [N] if conditional), each image is measured, and the `fraction` of the samples that
    /// measure highest and the `fraction` that measure lowest make the two groups.
    public func latentDirection(
        of attribute: StrokeAttribute, noise: Tensor, labels: Tensor? = nil, fraction: Double = 0.2
    ) -> LatentDirection {
        let n = noise.shape[0], groupSize = Int((Double(n) * fraction).rounded())
        precondition(
            groupSize >= 1 && 2 * groupSize <= n, "GANTrainer.latentDirection: a fraction \(fraction) of \(n) samples makes no two groups")
        let values = attribute.measure(inkImages(noise, labels: labels))
        let ranked = values.indices.sorted { values[$0] < values[$1] }
        let (low, high) = (Array(ranked.prefix(groupSize)), Array(ranked.suffix(groupSize)))
        func mean(_ group: [Int]) -> Double { group.reduce(0) { $0 + values[$1] } / Double(group.count) }
        func meanNoise(_ group: [Int]) -> Tensor { noise.indexSelect(axis: 0, indices: Tensor(integers: group)).mean(axis: 0) }
        let difference = meanNoise(high) - meanNoise(low)
        return LatentDirection(direction: difference, groupMeans: (mean(high), mean(low)), groupSize: groupSize)
    }

    /// The mean of `attribute` over G's images of `noise` + k·`direction`, for each k of `steps`:
    /// how far moving along the direction changes the attribute on noise it was not found on.
    public func attributeMeans(
        of attribute: StrokeAttribute, along direction: Tensor, steps: [Float], noise: Tensor, labels: Tensor? = nil
    ) -> [Double] {
        steps.map { k in
            let values = attribute.measure(inkImages(noise + direction * k, labels: labels))
            return values.reduce(0, +) / Double(values.count)
        }
    }
}
