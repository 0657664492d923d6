import MyelinTensor
import Testing

@testable import MyelinData

/// A `DataShard` takes its equal slice of every batch: the shards together are the batch.
@Suite struct DataShardTests {
    /// Ten examples whose labels are their indices.
    static let numbered = TensorDataset(features: (0..<10).map(Float.init), featureShape: [1], labels: Array(0..<10))

    static func batches(_ loader: DataLoader<TensorDataset>) -> [[Int]] { loader.map { $0.labels.integers } }

    @Test func theShardsOfEachBatchMakeUpTheBatchInOrder() {
        let whole = Self.batches(DataLoader(Self.numbered, batchSize: 4, shuffle: true, generator: RandomGenerator(seed: 3)))
        let halves = (0..<2).map { rank in
            Self.batches(
                DataLoader(
                    Self.numbered, batchSize: 4, shuffle: true, generator: RandomGenerator(seed: 3), shard: DataShard(rank: rank, of: 2)))
        }
        #expect(halves[0].count == whole.count && halves[1].count == whole.count)
        for k in whole.indices {
            #expect(halves[0][k] + halves[1][k] == whole[k], "batch \(k)")
        }
    }

    @Test func aShortLastBatchIsSplitEquallyAndPaddedFromTheEpochsStart() {
        // Batches of 6 among 3 processes: the last batch holds 4 examples, 2 a process, the third padded.
        let slices = (0..<3).map { rank in Self.batches(DataLoader(Self.numbered, batchSize: 6, shard: DataShard(rank: rank, of: 3))) }
        #expect(slices.map { $0[0] } == [[0, 1], [2, 3], [4, 5]])
        #expect(slices.map { $0[1] } == [[6, 7], [8, 9], [0, 1]])
    }

    @Test func aLoaderTellsABatchThatCannotBeSplit() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = DataLoader(DataShardTests.numbered, batchSize: 5, shard: DataShard(rank: 0, of: 2))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("DataLoader: a batch of 5 cannot be split evenly among 2 processes"), "\(message)")
    }
}
