import Foundation
import Myelin

// Started by MyelinDistributedTests under `mpirun -np N`: `distributed-check MODE FOLDER`.
// collectives: every collective on known values; each rank writes what it got to FOLDER/rank-R.json.
// evaluate: `evaluate` with every kind of metric, shared among the ranks and alone; each rank
//   writes both to FOLDER/rank-R.json.
// train sgd|adam sync|local FOLDER: a small network with batch norm trains an epoch of 4 global
//   batches of 16, its batch norm synchronised or per process; each rank writes its weights.
// mismatch: rank r all-reduces 10 + r floats, which must end the job with a message, not hang.

let arguments = CommandLine.arguments
guard arguments.count == 3 || (arguments.count == 5 && arguments[1] == "train") else {
    fputs("usage: distributed-check collectives|evaluate|mismatch FOLDER, or train sgd|adam sync|local FOLDER\n", stderr)
    exit(2)
}
let group: ProcessGroup
do {
    group = try ProcessGroup.world()
} catch {
    fputs("distributed-check: \(error)\n", stderr)
    exit(2)
}
let rank = group.rank, size = group.size

switch arguments[1] {
case "collectives":
    var results: [String: [Double]] = ["rank": [Double(rank)], "size": [Double(size)]]
    let floats = (0..<5).map { Float(rank * 10 + $0) }
    for operation in ReduceOperation.allCases {
        results["float \(operation.rawValue)"] = group.allReduced(floats, operation).map(Double.init)
    }
    results["double sum"] = group.allReduced([Double(rank) + 0.25, -1], .sum)
    results["int sum"] = group.allReduced([rank, 1 << 40, -rank], .sum).map(Double.init)
    results["int mean"] = group.allReduced([7 * rank + 1], .mean).map(Double.init)
    results["int32 max"] = group.allReduced([Int32(rank), -Int32(rank)], .max).map(Double.init)
    results["uint8 sum"] = group.allReduced([UInt8(rank + 1)], .sum).map(Double.init)
    var broadcast = (0..<4).map { Float(rank * 100 + $0) }
    group.broadcast(&broadcast, from: size - 1)
    results["broadcast from last"] = broadcast.map(Double.init)
    results["all gather"] = group.allGather([rank, -rank]).map(Double.init)
    // 12 MB: long enough for MPI to split it into many messages.
    var long = [Float](repeating: Float(rank + 1), count: 3_000_001)
    long.withUnsafeMutableBufferPointer { group.allReduce($0, .sum) }
    results["long sum first, last"] = [Double(long.first!), Double(long.last!)]
    var pending = [Float](repeating: Float(rank), count: 1000)
    pending.withUnsafeMutableBufferPointer { buffer in
        let reduction = group.startAllReduce(buffer, .mean)
        reduction.wait()
    }
    results["pending mean first, last"] = [Double(pending.first!), Double(pending.last!)]
    group.barrier()
    let url = URL(fileURLWithPath: arguments[2]).appendingPathComponent("rank-\(rank).json")
    try JSONEncoder().encode(results).write(to: url)
case "evaluate":
    // 7 batches of 10 scored examples of 2 classes: the ranks get unequal shares.
    let generator = RandomGenerator(seed: 5)
    let data = TensorDataset(
        inputs: Tensor.randn([70, 3], generator: generator), labels: Tensor(integers: (0..<70).map { ($0 * 7 + $0 / 3) % 2 }))
    /// A linear layer that counts its batches: each rank must measure only its share.
    final class Counted: Module {
        let linear: Linear
        var batches = 0
        init(_ linear: Linear) {
            self.linear = linear
            super.init()
        }
        override func forward(_ input: Tensor) -> Tensor {
            batches += 1
            return linear(input)
        }
    }
    let model = Counted(Linear(3, 2, generator: generator))
    func measure() -> [String: [Double]] {
        model.batches = 0
        let evaluation = MyelinTraining.evaluate(
            model, on: DataLoader(data, batchSize: 10), loss: crossEntropy, metrics: [.accuracy, .rocAUC, .confusionMatrix])
        var figures = Dictionary(uniqueKeysWithValues: evaluation.values.map { ($0.name, [$0.value]) })
        figures["confusion"] = evaluation.confusionMatrix!.counts.flatMap { $0 }.map(Double.init)
        figures["batches"] = [Double(model.batches)]
        return figures
    }
    let shared = DataParallel.$evaluationGroup.withValue(group) { measure() }
    let alone = measure()
    let url = URL(fileURLWithPath: arguments[2]).appendingPathComponent("rank-\(rank).json")
    try JSONEncoder().encode(["shared": shared, "alone": alone]).write(to: url)
case "train":
    let generator = RandomGenerator(seed: 9)
    let inputs = Tensor.randn([64, 4], generator: generator)
    let data = TensorDataset(inputs: inputs, labels: Tensor(integers: (0..<64).map { inputs[$0, 0] + inputs[$0, 1] > 0 ? 1 : 0 }))
    let model = Sequential {
        // No bias before batch norm: its gradient is zero but for rounding, which Adam would magnify.
        Linear(4, 8, bias: false, generator: generator); BatchNorm1d(8); ReLU(); Linear(8, 2, generator: generator)
    }
    let optimizer: Optimizer =
        arguments[2] == "adam" ? Adam(model.parameters, learningRate: 0.01) : SGD(model.parameters, learningRate: 0.1, momentum: 0.9)
    let task = SupervisedTask(
        model, optimizer: optimizer, loss: crossEntropy,
        on: DataLoader(
            data, batchSize: 16, shuffle: true, generator: RandomGenerator(seed: 10),
            shard: group.isDistributed ? DataShard(rank: rank, of: size) : nil))
    let parallel = DataParallel([model], group: group, synchronizingBatchNorm: arguments[3] == "sync")
    try Trainer(.epochs(1), state: task.state, dataParallel: parallel).run(task)
    let weights = Dictionary(
        uniqueKeysWithValues: model.stateDict.filter { $0.1.dtype == .float32 }.map { ($0.0, $0.1.scalars.map(Double.init)) })
    let url = URL(fileURLWithPath: arguments[4]).appendingPathComponent("rank-\(rank).json")
    try JSONEncoder().encode(weights).write(to: url)
case "mismatch":
    var uneven = [Float](repeating: 1, count: 10 + rank)
    group.allReduce(&uneven)
    print("rank \(rank) went past an all-reduce of mismatched lengths")
default:
    fputs("distributed-check: unknown mode \(arguments[1])\n", stderr)
    exit(2)
}
