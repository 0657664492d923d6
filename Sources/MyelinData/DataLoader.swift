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
/// An `augmentation` transforms the inputs ([B, C, H, W] images) of every batch; labels are kept.
/// Each epoch draws one number from the generator (after the shuffle), and batch k is augmented
/// with a generator seeded from that number and k, so augmented batches too are the same for the
/// same seed, with or without prefetching. Give it to the training loader only.
///
/// With a `shard`, `batchSize` is the global batch of data-parallel training: every process draws
/// the same order from a generator of the same seed and takes its equal slice of each batch.
///
/// ```swift
/// for (images, labels) in DataLoader(data, batchSize: 128, shuffle: true) { … }
/// let train = DataLoader(data, batchSize: 128, shuffle: true,
///                        augmentation: [.randomCrop(size: 28, padding: 2), .horizontalFlip()])
/// ```
public struct DataLoader<Base: Dataset>: Sequence {
    public typealias Element = (inputs: Tensor, labels: Tensor)

    public let dataset: Base
    public let batchSize: Int
    public let shuffle: Bool
    public let dropLast: Bool
    /// Whether the next batch is assembled on a background thread while the current one is used.
    public let prefetch: Bool
    /// Random transformations of each batch's inputs (training only), or nil.
    public let augmentation: ImageAugmentation?
    /// The source of shuffles and augmentation seeds; nil uses `RandomGenerator.global` when each
    /// epoch starts.
    public let generator: RandomGenerator?
    /// This process's part of each batch in data-parallel training; nil for the whole batch.
    public let shard: DataShard?

    public init(
        _ dataset: Base, batchSize: Int, shuffle: Bool = false, dropLast: Bool = false,
        augmentation: ImageAugmentation? = nil, generator: RandomGenerator? = nil, prefetch: Bool = true,
        shard: DataShard? = nil
    ) {
        precondition(batchSize > 0, "DataLoader: batchSize must be positive, got \(batchSize)")
        if let shard {
            precondition(
                batchSize % shard.count == 0,
                "DataLoader: a batch of \(batchSize) cannot be split evenly among \(shard.count) processes")
        }
        self.shard = shard
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.augmentation = augmentation
        self.generator = generator
        self.prefetch = prefetch
    }

    /// Number of batches in one epoch.
    public var count: Int {
        let n = dataset.count
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize
    }

    public var underestimatedCount: Int { count }

    /// Starts an epoch: the example order and the augmentation seed are fixed here, on the
    /// caller's thread.
    public func makeIterator() -> Iterator { makeIterator(startingAt: 0) }

    /// Starts an epoch as `makeIterator()` does — the same draws from the generator — but gives
    /// its batches from batch `start` on, never assembling the ones before: how a run resumed in
    /// the middle of an epoch goes on with exactly the batches it had left.
    public func makeIterator(startingAt start: Int) -> Iterator {
        precondition(start >= 0 && start <= count, "DataLoader.makeIterator(startingAt:): batch \(start) is outside 0...\(count)")
        let random = generator ?? RandomGenerator.global
        let order = shuffle ? random.permutation(dataset.count) : Array(0..<dataset.count)
        let augmentationSeed = augmentation == nil ? 0 : random.next()
        return Iterator(
            dataset: dataset, order: order, batchSize: batchSize, batchCount: count, prefetch: prefetch,
            augmentation: augmentation, augmentationSeed: augmentationSeed, shard: shard, start: start)
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
        let augmentation: ImageAugmentation?
        let augmentationSeed: UInt64
        let shard: DataShard?
        private var nextIndex = 0
        private var pending: PendingBatch?

        init(
            dataset: Base, order: [Int], batchSize: Int, batchCount: Int, prefetch: Bool,
            augmentation: ImageAugmentation?, augmentationSeed: UInt64, shard: DataShard?, start: Int
        ) {
            self.dataset = dataset
            self.shard = shard
            nextIndex = start
            self.order = order
            self.batchSize = batchSize
            self.batchCount = batchCount
            self.prefetch = prefetch
            self.augmentation = augmentation
            self.augmentationSeed = augmentationSeed
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
                batch = assembly(of: nextIndex)()
            }
            nextIndex += 1
            if prefetch && nextIndex < batchCount {
                pending = PendingBatch(assembly(of: nextIndex))
            }
            return batch
        }

        /// The work of assembling batch k, capturing what it needs but not the iterator (no cycle
        /// when it runs in the background). Its randomness depends on the epoch's seed and k alone,
        /// never on timing.
        private func assembly(of k: Int) -> () -> Element {
            let (dataset, indices) = (self.dataset, indices(of: k))
            guard let augmentation else { return { dataset.batch(at: indices) } }
            let seed = batchSeed(epochSeed: augmentationSeed, batch: k)
            return {
                let (inputs, labels) = dataset.batch(at: indices)
                return (augmentation(inputs, generator: RandomGenerator(seed: seed)), labels)
            }
        }

        /// Batch k's examples: order[k·B ..< (k+1)·B], or this shard's slice of it.
        private func indices(of batch: Int) -> [Int] {
            let start = batch * batchSize, end = Swift.min(start + batchSize, order.count)
            guard let shard else { return Array(order[start..<end]) }
            // A short last batch is split in equal slices too, the last ones padded from the epoch's start.
            let slice = (end - start + shard.count - 1) / shard.count
            return (0..<slice).map { i in
                let position = start + shard.rank * slice + i
                return position < end ? order[position] : order[(position - end) % order.count]
            }
        }
    }
}

/// One process's part of every batch in data-parallel training (PyTorch's `DistributedSampler`):
/// process `rank` of `count` takes the rank-th of `count` equal slices of each batch.
public struct DataShard: Equatable, Sendable {
    public let rank: Int
    public let count: Int

    public init(rank: Int, of count: Int) {
        precondition(count > 0 && (0..<count).contains(rank), "DataShard: rank \(rank) is not one of \(count) processes")
        (self.rank, self.count) = (rank, count)
    }
}

/// Batch k's augmentation seed: output k + 1 of a SplitMix64 stream started at the epoch's seed
/// (distinct, well-mixed seeds for neighbouring batches).
func batchSeed(epochSeed: UInt64, batch k: Int) -> UInt64 {
    var z = epochSeed &+ UInt64(k + 1) &* 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// A batch being assembled on a global dispatch queue; `wait()` blocks until it is ready.
///
/// The work item captures the assembly closure (dataset, indices, augmentation), not the
/// iterator, so there is no cycle.
final class PendingBatch {
    private let ready = DispatchSemaphore(value: 0)
    private var result: (inputs: Tensor, labels: Tensor)?

    init(_ assemble: @escaping () -> (inputs: Tensor, labels: Tensor)) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            // Alone on its thread: split over the pool, the assembly would take the workers from
            // the training step running beside it.
            result = Threads.alone(assemble)
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
