import Foundation
import Myelin
import MyelinModels

// ddp: W1 (the MNIST MLP, global batch 128) and W3 (LeNet-5, global batch 64) trained for one
// epoch through the Trainer, data-parallel when started by mpirun: each of N processes takes
// 1/N of every batch with 1/N of the cores (2 processes × 1 thread against 1 process × 2 threads
// on this machine's two vCPUs, or over the shaped link of Tools/veth_pair.sh). Then W3 again with
// 64 images per process (global batch 64·N), to compare N processes with one at the same
// per-process batch. The figures are the epoch's images per second for all processes together,
// timed on rank 0 between barriers, and the test accuracy after it.

func dataParallelWorkload() -> [String: Any] {
    let group = (try? ProcessGroup.world()) ?? .single
    if group.isDistributed && !Threads.isSetByEnvironment { Threads.count = max(1, Threads.count / group.localSize) }
    let train = loadMNIST(.train), test = loadMNIST(.test)
    var line: [String: Any] = ["workload": "ddp", "ranks": group.size, "threads_per_rank": Threads.count]
    let shard = group.isDistributed ? DataShard(rank: group.rank, of: group.size) : nil
    for (name, batch) in [("mlp", 128), ("lenet", 64), ("lenet_64_per_rank", 64 * group.size)] {
        let generator = RandomGenerator(seed: 0)
        let model: Module =
            name == "mlp"
            ? Sequential {
                Flatten(); Linear(784, 256, generator: generator); ReLU(); Linear(256, 256, generator: generator); ReLU();
                Linear(256, 10, generator: generator)
            }
            : LeNet(generator: generator)
        let optimizer = SGD(model.parameters, learningRate: name == "mlp" ? 0.1 : 0.05, momentum: 0.9)

        let task = SupervisedTask(
            model, optimizer: optimizer, loss: crossEntropy,
            on: DataLoader(train, batchSize: batch, shuffle: true, generator: RandomGenerator(seed: 1), shard: shard))
        let trainer = Trainer(.epochs(1), state: task.state, dataParallel: group.isDistributed ? DataParallel([model], group: group) : nil)
        group.barrier()
        var clock = Stopwatch()
        clock.start()
        try! trainer.run(task)
        group.barrier()
        line["\(name)_samples_per_sec"] = rounded(Double(train.count) / clock.stop())
        line["\(name)_test_acc"] = accuracy(of: model, on: test, flatten: name == "mlp")
    }
    line["settings"] = [
        "backend": group.backend, "epochs": 1, "mlp": "784-256-256-10, SGD 0.1 momentum 0.9, global batch 128",
        "lenet": "LeNet-5, SGD 0.05 momentum 0.9, global batch 64", "lenet_64_per_rank": "the same, global batch 64 x ranks",
        "counted": "all ranks' images per second of the epoch",
    ]
    return line
}
