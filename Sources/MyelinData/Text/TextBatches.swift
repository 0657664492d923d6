import MyelinTensor

// Batches of character windows for next-character prediction. Every batch is a pair of int64
// tensors [batch, window]: input[b, t] = ids[s_b + t] and target[b, t] = ids[s_b + t + 1].

/// Training windows at random starts, as in the char-LSTM benchmark: each batch draws `batchSize` starts
/// s ~ U{0 … n − window − 1} from a seeded generator.
///
/// Shapes: input and target [batchSize, window] int64, the target shifted by one character.
public struct RandomWindows {
    public let ids: [Int32]
    public let batchSize: Int
    public let window: Int
    public let generator: RandomGenerator

    public init(_ ids: [Int32], batchSize: Int, window: Int, generator: RandomGenerator = .global) {
        checkSizes(batchSize: batchSize, window: window, "RandomWindows")
        precondition(
            ids.count > window,
            "RandomWindows: \(ids.count) ids cannot hold a window of \(window) and its target (\(window + 1) ids)")
        self.ids = ids
        self.batchSize = batchSize
        self.window = window
        self.generator = generator
    }

    /// The next batch: fresh random starts.
    public func next() -> (input: Tensor, target: Tensor) {
        batch(startingAt: (0..<batchSize).map { _ in generator.integer(below: ids.count - window) })
    }

    /// The windows starting at `starts` (each in 0 … n − window − 1).
    public func batch(startingAt starts: [Int]) -> (input: Tensor, target: Tensor) {
        windowBatch(ids, starts: starts, length: window, what: "RandomWindows")
    }
}

/// Windows for truncated backpropagation through time (PyTorch's word_language_model): the ids
/// are cut into `batchSize` equal parallel streams (the remainder dropped) and successive
/// windows walk along them, so row b of window k + 1 continues exactly where row b of window k
/// ended, and the last hidden state of one window is the right initial state for the next (the
/// trainer carries it, detached).
///
/// Shapes: input and target [batchSize, window] int64; the last window of an epoch may be
/// shorter (at least one step).
public struct TruncatedBPTTBatches: Sequence {
    public let ids: [Int32]
    public let batchSize: Int
    public let window: Int
    /// The length of each stream: ⌊n / batchSize⌋. Stream b is ids[b·L ..< (b + 1)·L].
    public let streamLength: Int

    public init(_ ids: [Int32], batchSize: Int, window: Int) {
        checkSizes(batchSize: batchSize, window: window, "TruncatedBPTTBatches")
        streamLength = ids.count / batchSize
        precondition(
            streamLength >= 2,
            "TruncatedBPTTBatches: \(ids.count) ids cannot make \(batchSize) streams of at least 2 (one step and its target)")
        self.ids = ids
        self.batchSize = batchSize
        self.window = window
    }

    /// Windows per epoch: ⌈(L − 1) / window⌉.
    public var count: Int { (streamLength - 1 + window - 1) / window }

    /// Window `k` (0..<count): steps k·window ..< min((k + 1)·window, L − 1) of every stream.
    public func batch(at k: Int) -> (input: Tensor, target: Tensor) {
        precondition(k >= 0 && k < count, "TruncatedBPTTBatches: window \(k) is out of range for \(count) windows")
        let step = k * window
        let length = Swift.min(window, streamLength - 1 - step)
        return windowBatch(
            ids, starts: (0..<batchSize).map { $0 * streamLength + step }, length: length,
            what: "TruncatedBPTTBatches")
    }

    public struct Iterator: IteratorProtocol {
        let batches: TruncatedBPTTBatches
        var k: Int

        public mutating func next() -> (input: Tensor, target: Tensor)? {
            guard k < batches.count else { return nil }
            defer { k += 1 }
            return batches.batch(at: k)
        }
    }

    public func makeIterator() -> Iterator { makeIterator(startingAt: 0) }

    /// The windows from window `start` on: how a run resumed in the middle of a pass goes on.
    public func makeIterator(startingAt start: Int) -> Iterator {
        precondition(
            start >= 0 && start <= count, "TruncatedBPTTBatches.makeIterator(startingAt:): window \(start) is outside 0...\(count)")
        return Iterator(batches: self, k: start)
    }
    public var underestimatedCount: Int { count }
}

/// A corpus's sentences in runs of whole consecutive sentences, each of at least `words` of the text's
/// words (the last run of an epoch may have fewer), in the text's order every epoch: the chunks
/// word2vec learns from one step at a time, as gensim's jobs of 10,000 words.
public struct SentenceBatches: Sequence {
    public let corpus: SentenceCorpus
    /// The fewest text words a batch holds (but the last).
    public let words: Int
    /// Batch k is sentences `boundaries[k] ..< boundaries[k + 1]`.
    public let boundaries: [Int]

    /// One batch: its sentences, and where it stands among the text's words (rare ones included).
    public struct Batch: Equatable {
        public let sentences: Range<Int>
        /// The text's words before the batch's first sentence.
        public let wordsBefore: Int
        /// The text's words in the batch.
        public let words: Int

        public init(sentences: Range<Int>, wordsBefore: Int, words: Int) {
            self.sentences = sentences
            self.wordsBefore = wordsBefore
            self.words = words
        }
    }

    public init(_ corpus: SentenceCorpus, words: Int) {
        precondition(words > 0, "SentenceBatches: words per batch must be positive, got \(words)")
        var boundaries = [0]
        for s in 0..<corpus.sentenceCount
        where corpus.textWordStarts[s + 1] - corpus.textWordStarts[boundaries.last!] >= words || s == corpus.sentenceCount - 1 {
            boundaries.append(s + 1)
        }
        self.corpus = corpus
        self.words = words
        self.boundaries = boundaries
    }

    /// Batches per epoch.
    public var count: Int { boundaries.count - 1 }

    /// Batch `k` (0..<count).
    public func batch(at k: Int) -> Batch {
        precondition(k >= 0 && k < count, "SentenceBatches: batch \(k) is out of range for \(count) batches")
        let first = corpus.textWordStarts[boundaries[k]], end = corpus.textWordStarts[boundaries[k + 1]]
        return Batch(sentences: boundaries[k]..<boundaries[k + 1], wordsBefore: first, words: end - first)
    }

    public struct Iterator: IteratorProtocol {
        let batches: SentenceBatches
        var k: Int

        public mutating func next() -> Batch? {
            guard k < batches.count else { return nil }
            defer { k += 1 }
            return batches.batch(at: k)
        }
    }

    public func makeIterator() -> Iterator { makeIterator(startingAt: 0) }

    /// The batches from batch `start` on: how a run resumed in the middle of an epoch goes on.
    public func makeIterator(startingAt start: Int) -> Iterator {
        precondition(start >= 0 && start <= count, "SentenceBatches.makeIterator(startingAt:): batch \(start) is outside 0...\(count)")
        return Iterator(batches: self, k: start)
    }

    public var underestimatedCount: Int { count }
}

/// The char-LSTM benchmark's evaluation windows: non-overlapping windows j = 0 ..< (n − 1) / window, input
/// ids[window·j ..< window·j + window] and target shifted by one, in batches of up to `batchSize`
/// windows. Shapes: input and target [≤ batchSize, window] int64.
public func validationWindows(_ ids: [Int32], window: Int, batchSize: Int = 256) -> [(input: Tensor, target: Tensor)] {
    checkSizes(batchSize: batchSize, window: window, "validationWindows")
    let starts = (0..<max(0, (ids.count - 1) / window)).map { $0 * window }
    return stride(from: 0, to: starts.count, by: batchSize).map { first in
        windowBatch(
            ids, starts: Array(starts[first..<min(first + batchSize, starts.count)]), length: window,
            what: "validationWindows")
    }
}

private func checkSizes(batchSize: Int, window: Int, _ what: String) {
    precondition(batchSize > 0 && window > 0, "\(what): batchSize and window must be positive, got \(batchSize) and \(window)")
}

/// The windows of `length` ids at `starts` and their targets, one character later.
private func windowBatch(_ ids: [Int32], starts: [Int], length: Int, what: String) -> (input: Tensor, target: Tensor) {
    let input = Tensor(empty: [starts.count, length], dtype: .int64)
    let target = Tensor(empty: [starts.count, length], dtype: .int64)
    let x = input.storage.base.assumingMemoryBound(to: Int64.self)
    let y = target.storage.base.assumingMemoryBound(to: Int64.self)
    ids.withUnsafeBufferPointer { source in
        for (b, s) in starts.enumerated() {
            precondition(
                s >= 0 && s + length < source.count,
                "\(what): a window of \(length) at \(s) and its target do not fit in \(source.count) ids")
            for t in 0..<length {
                x[b * length + t] = Int64(source[s + t])
                y[b * length + t] = Int64(source[s + t + 1])
            }
        }
    }
    return (input, target)
}
