import Foundation
import MyelinData
import MyelinTensor
import Testing

@Suite struct DataLoaderTests {
    @Test func batchShapesAndTheLastPartialBatch() {
        let loader = DataLoader(countingDataset(), batchSize: 4)
        #expect(loader.count == 3)
        let batches = Array(loader)
        #expect(batches.map { $0.inputs.shape } == [[4, 2], [4, 2], [2, 2]])
        #expect(batches.map { $0.labels.shape } == [[4], [4], [2]])
        #expect(batches.flatMap { $0.labels.integers } == Array(0..<10))
        #expect(batches[2].inputs.scalars == [8, 18, 9, 19])

        let dropping = DataLoader(countingDataset(), batchSize: 4, dropLast: true)
        #expect(dropping.count == 2)
        #expect(Array(dropping).map { $0.labels.integers } == [[0, 1, 2, 3], [4, 5, 6, 7]])

        #expect(DataLoader(countingDataset(), batchSize: 5).count == 2)
        #expect(DataLoader(countingDataset(), batchSize: 20, dropLast: true).count == 0)
        #expect(Array(DataLoader(countingDataset(), batchSize: 20, dropLast: true)).isEmpty)
        #expect(Array(DataLoader(countingDataset(0), batchSize: 3)).isEmpty)
    }

    @Test func shuffledEpochVisitsEveryExampleOnce() {
        let loader = DataLoader(countingDataset(103), batchSize: 8, shuffle: true, generator: RandomGenerator(seed: 7))
        for _ in 0..<3 {
            var seen = [Int]()
            for (inputs, labels) in loader {
                // Inputs travel with their labels.
                let l = labels.integers
                #expect(inputs.scalars == l.flatMap { [Float($0), Float(10 + $0)] })
                seen += l
            }
            #expect(seen.count == 103)
            #expect(seen.sorted() == Array(0..<103))
        }
    }

    @Test func sameSeedSameOrderAndEachEpochANewOrder() {
        func epochs(seed: UInt64, prefetch: Bool) -> [[Int]] {
            let loader = DataLoader(
                countingDataset(50), batchSize: 7, shuffle: true,
                generator: RandomGenerator(seed: seed), prefetch: prefetch)
            return (0..<3).map { _ in loader.flatMap { $0.labels.integers } }
        }
        let a = epochs(seed: 1, prefetch: true)
        #expect(a == epochs(seed: 1, prefetch: true))
        #expect(a == epochs(seed: 1, prefetch: false))  // prefetching never changes the batches
        #expect(a[0] != a[1] && a[1] != a[2])
        #expect(a[0] != epochs(seed: 2, prefetch: true)[0])
        #expect(a[0] != Array(0..<50))
    }

    @Test func unshuffledOrderIsTheDatasetOrder() {
        let loader = DataLoader(countingDataset(), batchSize: 3, shuffle: false, generator: RandomGenerator(seed: 3))
        #expect(loader.flatMap { $0.labels.integers } == Array(0..<10))
        #expect(loader.flatMap { $0.labels.integers } == Array(0..<10))
    }

    @Test func breakingEarlyNeitherHangsNorLeaks() throws {
        let data = try MNISTFixture.test.get()
        let loader = DataLoader(data, batchSize: 64, shuffle: true, generator: RandomGenerator(seed: 0))
        // Many epochs abandoned after two batches each: each leaves one batch in flight.
        for _ in 0..<50 {
            var taken = 0
            for (images, _) in loader {
                #expect(images.shape == [64, 1, 28, 28])
                taken += 1
                if taken == 2 { break }
            }
        }
        // An iterator dropped right after its first batch.
        var iterator = loader.makeIterator()
        #expect(iterator.next()?.labels.shape == [64])
        iterator = loader.makeIterator()
        #expect(iterator.order.count == 10_000)
    }

    @Test func fullMNISTEpochMatchesTheWorkloadShape() throws {
        let train = try MNISTFixture.train.get()
        let loader = DataLoader(train, batchSize: 128, shuffle: true, generator: RandomGenerator(seed: 0))
        #expect(loader.count == 469)
        var sizes = [Int]()
        var labelSum = 0
        for (images, labels) in loader {
            sizes.append(images.shape[0])
            labelSum += labels.integers.reduce(0, +)
        }
        #expect(sizes.count == 469)
        #expect(sizes.last == 96)
        #expect(sizes.dropLast().allSatisfy { $0 == 128 })
        #expect(labelSum == train.labels.reduce(0, +))
    }
}
