import MyelinDistributed
import MyelinTestSupport
import Testing

@testable import MyelinTraining

/// DataParallel's buckets, and that a group of one changes nothing. (Two processes: the
/// `mpirun` tests of MyelinCommandTests.)
@Suite struct DataParallelTests {
    @Test func bucketsFillFromTheLastParameterUpToTheirSize() {
        // Parameters of 12, 4, 24 and 6 floats: 48, 16, 96 and 24 bytes.
        let model = Sequential {
            Linear(3, 4, generator: RandomGenerator(seed: 1)); Linear(4, 6, generator: RandomGenerator(seed: 2))
        }
        let parallel = DataParallel([model], group: .single, bucketBytes: 120, firstBucketBytes: 30)
        #expect(parallel.parameters.map(\.count) == [6, 24, 4, 12])
        // 24 bytes and then 96 would pass the first bucket's 30; 96 + 16 fit 120 but 48 more would not.
        #expect(parallel.buckets == [0..<1, 1..<3, 3..<4])
        // One larger than a bucket goes alone.
        #expect(DataParallel([model], group: .single, bucketBytes: 50, firstBucketBytes: 50).buckets == [0..<1, 1..<2, 2..<3, 3..<4])
        #expect(DataParallel([model], group: .single).buckets == [0..<4])
    }

    @Test func batchNormStatisticsAreBuffersToBroadcast() {
        let model = Sequential {
            Linear(3, 4, generator: RandomGenerator(seed: 1)); BatchNorm1d(4)
        }
        let parallel = DataParallel([model], group: .single)
        #expect(parallel.parameters.count == 4 && parallel.stateTensors.count == parallel.parameters.count + parallel.buffers.count)
        #expect(parallel.buffers.map(\.shape).contains([4]), "\(parallel.buffers.map(\.shape))")
    }

    @Test func aGroupOfOneTrainsBitForBitAsNoGroup() throws {
        let plain = SmallRun(), grouped = SmallRun()
        try plain.trainer(.epochs(2)).run(plain.task)
        let trainer = Trainer(.epochs(2), state: grouped.task.state, dataParallel: DataParallel([grouped.model], group: .single))
        try trainer.run(grouped.task)
        for (a, b) in zip(plain.model.parameters, grouped.model.parameters) {
            #expect(a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern))
        }
        let figures = [StepOutput.Figure(name: "loss", value: 0.25)]
        #expect(DataParallel([grouped.model], group: .single).averaged(figures) == figures)
    }
}
