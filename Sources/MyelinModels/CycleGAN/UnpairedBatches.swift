import MyelinData
import MyelinTensor
import MyelinTraining

/// Batches of two unpaired domains for the Trainer: each epoch draws a fresh order of each domain
/// from `generator` and pairs the k-th batch of one with the k-th of the other, so no image is tied
/// to a partner. An epoch is as many full batches as the smaller domain holds (the rest is dropped).
///
/// Batch: (a: A's inputs [B, …], b: B's inputs [B, …]); labels are left out.
public struct UnpairedBatches<A: Dataset, B: Dataset>: BatchSource {
    public let a: A
    public let b: B
    public let batchSize: Int
    public let generator: RandomGenerator

    public init(_ a: A, _ b: B, batchSize: Int, generator: RandomGenerator) {
        precondition(batchSize > 0, "UnpairedBatches: the batch size must be positive, got \(batchSize)")
        precondition(
            min(a.count, b.count) >= batchSize,
            "UnpairedBatches: domains of \(a.count) and \(b.count) images are too small for one batch of \(batchSize)")
        self.a = a
        self.b = b
        self.batchSize = batchSize
        self.generator = generator
    }

    public var batchesPerEpoch: Int? { min(a.count, b.count) / batchSize }
    public var epochGenerator: RandomGenerator? { generator }

    public func makeEpochIterator(startingAt start: Int) -> AnyIterator<(a: Tensor, b: Tensor)> {
        let orderA = generator.permutation(a.count), orderB = generator.permutation(b.count)
        var k = start
        let (count, size, a, b) = (batchesPerEpoch!, batchSize, a, b)
        return AnyIterator {
            guard k < count else { return nil }
            defer { k += 1 }
            let slice = (k * size)..<((k + 1) * size)
            return (a.batch(at: Array(orderA[slice])).inputs, b.batch(at: Array(orderB[slice])).inputs)
        }
    }
}
