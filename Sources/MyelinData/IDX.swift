import Foundation

/// An IDX file (the format of the MNIST files): a big-endian header, then an n-d array.
///
/// Header: two zero bytes, an element-type byte (0x08 = uint8, 0x09 int8, 0x0B int16, 0x0C int32,
/// 0x0D float32, 0x0E float64), the rank, then one 4-byte big-endian size per dimension.
/// `payload` holds the elements' bytes as stored (big-endian for multi-byte types).
public struct IDXFile {
    /// The IDX element types.
    public enum ElementType: UInt8, Sendable {
        case uint8 = 0x08, int8 = 0x09, int16 = 0x0B, int32 = 0x0C, float32 = 0x0D, float64 = 0x0E

        /// Bytes per element.
        public var byteSize: Int {
            switch self {
            case .uint8, .int8: return 1
            case .int16: return 2
            case .int32, .float32: return 4
            case .float64: return 8
            }
        }
    }

    public let elementType: ElementType
    /// The dimensions, outermost first (MNIST images: [count, 28, 28]).
    public let shape: [Int]
    /// The element bytes, row-major, exactly `shape.product × elementType.byteSize` of them.
    public let payload: [UInt8]

    /// Reads an IDX file, gzip or raw. `expectedRank` and `expectedType`, when given, are checked.
    public init(contentsOf path: String, expectedRank: Int? = nil, expectedType: ElementType? = nil) throws {
        try self.init(
            bytes: try GZip.readFile(at: path), name: path,
            expectedRank: expectedRank, expectedType: expectedType)
    }

    /// Reads an IDX file, gzip or raw.
    public init(contentsOf url: URL, expectedRank: Int? = nil, expectedType: ElementType? = nil) throws {
        try self.init(contentsOf: url.path, expectedRank: expectedRank, expectedType: expectedType)
    }

    /// Parses IDX bytes (already decompressed); `name` is the file named in errors.
    public init(bytes: [UInt8], name: String, expectedRank: Int? = nil, expectedType: ElementType? = nil) throws {
        guard bytes.count >= 4 else {
            throw DataError(
                .truncatedData, path: name, "IDX header is truncated: the file has \(bytes.count) bytes, the magic number alone needs 4")
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw DataError(
                .badHeader, path: name, String(format: "not an IDX file: magic number starts %02x %02x, expected 00 00", bytes[0], bytes[1])
            )
        }
        guard let type = ElementType(rawValue: bytes[2]) else {
            throw DataError(
                .badHeader, path: name, String(format: "not an IDX file: unknown element type 0x%02x in the magic number", bytes[2]))
        }
        let rank = Int(bytes[3])
        if let expectedType, type != expectedType {
            throw DataError(.badHeader, path: name, "IDX element type is \(type), expected \(expectedType)")
        }
        if let expectedRank, rank != expectedRank {
            throw DataError(.badHeader, path: name, "IDX rank is \(rank), expected \(expectedRank)")
        }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw DataError(
                .truncatedData, path: name,
                "IDX header is truncated: rank \(rank) needs \(headerSize) header bytes, the file has \(bytes.count)")
        }
        var shape = [Int]()
        var elements = 1
        for d in 0..<rank {
            let o = 4 + 4 * d
            let size = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
            shape.append(size)
            let (product, overflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw DataError(.badHeader, path: name, "IDX dimensions \(shape) are impossibly large")
            }
            elements = product
        }
        let (expectedBytes, overflow) = elements.multipliedReportingOverflow(by: type.byteSize)
        guard !overflow else {
            throw DataError(.badHeader, path: name, "IDX dimensions \(shape) are impossibly large")
        }
        let available = bytes.count - headerSize
        if available < expectedBytes {
            throw DataError(
                .truncatedData, path: name,
                "IDX data is truncated: shape \(shape) of \(type) needs \(expectedBytes) bytes after the header, the file has \(available)")
        }
        if available > expectedBytes {
            throw DataError(
                .trailingData, path: name,
                "IDX file has \(available - expectedBytes) bytes of trailing garbage after the \(expectedBytes) bytes that shape \(shape) of \(type) needs"
            )
        }
        elementType = type
        self.shape = shape
        payload = Array(bytes[headerSize...])
    }

    /// The elements converted to Float, in row-major order.
    public func floats() -> [Float] {
        payload.withUnsafeBytes { raw -> [Float] in
            let n = payload.count / elementType.byteSize
            switch elementType {
            case .uint8: return raw.map { Float($0) }
            case .int8: return raw.map { Float(Int8(bitPattern: $0)) }
            case .int16:
                return (0..<n).map { Float(Int16(bigEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self))) }
            case .int32:
                return (0..<n).map { Float(Int32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
            case .float32:
                return (0..<n).map { Float(bitPattern: UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            case .float64:
                return (0..<n).map {
                    Float(Double(bitPattern: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))))
                }
            }
        }
    }

    /// The bytes of an IDX file holding `payload` with `shape` (the inverse of parsing).
    public static func encode(shape: [Int], elementType: ElementType = .uint8, payload: [UInt8]) -> [UInt8] {
        precondition(shape.count < 256, "IDXFile.encode: rank \(shape.count) does not fit in one byte")
        precondition(shape.allSatisfy { $0 >= 0 && $0 <= Int(UInt32.max) }, "IDXFile.encode: sizes \(shape) do not fit in 32 bits")
        precondition(
            shape.reduce(1, *) * elementType.byteSize == payload.count,
            "IDXFile.encode: shape \(shape) of \(elementType) needs \(shape.reduce(1, *) * elementType.byteSize) bytes, got \(payload.count)"
        )
        var bytes: [UInt8] = [0, 0, elementType.rawValue, UInt8(shape.count)]
        for size in shape {
            bytes += [
                UInt8(truncatingIfNeeded: size >> 24), UInt8(truncatingIfNeeded: size >> 16),
                UInt8(truncatingIfNeeded: size >> 8), UInt8(truncatingIfNeeded: size),
            ]
        }
        return bytes + payload
    }
}
