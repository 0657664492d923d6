import Foundation

/// The processes training together, and what they do together: all-reduce, broadcast, all-gather
/// and barrier over buffers of floats or integers (PyTorch's `torch.distributed` process group,
/// Horovod's and MLX's MPI group). `ProcessGroup.world()` is every process `mpirun` started, or this
/// one alone when it was started any other way: then every collective returns at once, unchanged.
///
/// ```swift
/// let group = try ProcessGroup.world()
/// var gradient: [Float] = …
/// group.allReduce(&gradient, .mean)     // the same average on every rank
/// ```
///
/// Every rank must make the same collective calls in the same order with buffers of the same
/// length. Lengths are checked first on every call (a small all-reduce); when they disagree, every
/// rank prints both lengths and the job ends, rather than hang or mix unrelated data.
public final class ProcessGroup: @unchecked Sendable {
    /// This process's place in the group: 0 ..< size; rank 0 prints, saves and reports.
    public let rank: Int
    /// How many processes train together.
    public let size: Int
    /// The transport: "single process", or the MPI library's path and version.
    public let backend: String
    /// How many of the processes run on this machine (and share its cores).
    public let localSize: Int

    private let mpi: MPILibrary?

    /// This process alone: size 1, rank 0, every collective a no-op.
    public static let single = ProcessGroup()

    private init() {
        (rank, size, backend, localSize, mpi) = (0, 1, "single process", 1, nil)
    }

    private init(mpi: MPILibrary, localSize: Int) {
        self.mpi = mpi
        rank = mpi.rank
        size = mpi.size
        backend = "\(mpi.version) (\(mpi.path))"
        self.localSize = localSize
    }

    /// Whether more than one process trains.
    public var isDistributed: Bool { size > 1 }

    /// Whether this is the process that prints, writes checkpoints and reports.
    public var isLeader: Bool { rank == 0 }

    private static let lock = NSLock()
    private nonisolated(unsafe) static var started: Result<ProcessGroup, DistributedError>?

    /// Every process of the job, joined the first time this is called: all the ranks `mpirun`
    /// started (MPI loaded then, and finalised at exit), or `single` when the process was not
    /// started by a launcher of more than one process. Throws when it was, but MPI cannot be loaded.
    public static func world() throws -> ProcessGroup {
        lock.lock()
        defer { lock.unlock() }
        if started == nil {
            do {
                started = .success(try join(environment: ProcessInfo.processInfo.environment))
            } catch {
                started = .failure(error)
            }
        }
        return try started!.get()
    }

    /// The group `world()` joined, or nil before it was called (or when joining failed): for error
    /// paths that must end every rank without starting MPI for that alone.
    public static var joinedWorld: ProcessGroup? {
        lock.lock()
        defer { lock.unlock() }
        return try? started?.get()
    }

    /// What the launcher's environment says: Open MPI's `mpirun` sets OMPI_COMM_WORLD_SIZE; MPICH's
    /// and Intel's `mpiexec` set PMI_SIZE.
    static func join(environment: [String: String]) throws(DistributedError) -> ProcessGroup {
        if let size = environment["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init) {
            guard size > 1 else { return single }
            let local = environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? size
            return ProcessGroup(mpi: try MPILibrary(environment: environment), localSize: max(1, local))
        }
        if let size = environment["PMI_SIZE"].flatMap(Int.init), size > 1 {
            throw .unsupportedLauncher("a PMI launcher (mpiexec of MPICH or Intel MPI)")
        }
        return single
    }

    /// Ends every process of the job with `message` on standard error: what a rank does when it
    /// cannot go on (a file it cannot read), so that no other rank waits for it forever.
    public func abort(_ message: String, code: Int32 = 1) -> Never {
        guard let mpi else {
            fputs("\(message)\n", stderr)
            exit(code)
        }
        fputs("rank \(rank): \(message)\n", stderr)
        mpi.abort(code: code)
    }

    // MARK: Collectives

    /// Combines `buffer` element by element across the ranks, in place: the sum (or mean, max, min)
    /// of every rank's values, the same on every rank.
    public func allReduce<T: CollectiveElement>(_ buffer: UnsafeMutableBufferPointer<T>, _ operation: ReduceOperation = .sum) {
        guard let mpi, let base = buffer.baseAddress else { return }
        agreeOnLength(buffer.count, in: "allReduce")
        let datatype = mpi.datatype(T.self), reduction = mpi.operation(operation)
        for (start, count) in Self.pieces(of: buffer.count) {
            mpi.allReduce(base + start, count: count, datatype: datatype, operation: reduction)
        }
        if operation == .mean { T.divide(buffer, by: size) }
    }

    public func allReduce<T: CollectiveElement>(_ values: inout [T], _ operation: ReduceOperation = .sum) {
        values.withUnsafeMutableBufferPointer { allReduce($0, operation) }
    }

    /// `values` combined across the ranks.
    public func allReduced<T: CollectiveElement>(_ values: [T], _ operation: ReduceOperation = .sum) -> [T] {
        var result = values
        allReduce(&result, operation)
        return result
    }

    /// `value` combined across the ranks.
    public func allReduced<T: CollectiveElement>(_ value: T, _ operation: ReduceOperation = .sum) -> T {
        allReduced([value], operation)[0]
    }

    /// Starts an all-reduce of `buffer` and returns at once, so that computing can go on while the
    /// ranks exchange it (a gradient bucket while backward goes on); `wait()` finishes it. `buffer`
    /// must stay alive and untouched until then. A mean is divided in `wait()`.
    public func startAllReduce<T: CollectiveElement>(
        _ buffer: UnsafeMutableBufferPointer<T>, _ operation: ReduceOperation = .sum
    ) -> PendingAllReduce<T> {
        guard let mpi, let base = buffer.baseAddress else { return PendingAllReduce(buffer: buffer, requests: [], divisor: nil) }
        agreeOnLength(buffer.count, in: "startAllReduce")
        let datatype = mpi.datatype(T.self), reduction = mpi.operation(operation)
        let requests = Self.pieces(of: buffer.count).map { start, count in
            mpi.startAllReduce(base + start, count: count, datatype: datatype, operation: reduction)
        }
        return PendingAllReduce(buffer: buffer, requests: requests, divisor: operation == .mean ? size : nil, mpi: mpi)
    }

    /// Copies rank `root`'s `buffer` into every other rank's.
    public func broadcast<T: CollectiveElement>(_ buffer: UnsafeMutableBufferPointer<T>, from root: Int = 0) {
        // fatalError, not precondition: optimised builds keep its message.
        guard (0..<size).contains(root) else { fatalError("ProcessGroup.broadcast: root \(root) is not a rank of a group of \(size)") }
        guard let mpi, let base = buffer.baseAddress else { return }
        agreeOnLength(buffer.count, in: "broadcast")
        let datatype = mpi.datatype(T.self)
        for (start, count) in Self.pieces(of: buffer.count) {
            mpi.broadcast(base + start, count: count, datatype: datatype, root: root)
        }
    }

    public func broadcast<T: CollectiveElement>(_ values: inout [T], from root: Int = 0) {
        values.withUnsafeMutableBufferPointer { broadcast($0, from: root) }
    }

    /// Every rank's `values`, one after the other in rank order (each rank gives as many).
    public func allGather<T: CollectiveElement>(_ values: [T]) -> [T] {
        guard let mpi, !values.isEmpty else { return values }
        agreeOnLength(values.count, in: "allGather")
        guard values.count * size <= Int(Int32.max) else {
            fatalError("ProcessGroup.allGather: \(values.count) values from each of \(size) ranks is too many")
        }
        var gathered = [T](repeating: 0, count: values.count * size)
        values.withUnsafeBytes { send in
            gathered.withUnsafeMutableBytes { receive in
                mpi.allGather(send.baseAddress!, count: values.count, datatype: mpi.datatype(T.self), into: receive.baseAddress!)
            }
        }
        return gathered
    }

    /// Returns once every rank has called it.
    public func barrier() {
        mpi?.barrier()
    }

    // MARK: Checks

    /// Stops every rank, naming `operation` and the lengths, when the ranks call it with buffers of
    /// different lengths (which MPI does not check: it would hang or mix data).
    private func agreeOnLength(_ count: Int, in operation: String) {
        var bounds = [count, -count]
        bounds.withUnsafeMutableBufferPointer { buffer in
            mpi!.allReduce(buffer.baseAddress!, count: 2, datatype: mpi!.datatype(Int.self), operation: mpi!.operation(.max))
        }
        let (largest, smallest) = (bounds[0], -bounds[1])
        if largest != smallest {
            mpi!.reportAndAbort(
                "ProcessGroup.\(operation): the ranks disagree on the buffer's length (rank \(rank) has \(count); lengths run from \(smallest) to \(largest)); every rank must pass the same length"
            )
        }
    }

    /// Buffers longer than MPI's 32-bit counts go in pieces.
    static func pieces(of count: Int, limit: Int = 1 << 30) -> [(start: Int, count: Int)] {
        stride(from: 0, to: count, by: limit).map { ($0, Swift.min(limit, count - $0)) }
    }
}

/// An all-reduce under way (`ProcessGroup.startAllReduce`): `wait()` returns once its result is in
/// the buffer. Waiting twice is harmless.
public final class PendingAllReduce<T: CollectiveElement> {
    private let buffer: UnsafeMutableBufferPointer<T>
    private var requests: [MPILibrary.Request]
    private let divisor: Int?
    private let mpi: MPILibrary?
    private var finished = false

    init(buffer: UnsafeMutableBufferPointer<T>, requests: [MPILibrary.Request], divisor: Int?, mpi: MPILibrary? = nil) {
        (self.buffer, self.requests, self.divisor, self.mpi) = (buffer, requests, divisor, mpi)
    }

    /// Lets MPI move the exchange along without waiting for it (MPI progresses a started
    /// all-reduce only inside its calls): call it now and then while computing.
    public func poll() {
        guard !finished, let mpi else { return }
        for i in requests.indices where requests[i] != nil {
            if mpi.test(&requests[i]) { requests[i] = nil }
        }
    }

    public func wait() {
        guard !finished else { return }
        finished = true
        for i in requests.indices where requests[i] != nil { mpi?.wait(&requests[i]) }
        if let divisor { T.divide(buffer, by: divisor) }
    }

    deinit {
        if !finished { fatalError("PendingAllReduce: an all-reduce was started but never waited for") }
    }
}
