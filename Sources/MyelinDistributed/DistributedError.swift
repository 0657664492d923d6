/// Why a process launched for distributed training cannot join its group, in words that say what to do.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// Launched by `mpirun`, but no MPI library could be opened.
    case libraryNotFound(tried: [String], reasons: [String])
    /// The library lacks a function or object Myelin calls: not Open MPI, or too old.
    case missingSymbol(String, library: String)
    /// An MPI call failed while joining the group.
    case call(String, status: Int)
    /// Launched by a launcher whose library speaks another ABI (MPICH's `mpiexec`).
    case unsupportedLauncher(String)

    public var description: String {
        switch self {
        case .libraryNotFound(let tried, let reasons):
            return
                "this process was started by mpirun but no MPI library could be loaded (tried \(tried.joined(separator: ", ")): \(reasons.last ?? "not found")); install Open MPI (`apt-get install openmpi-bin libopenmpi-dev`) or set MYELIN_MPI_LIBRARY to the path of its libmpi"
        case .missingSymbol(let name, let library):
            return "\(library) has no \(name): Myelin needs Open MPI 4 or later's libmpi (set MYELIN_MPI_LIBRARY to its path)"
        case .call(let name, let status):
            return "\(name) failed with error \(status) while joining the process group"
        case .unsupportedLauncher(let launcher):
            return
                "this process was started by \(launcher), but Myelin speaks Open MPI's library only: launch with Open MPI's mpirun"
        }
    }
}
