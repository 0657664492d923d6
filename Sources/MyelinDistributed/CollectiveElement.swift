/// A scalar type the process group can move and reduce: each names the MPI datatype it travels as.
public protocol CollectiveElement: Numeric {
    /// The Open MPI datatype object's symbol (`ompi_mpi_float` is `MPI_FLOAT`).
    static var mpiDatatypeSymbol: String { get }
    /// Divides every sum of `buffer` by the rank count: the mean of an all-reduce. (One call per
    /// buffer, a loop on the concrete type: a generic loop over elements costs more than the
    /// reduction itself.)
    static func divide(_ buffer: UnsafeMutableBufferPointer<Self>, by count: Int)
}

extension Float: CollectiveElement {
    public static var mpiDatatypeSymbol: String { "ompi_mpi_float" }
    public static func divide(_ buffer: UnsafeMutableBufferPointer<Float>, by count: Int) {
        let divisor = Float(count)
        for i in buffer.indices { buffer[i] /= divisor }
    }
}

extension Double: CollectiveElement {
    public static var mpiDatatypeSymbol: String { "ompi_mpi_double" }
    public static func divide(_ buffer: UnsafeMutableBufferPointer<Double>, by count: Int) {
        let divisor = Double(count)
        for i in buffer.indices { buffer[i] /= divisor }
    }
}

extension Int: CollectiveElement {
    public static var mpiDatatypeSymbol: String { "ompi_mpi_int64_t" }
    /// Rounds toward zero, as integer division does.
    public static func divide(_ buffer: UnsafeMutableBufferPointer<Int>, by count: Int) {
        for i in buffer.indices { buffer[i] /= count }
    }
}

extension Int32: CollectiveElement {
    public static var mpiDatatypeSymbol: String { "ompi_mpi_int32_t" }
    public static func divide(_ buffer: UnsafeMutableBufferPointer<Int32>, by count: Int) {
        for i in buffer.indices { buffer[i] /= Int32(count) }
    }
}

extension UInt8: CollectiveElement {
    public static var mpiDatatypeSymbol: String { "ompi_mpi_uint8_t" }
    public static func divide(_ buffer: UnsafeMutableBufferPointer<UInt8>, by count: Int) {
        for i in buffer.indices { buffer[i] /= UInt8(truncatingIfNeeded: count) }
    }
}

/// How an all-reduce combines the ranks' buffers, element by element.
public enum ReduceOperation: String, Sendable, CaseIterable {
    case sum, mean, max, min
}
