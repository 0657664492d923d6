import MyelinData
import MyelinTensor

/// Where a run's batches come from: epochs of a fixed number of batches (a `DataLoader`,
/// `TruncatedBPTTBatches`), or an endless stream drawn as it is used (`EndlessBatches`).
///
/// The Trainer resumes a run in the middle of an epoch by drawing the epoch's order again from
/// `epochGenerator` as it was when the epoch began and starting at the batch where the run
/// stopped, so every source whose epoch depends only on that generator resumes exactly.
public protocol BatchSource {
    associatedtype Batch
    associatedtype EpochIterator: IteratorProtocol where EpochIterator.Element == Batch

    /// Batches in one epoch; nil for an endless source.
    var batchesPerEpoch: Int? { get }
    /// The generator an epoch's order is drawn from when it starts, or nil when the order is fixed.
    var epochGenerator: RandomGenerator? { get }
    /// One epoch's batches from batch `start` on; the batches before it are never assembled.
    /// (An endless source ignores `start`.)
    func makeEpochIterator(startingAt start: Int) -> EpochIterator
}

extension DataLoader: BatchSource {
    public var batchesPerEpoch: Int? { count }

    /// The generator each epoch's shuffle and augmentation seed are drawn from, if the loader draws any.
    public var epochGenerator: RandomGenerator? {
        shuffle || augmentation != nil ? generator ?? .global : nil
    }

    public func makeEpochIterator(startingAt start: Int) -> Iterator { makeIterator(startingAt: start) }
}

extension TruncatedBPTTBatches: BatchSource {
    public var batchesPerEpoch: Int? { count }
    public var epochGenerator: RandomGenerator? { nil }
    public func makeEpochIterator(startingAt start: Int) -> Iterator { makeIterator(startingAt: start) }
}

extension SentenceBatches: BatchSource {
    public var batchesPerEpoch: Int? { count }
    public var epochGenerator: RandomGenerator? { nil }
    public func makeEpochIterator(startingAt start: Int) -> Iterator { makeIterator(startingAt: start) }
}

/// An endless source: each batch is `next()`'s, drawn when the step needs it (its randomness
/// comes from generators the run's checkpoint keeps).
///
/// ```swift
/// let windows = RandomWindows(ids, batchSize: 32, window: 64, generator: windowGenerator)
/// try trainer.run(over: EndlessBatches { windows.next() }) { batch, context in … }
/// ```
public struct EndlessBatches<Batch>: BatchSource {
    let next: () -> Batch

    public init(_ next: @escaping () -> Batch) { self.next = next }

    public var batchesPerEpoch: Int? { nil }
    public var epochGenerator: RandomGenerator? { nil }
    public func makeEpochIterator(startingAt start: Int) -> AnyIterator<Batch> { AnyIterator(next) }
}
