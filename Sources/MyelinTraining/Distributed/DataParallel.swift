import MyelinDistributed
import MyelinNN
import MyelinTensor

/// Data-parallel training (PyTorch's DistributedDataParallel) over a process group: every process
/// holds the whole model and trains on its slice of each batch; gradients are averaged across the
/// processes as backward runs, so that every process takes the same step.
///
/// Give one to the `Trainer` (`dataParallel:`), and each process's `DataLoader` its `shard`. The
/// Trainer then copies every module's parameters and buffers from rank 0 when the run starts,
/// averages the gradients of each backward pass, the step's figures and the losses the NaN check
/// reads, and copies rank 0's buffers (batch-norm statistics) to the others before each evaluation.
///
/// Gradients travel in buckets of about `bucketBytes` (25 MB, as DDP; the first of 1 MB), filled in
/// the reverse order of the parameters — roughly the order backward finishes them. A bucket's
/// all-reduce starts as soon as its last gradient is final, while backward goes on with the layers
/// below; what is left (parameters a pass did not reach) goes when the pass ends.
public final class DataParallel: BackwardObserver, @unchecked Sendable {
    public let group: ProcessGroup
    /// Every module's parameters, each once, in bucket order.
    let parameters: [Tensor]
    /// Every module's parameters and buffers, for the broadcast at the start.
    let stateTensors: [Tensor]
    /// The tensors of the modules' state that are not parameters (batch-norm statistics).
    let buffers: [Tensor]
    /// Ranges of `parameters`, each a bucket.
    let buckets: [Range<Int>]
    private let bucketOf: [ObjectIdentifier: Int]
    private let positionOf: [ObjectIdentifier: Int]
    /// The parameters whose gradient this pass has made final, per bucket.
    private var finished: [Set<Int>]
    private var inFlight: [(bucket: Int, members: [Int], buffer: UnsafeMutableBufferPointer<Float>, reduction: PendingAllReduce<Float>)] =
        []

    public static let defaultBucketBytes = 25 << 20
    /// The first bucket's size (DDP's too): the last layers' gradients start travelling early.
    public static let defaultFirstBucketBytes = 1 << 20

    /// The processes that share an evaluation: `evaluate(_:on:…)` measures this process's share of
    /// the batches (batch k on rank k mod size) and combines the figures across them. The Trainer
    /// sets it to its group around each evaluation; it is this process alone otherwise.
    @TaskLocal public static var evaluationGroup: ProcessGroup = .single

    /// With `synchronizingBatchNorm`, every batch-norm layer of `modules` normalises by the
    /// statistics of the whole global batch (PyTorch's `SyncBatchNorm`), summed across the
    /// processes in forward and backward: the training is then the single-process one. Without it,
    /// each process normalises its own slice (DDP's plain `BatchNorm`; `myelin train` does this).
    public init(
        _ modules: [Module], group: ProcessGroup, synchronizingBatchNorm: Bool = false,
        bucketBytes: Int = DataParallel.defaultBucketBytes, firstBucketBytes: Int = DataParallel.defaultFirstBucketBytes
    ) {
        precondition(
            bucketBytes > 0 && firstBucketBytes > 0,
            "DataParallel: bucket sizes must be positive, got \(firstBucketBytes) and \(bucketBytes)")
        self.group = group
        var seen = Set<ObjectIdentifier>()
        let all = modules.flatMap(\.parameters).filter { seen.insert(ObjectIdentifier($0)).inserted }
        parameters = all.reversed()
        var seenState = Set<ObjectIdentifier>()
        stateTensors = modules.flatMap { $0.stateDict.map(\.1) }.filter { seenState.insert(ObjectIdentifier($0)).inserted }
        buffers = stateTensors.filter { !seen.contains(ObjectIdentifier($0)) }
        // A bucket closes before the parameter that would overflow it (one larger than a bucket
        // goes alone); the first is small, so that its all-reduce starts early in backward.
        var ranges: [Range<Int>] = []
        var start = 0, bytes = 0
        for (i, parameter) in parameters.enumerated() {
            let size = parameter.count * 4, capacity = ranges.isEmpty ? firstBucketBytes : bucketBytes
            if i > start && bytes + size > capacity {
                ranges.append(start..<i)
                (start, bytes) = (i, 0)
            }
            bytes += size
        }
        if start < parameters.count { ranges.append(start..<parameters.count) }
        buckets = ranges
        var bucketOf: [ObjectIdentifier: Int] = [:], positionOf: [ObjectIdentifier: Int] = [:]
        for (b, range) in ranges.enumerated() {
            for i in range {
                bucketOf[ObjectIdentifier(parameters[i])] = b
                positionOf[ObjectIdentifier(parameters[i])] = i
            }
        }
        (self.bucketOf, self.positionOf) = (bucketOf, positionOf)
        finished = Array(repeating: [], count: ranges.count)
        if synchronizingBatchNorm && group.isDistributed {
            for case let layer as BatchNorm in modules.flatMap({ $0.namedModules.map(\.1) }) {
                layer.sumAcrossProcesses = { group.allReduced($0) }
            }
        }
    }

    // MARK: What the Trainer calls

    /// Copies rank 0's parameters and buffers into every other rank's modules.
    public func broadcastState() {
        guard group.isDistributed else { return }
        for tensor in stateTensors { broadcast(tensor) }
    }

    /// Copies rank 0's buffers (batch-norm statistics, which each rank gathers from its own slice)
    /// into every other rank's, so that every rank evaluates and saves the same model.
    public func broadcastBuffers() {
        guard group.isDistributed else { return }
        for tensor in buffers { broadcast(tensor) }
    }

    private func broadcast(_ tensor: Tensor) {
        precondition(tensor.isContiguous, "DataParallel: a module's state tensor of shape \(tensor.shape) is not contiguous")
        tensor.withUnsafeMutableBytes { group.broadcast($0, from: 0) }
    }

    /// The mean across ranks of each figure (the ranks' slices are of equal size).
    public func averaged(_ figures: [StepOutput.Figure]) -> [StepOutput.Figure] {
        guard group.isDistributed, !figures.isEmpty else { return figures }
        let means = group.allReduced(figures.map { Double($0.value) }, .mean)
        return zip(figures, means).map { StepOutput.Figure(name: $0.name, value: Float($1)) }
    }

    // MARK: BackwardObserver

    public func gradientIsFinal(_ leaf: Tensor) {
        guard group.isDistributed, let bucket = bucketOf[ObjectIdentifier(leaf)] else { return }
        finished[bucket].insert(positionOf[ObjectIdentifier(leaf)]!)
        if finished[bucket].count == buckets[bucket].count { start(bucket) }
        // MPI moves a started all-reduce along only inside its calls: a test now and then while
        // backward runs lets the transfer overlap the computing.
        for flight in inFlight { flight.reduction.poll() }
    }

    public func backwardDidEnd() {
        guard group.isDistributed else { return }
        // The same passes reach the same parameters on every rank, so every rank starts the same buckets in the same order.
        for bucket in buckets.indices where !finished[bucket].isEmpty { start(bucket) }
        for flight in inFlight {
            flight.reduction.wait()
            var offset = 0
            for i in flight.members {
                let gradient = parameters[i].grad!
                gradient.withUnsafeMutableScalars { target in
                    target.baseAddress!.update(from: flight.buffer.baseAddress! + offset, count: target.count)
                    offset += target.count
                }
            }
            flight.buffer.deallocate()
        }
        inFlight.removeAll()
    }

    /// Starts averaging the gradients of `bucket` that this pass made final.
    private func start(_ bucket: Int) {
        let members = finished[bucket].sorted()
        finished[bucket] = []
        let total = members.reduce(0) { $0 + parameters[$1].count }
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: total)
        var offset = 0
        for i in members {
            parameters[i].grad!.withUnsafeScalars { gradient in
                (buffer.baseAddress! + offset).initialize(from: gradient.baseAddress!, count: gradient.count)
                offset += gradient.count
            }
        }
        inFlight.append((bucket, members, buffer, group.startAllReduce(buffer, .mean)))
    }
}
