import Dispatch
import MyelinTensor

/// Batches of a dataset, in order or in a fresh seeded shuffle each epoch, assembled one batch
/// ahead on a background thread.
///
/// Each element is (inputs [B, ...], labels [B, ...]); B = `batchSize` except for the last, partial
/// batch, which is kept unless `dropLast`. Every `for … in loader` is one epoch: with `shuffle` it
/// draws a new permutation from `generator` (or `RandomGenerator.global`), so two loaders with
/// generators of the same seed give the same batches, epoch after epoch. Prefetching changes
/// only when a batch is assembled, never which examples it holds.
///
/// ```swift
/// for (images, labels) in DataLoader(data, batchSize: 128, shuffle: true) { … }
/// ```
public struct DataLoader<Base: Dataset>: Sequence {
    public typealias Element = (inputs: Tensor, labels: Tensor)

    public let dataset: Base
    public let batchSize: Int
    public let shuffle: Bool
    public let dropLast: Bool
    /// Whether the next batch is assembled on a background thread while the current one is used.
    public let prefetch: Bool
    /// The source of shuffles; nil uses `RandomGenerator.global` when each epoch starts.
    public let generator: RandomGenerator?

    public init(_ dataset: Base, batchSize: Int, shuffle: Bool = false, dropLast: Bool = false,
                generator: RandomGenerator? = nil, prefetch: Bool = true) {
        precondition(batchSize > 0, "DataLoader: batchSize must be positive, got \(batchSize)")
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.generator = generator
        self.prefetch = prefetch
    }

    /// Number of batches in one epoch.
    public var count: Int {
        let n = dataset.count
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize
    }

    public var underestimatedCount: Int { count }

    /// Starts an epoch: the example order is fixed here, on the caller's thread.
    public func makeIterator() -> Iterator {
        let order = shuffle ? (generator ?? RandomGenerator.global).permutation(dataset.count)
                            : Array(0..<dataset.count)
        return Iterator(dataset: dataset, order: order, batchSize: batchSize, batchCount: count, prefetch: prefetch)
    }

    /// One epoch's batches. A class so that dropping it (a `break` out of the loop) waits for the
    /// one batch that may still be in flight: no background work outlives the loop.
    public final class Iterator: IteratorProtocol {
        let dataset: Base
        /// The epoch's example order; batch k is order[k·B ..< (k+1)·B].
        public let order: [Int]
        let batchSize: Int
        let batchCount: Int
        let prefetch: Bool
        private var nextIndex = 0
        private var pending: PendingBatch?

        init(dataset: Base, order: [Int], batchSize: Int, batchCount: Int, prefetch: Bool) {
            self.dataset = dataset
            self.order = order
            self.batchSize = batchSize
            self.batchCount = batchCount
            self.prefetch = prefetch
        }

        deinit {
            pending?.wait()
        }

        public func next() -> Element? {
            guard nextIndex < batchCount else { return nil }
            let batch: Element
            if let pending {
                batch = pending.wait()
                self.pending = nil
            } else {
                batch = dataset.batch(at: indices(of: nextIndex))
            }
            nextIndex += 1
            if prefetch && nextIndex < batchCount {
                pending = PendingBatch(dataset: dataset, indices: indices(of: nextIndex))
            }
            return batch
        }

        private func indices(of batch: Int) -> [Int] {
            Array(order[(batch * batchSize)..<Swift.min((batch + 1) * batchSize, order.count)])
        }
    }
}

/// A batch being assembled on a global dispatch queue; `wait()` blocks until it is ready.
///
/// The work item captures the dataset and indices, not the iterator, so there is no cycle.
final class PendingBatch {
    private let ready = DispatchSemaphore(value: 0)
    private var result: (inputs: Tensor, labels: Tensor)?

    init<D: Dataset>(dataset: D, indices: [Int]) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            result = dataset.batch(at: indices)
            ready.signal()  // the semaphore orders the write above before the reader's access
        }
    }

    /// The batch; blocks until the background assembly has finished. Call at most once to read.
    @discardableResult
    func wait() -> (inputs: Tensor, labels: Tensor) {
        ready.wait()
        defer { ready.signal() }  // leave it signalled so a second wait (deinit) does not block
        return result!
    }
}
