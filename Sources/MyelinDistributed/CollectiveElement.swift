/// A scalar type the process group can move and reduce: each names the MPI datatype it travels as.
public protocol CollectiveElement: Numeric {
    /// The Open MPI datatype object's symbol (`ompi_mpi_float` is `MPI_FLOAT`).
    static var mpiDatatypeSymbol: String { get }
    /// Divides a sum by the rank count: the mean of an all-reduce.
    static func mean(of sum: Self, count: Int) -> Self
}

extension Float: CollectiveElement {
    public static var mpiDatatypeSymbol: String { "ompi_mpi_float" }
    public static func mean(of sum: Float, count: Int) -> Float { sum / Float(count) }
}

extension Double: CollectiveElement {
    public static var mpiDatatypeSymbol: String { "ompi_mpi_double" }
    public static func mean(of sum: Double, count: Int) -> Double { sum / Double(count) }
}

extension Int: CollectiveElement {
    public static var mpiDatatypeSymbol: String { "ompi_mpi_int64_t" }
    /// Rounds toward zero, as integer division does.
    public static func mean(of sum: Int, count: Int) -> Int { sum / count }
}

extension Int32: CollectiveElement {
    public static var mpiDatatypeSymbol: String { "ompi_mpi_int32_t" }
    public static func mean(of sum: Int32, count: Int) -> Int32 { sum / Int32(count) }
}

extension UInt8: CollectiveElement {
    public static var mpiDatatypeSymbol: String { "ompi_mpi_uint8_t" }
    public static func mean(of sum: UInt8, count: Int) -> UInt8 { sum / UInt8(truncatingIfNeeded: count) }
}

/// How an all-reduce combines the ranks' buffers, element by element.
public enum ReduceOperation: String, Sendable, CaseIterable {
    case sum, mean, max, min
}
