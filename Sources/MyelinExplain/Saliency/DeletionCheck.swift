/// Whether saliency maps mean something: deleting the pixels a map rates highest should lower the
/// classifier's belief in the true class more than deleting as many pixels at random.
public struct DeletionCheck: Equatable, Sendable {
    /// Images measured.
    public var count: Int
    /// The true class's mean probability on the images as they are.
    public var probability: Double
    /// Its mean drop when each image's most salient pixels are set to the pixel range's low end.
    public var salientDrop: Double
    /// Its mean drop when as many pixels, chosen at random, are.
    public var randomDrop: Double

    public init(count: Int, probability: Double, salientDrop: Double, randomDrop: Double) {
        (self.count, self.probability, self.salientDrop, self.randomDrop) = (count, probability, salientDrop, randomDrop)
    }
}

extension DeletionCheck {
    /// Deletes `fraction` of each image's pixels (all channels of each, set to `pixelRange`'s low
    /// end) — those `maps` ([N, H, W] for a batch and its true classes) rates highest, then as many
    /// at random — and measures the true class's probability each time.
    public init<Data: Dataset>(
        on data: Data, of classifier: (Tensor) -> Tensor, maps: (_ images: Tensor, _ classes: [Int]) -> Tensor,
        fraction: Float = 0.1, batchSize: Int = 100, pixelRange: ClosedRange<Float> = 0...1, generator: RandomGenerator = .global
    ) {
        precondition(data.count > 0 && batchSize > 0, "DeletionCheck: needs images and a positive batch size")
        precondition(fraction > 0 && fraction <= 1, "DeletionCheck: the fraction must be in (0, 1], got \(fraction)")
        var probability = 0.0, salientDrop = 0.0, randomDrop = 0.0
        for start in stride(from: 0, to: data.count, by: batchSize) {
            let (images, labels) = data.batch(at: start..<Swift.min(start + batchSize, data.count))
            precondition(images.rank == 4, "DeletionCheck: images must be [N, C, H, W], got \(images.shape)")
            let truth = labels.integers
            let (n, channels, plane) = (images.shape[0], images.shape[1], images.shape[2] * images.shape[3])
            let deleted = Swift.max(1, Int((fraction * Float(plane)).rounded()))
            let saliency = maps(images, truth).scalars
            precondition(
                saliency.count == n * plane, "DeletionCheck: a map per image of the images' height and width, got \(saliency.count) values")
            let pixels = images.contiguous().scalars
            var salient = pixels, random = pixels
            for i in 0..<n {
                let map = saliency[(i * plane)..<((i + 1) * plane)]
                let top = (0..<plane).sorted { map[i * plane + $0] > map[i * plane + $1] }.prefix(deleted)
                for (image, chosen) in [(0, Array(top)), (1, Array(generator.permutation(plane).prefix(deleted)))] {
                    for p in chosen {
                        for c in 0..<channels {
                            let at = (i * channels + c) * plane + p
                            if image == 0 { salient[at] = pixelRange.lowerBound } else { random[at] = pixelRange.lowerBound }
                        }
                    }
                }
            }
            func trueClassProbabilities(_ scalars: [Float]) -> [Float] {
                let p = withoutGrad { classifier(Tensor(shape: images.shape, scalars: scalars)).softmax(axis: -1) }
                let classes = p.shape[1], values = p.scalars
                return truth.enumerated().map { values[$0.offset * classes + $0.element] }
            }
            let before = trueClassProbabilities(pixels), afterSalient = trueClassProbabilities(salient)
            let afterRandom = trueClassProbabilities(random)
            for i in 0..<n {
                probability += Double(before[i])
                salientDrop += Double(before[i] - afterSalient[i])
                randomDrop += Double(before[i] - afterRandom[i])
            }
        }
        let count = Double(data.count)
        self.init(count: data.count, probability: probability / count, salientDrop: salientDrop / count, randomDrop: randomDrop / count)
    }
}

extension Saliency {
    /// The deletion check of this saliency's maps (see `DeletionCheck.init(on:of:maps:…)`).
    public func deletionCheck<Data: Dataset>(
        on data: Data, of classifier: (Tensor) -> Tensor, fraction: Float = 0.1, batchSize: Int = 100,
        generator: RandomGenerator = .global
    ) -> DeletionCheck {
        DeletionCheck(
            on: data, of: classifier, maps: { maps($0, classes: $1, of: classifier, generator: generator) }, fraction: fraction,
            batchSize: batchSize, pixelRange: pixelRange, generator: generator)
    }
}
