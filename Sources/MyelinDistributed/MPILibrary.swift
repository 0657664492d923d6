#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Open MPI's `libmpi`, loaded at run time (as MLX does) so that Myelin builds and runs without
/// MPI and needs it only under `mpirun`. The handles (`MPI_COMM_WORLD`, `MPI_FLOAT`, `MPI_SUM`) are
/// Open MPI's: addresses of its predefined objects, found by name. MPICH's integer handles are
/// another ABI, which this does not speak.
final class MPILibrary {
    typealias Handle = OpaquePointer
    typealias Request = OpaquePointer?

    private typealias InitThread =
        @convention(c) (
            UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?, Int32,
            UnsafeMutablePointer<Int32>
        ) -> Int32
    private typealias QueryFlag = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    private typealias CommQuery = @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    private typealias AllReduce = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer, Int32, Handle, Handle, Handle) -> Int32
    private typealias StartAllReduce =
        @convention(c) (
            UnsafeRawPointer?, UnsafeMutableRawPointer, Int32, Handle, Handle, Handle, UnsafeMutablePointer<Request>
        ) -> Int32
    private typealias Wait = @convention(c) (UnsafeMutablePointer<Request>, UnsafeMutableRawPointer?) -> Int32
    private typealias Test = @convention(c) (UnsafeMutablePointer<Request>, UnsafeMutablePointer<Int32>, UnsafeMutableRawPointer?) -> Int32
    private typealias Broadcast = @convention(c) (UnsafeMutableRawPointer, Int32, Handle, Int32, Handle) -> Int32
    private typealias AllGather = @convention(c) (UnsafeRawPointer, Int32, Handle, UnsafeMutableRawPointer, Int32, Handle, Handle) -> Int32
    private typealias Barrier = @convention(c) (Handle) -> Int32
    private typealias Abort = @convention(c) (Handle, Int32) -> Int32
    private typealias Finalize = @convention(c) () -> Int32
    private typealias VersionString = @convention(c) (UnsafeMutablePointer<CChar>, UnsafeMutablePointer<Int32>) -> Int32

    /// Where the library was found, and the version it reports.
    let path: String
    let version: String
    let world: Handle

    private let library: UnsafeMutableRawPointer
    private let allReduceFunction: AllReduce
    private let startAllReduceFunction: StartAllReduce
    private let waitFunction: Wait
    private let testFunction: Test
    private let broadcastFunction: Broadcast
    private let allGatherFunction: AllGather
    private let barrierFunction: Barrier
    private let abortFunction: Abort
    private let commQuery: (rank: CommQuery, size: CommQuery)
    private let operations: (sum: Handle, max: Handle, min: Handle)

    /// The library's names, most specific first, tried unless `MYELIN_MPI_LIBRARY` names one.
    static let candidates = ["libmpi.so.40", "libmpi.so", "libmpi.40.dylib", "libmpi.dylib"]

    /// Loads the library (RTLD_GLOBAL: Open MPI's own plugins resolve symbols in it), initialises
    /// MPI for calls from one thread at a time, and finalises it when the process exits normally.
    init(environment: [String: String]) throws(DistributedError) {
        let names = environment["MYELIN_MPI_LIBRARY"].map { [$0] } ?? Self.candidates
        var opened: (UnsafeMutableRawPointer, String)?
        var reasons: [String] = []
        for name in names {
            if let handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL) {
                opened = (handle, name)
                break
            }
            reasons.append(dlerror().map { String(cString: $0) } ?? "\(name): not found")
        }
        guard let (library, path) = opened else { throw DistributedError.libraryNotFound(tried: names, reasons: reasons) }
        self.library = library
        self.path = path

        func symbol(_ name: String) throws(DistributedError) -> UnsafeMutableRawPointer {
            guard let address = dlsym(library, name) else { throw DistributedError.missingSymbol(name, library: path) }
            return address
        }
        func function<F>(_ name: String, as type: F.Type) throws(DistributedError) -> F { unsafeBitCast(try symbol(name), to: type) }

        world = Handle(try symbol("ompi_mpi_comm_world"))
        allReduceFunction = try function("MPI_Allreduce", as: AllReduce.self)
        startAllReduceFunction = try function("MPI_Iallreduce", as: StartAllReduce.self)
        waitFunction = try function("MPI_Wait", as: Wait.self)
        testFunction = try function("MPI_Test", as: Test.self)
        broadcastFunction = try function("MPI_Bcast", as: Broadcast.self)
        allGatherFunction = try function("MPI_Allgather", as: AllGather.self)
        barrierFunction = try function("MPI_Barrier", as: Barrier.self)
        abortFunction = try function("MPI_Abort", as: Abort.self)
        commQuery = (try function("MPI_Comm_rank", as: CommQuery.self), try function("MPI_Comm_size", as: CommQuery.self))
        operations = (
            sum: Handle(try symbol("ompi_mpi_op_sum")), max: Handle(try symbol("ompi_mpi_op_max")),
            min: Handle(try symbol("ompi_mpi_op_min"))
        )

        var buffer = [CChar](repeating: 0, count: 512)
        var length: Int32 = 0
        _ = try function("MPI_Get_library_version", as: VersionString.self)(&buffer, &length)
        version = String(cString: buffer).split(separator: ",").first.map(String.init) ?? "MPI"

        var initialized: Int32 = 0
        _ = try function("MPI_Initialized", as: QueryFlag.self)(&initialized)
        if initialized == 0 {
            var provided: Int32 = 0
            let serialized: Int32 = 2  // MPI_THREAD_SERIALIZED: any thread, one at a time
            let status = try function("MPI_Init_thread", as: InitThread.self)(nil, nil, serialized, &provided)
            guard status == 0 else { throw DistributedError.call("MPI_Init_thread", status: Int(status)) }
            finalizeAtExit = try function("MPI_Finalize", as: Finalize.self)
            atexit { _ = finalizeAtExit?() }
        }
    }

    /// The datatypes looked up so far, by symbol: every collective needs one, and `dlsym` is a
    /// string lookup. (Calls come one at a time: MPI_THREAD_SERIALIZED.)
    private var datatypes: [String: Handle] = [:]

    func datatype<T: CollectiveElement>(_ type: T.Type) -> Handle {
        if let handle = datatypes[T.mpiDatatypeSymbol] { return handle }
        guard let address = dlsym(library, T.mpiDatatypeSymbol) else {
            fatalError("MPI: \(path) has no datatype \(T.mpiDatatypeSymbol) for \(T.self)")
        }
        datatypes[T.mpiDatatypeSymbol] = Handle(address)
        return Handle(address)
    }

    /// MPI_SUM, MPI_MAX or MPI_MIN (a mean is a sum, divided afterwards).
    func operation(_ operation: ReduceOperation) -> Handle {
        switch operation {
        case .sum, .mean: operations.sum
        case .max: operations.max
        case .min: operations.min
        }
    }

    var rank: Int { query(commQuery.rank) }
    var size: Int { query(commQuery.size) }

    private func query(_ function: CommQuery) -> Int {
        var value: Int32 = 0
        check(function(world, &value), "MPI_Comm_rank/size")
        return Int(value)
    }

    /// MPI_IN_PLACE in Open MPI.
    private static let inPlace = UnsafeRawPointer(bitPattern: 1)

    func allReduce(_ buffer: UnsafeMutableRawPointer, count: Int, datatype: Handle, operation: Handle) {
        check(allReduceFunction(Self.inPlace, buffer, Int32(count), datatype, operation, world), "MPI_Allreduce")
    }

    func startAllReduce(_ buffer: UnsafeMutableRawPointer, count: Int, datatype: Handle, operation: Handle) -> Request {
        var request: Request = nil
        check(startAllReduceFunction(Self.inPlace, buffer, Int32(count), datatype, operation, world, &request), "MPI_Iallreduce")
        return request
    }

    func wait(_ request: inout Request) {
        check(waitFunction(&request, nil), "MPI_Wait")
    }

    /// Lets MPI move `request` along; true once it is complete.
    func test(_ request: inout Request) -> Bool {
        var done: Int32 = 0
        check(testFunction(&request, &done, nil), "MPI_Test")
        return done != 0
    }

    func broadcast(_ buffer: UnsafeMutableRawPointer, count: Int, datatype: Handle, root: Int) {
        check(broadcastFunction(buffer, Int32(count), datatype, Int32(root), world), "MPI_Bcast")
    }

    func allGather(_ send: UnsafeRawPointer, count: Int, datatype: Handle, into receive: UnsafeMutableRawPointer) {
        check(allGatherFunction(send, Int32(count), datatype, receive, Int32(count), datatype, world), "MPI_Allgather")
    }

    func barrier() {
        check(barrierFunction(world), "MPI_Barrier")
    }

    /// Ends every process of the job (MPI_Abort): what a rank does when it cannot go on, so that
    /// the others are not left waiting in a collective.
    func abort(code: Int32) -> Never {
        _ = abortFunction(world, code)
        exit(code)
    }

    /// MPI's default error handler ends the job on an error; a status that still comes back is a
    /// broken library, and every rank stops rather than compute with garbage.
    private func check(_ status: Int32, _ call: String) {
        if status != 0 {
            reportAndAbort("MPI: \(call) failed with error \(status)")
        }
    }

    func reportAndAbort(_ message: String) -> Never {
        fputs("\(message)\n", stderr)
        abort(code: 1)
    }
}

/// MPI_Finalize, called at a normal exit once MPI was initialised here.
private nonisolated(unsafe) var finalizeAtExit: (@convention(c) () -> Int32)?
