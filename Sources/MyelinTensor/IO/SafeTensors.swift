import Foundation

/// Reads and writes safetensors, the checkpoint format PyTorch, JAX and MLX share.
///
/// A file is an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping each tensor's
/// name to `{"dtype": …, "shape": […], "data_offsets": [begin, end]}` (plus an optional
/// `"__metadata__"` object of strings), then the tensors' bytes: little-endian, row-major, packed
/// one after another, offsets counted from the first byte after the header.
///
/// Loading: F32 → float32, I64 → int64, I32 → int32, BOOL → bool, U8 → int32 (exact; call
/// `.to(.float32)` for pixels), and F16 and BF16 → float32, exactly (every half and bfloat16
/// value, subnormals, infinities and NaN payloads included, is a float32 value).
public enum SafeTensors {
    /// The element types of the format that Myelin reads.
    public enum DType: String, CaseIterable, Sendable {
        case f32 = "F32", f16 = "F16", bf16 = "BF16", i64 = "I64", i32 = "I32", u8 = "U8", bool = "BOOL"

        /// Bytes per element in the file.
        public var byteSize: Int {
            switch self {
            case .i64: return 8
            case .f32, .i32: return 4
            case .f16, .bf16: return 2
            case .u8, .bool: return 1
            }
        }

        /// The Myelin dtype a tensor stored as this loads as.
        public var loadedType: MyelinTensor.DType {
            switch self {
            case .f32, .f16, .bf16: return .float32
            case .i64: return .int64
            case .i32, .u8: return .int32
            case .bool: return .bool
            }
        }

        /// The dtype Myelin writes a tensor of `type` as.
        init(writing type: MyelinTensor.DType) {
            switch type {
            case .float32: self = .f32
            case .int64: self = .i64
            case .int32: self = .i32
            case .bool: self = .bool
            }
        }
    }

    /// Headers longer than this are refused, as the reference implementation refuses them.
    public static let maximumHeaderLength: UInt64 = 100_000_000

    // MARK: Writing

    /// The safetensors bytes of `tensors`, in the order given, with `metadata` as `__metadata__`.
    ///
    /// Non-contiguous tensors are written as their row-major values. The output is deterministic:
    /// `__metadata__` first with its keys sorted, then the tensors in the order given, the header
    /// padded with spaces to a multiple of 8 bytes (as the reference writer pads it).
    /// Names must be unique and not `"__metadata__"`.
    public static func encode(_ tensors: [(String, Tensor)], metadata: [String: String] = [:]) -> Data {
        var seen = Set<String>()
        for (name, _) in tensors {
            precondition(
                name != "__metadata__",
                "SafeTensors.encode: \"__metadata__\" names the metadata and cannot name a tensor")
            precondition(seen.insert(name).inserted, "SafeTensors.encode: the name \"\(name)\" is given twice")
        }
        let tensors = tensors.map { ($0.0, $0.1.isContiguous ? $0.1 : $0.1.contiguousCopy()) }

        var header = Array("{".utf8)
        if !metadata.isEmpty {
            header += Array("\"__metadata__\":{".utf8)
            let sorted = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (i, (key, value)) in sorted.enumerated() {
                if i > 0 { header.append(UInt8(ascii: ",")) }
                appendJSONString(key, to: &header)
                header.append(UInt8(ascii: ":"))
                appendJSONString(value, to: &header)
            }
            header.append(UInt8(ascii: "}"))
        }
        var dataSize = 0
        for (i, (name, tensor)) in tensors.enumerated() {
            if i > 0 || !metadata.isEmpty { header.append(UInt8(ascii: ",")) }
            appendJSONString(name, to: &header)
            let size = tensor.count * tensor.dtype.byteSize
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            header += Array(":{\"dtype\":\"\(DType(writing: tensor.dtype).rawValue)\",\"shape\":[\(shape)],".utf8)
            header += Array("\"data_offsets\":[\(dataSize),\(dataSize + size)]}".utf8)
            dataSize += size
        }
        header.append(UInt8(ascii: "}"))
        header += [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)

        var data = Data(count: 8 + header.count + dataSize)
        data.withUnsafeMutableBytes { (out: UnsafeMutableRawBufferPointer) in
            out.storeBytes(of: UInt64(header.count).littleEndian, as: UInt64.self)
            out.baseAddress!.advanced(by: 8).copyMemory(from: header, byteCount: header.count)
            var at = 8 + header.count
            for (_, tensor) in tensors {
                let source = UnsafeRawPointer(tensor.storage.base + tensor.offset * tensor.dtype.byteSize)
                let destination = out.baseAddress! + at
                switch tensor.dtype {
                case .float32, .int32: storeLittleEndian(UInt32.self, tensor.count, from: source, to: destination)
                case .int64: storeLittleEndian(UInt64.self, tensor.count, from: source, to: destination)
                case .bool: storeLittleEndian(UInt8.self, tensor.count, from: source, to: destination)
                }
                at += tensor.count * tensor.dtype.byteSize
            }
        }
        return data
    }

    /// Writes `tensors` (see `encode`) to `url` atomically: a crash leaves the old file or the new
    /// one, never part of one. Throws a `FileWriteError` naming the file and the step that failed.
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to url: URL) throws {
        try writeFileAtomically(encode(tensors, metadata: metadata), to: url)
    }

    // MARK: Reading

    /// Reads the safetensors file at `url`.
    ///
    /// Throws a `SafeTensorsError` naming the file, the tensor and the problem for a file that
    /// cannot be read or is not a valid safetensors file; never returns part of a file.
    public static func read(contentsOf url: URL) throws -> SafeTensorsFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SafeTensorsError(path: url.path, problem: .readFailed((error as NSError).localizedDescription))
        }
        return try decode(data, path: url.path)
    }

    /// Decodes safetensors bytes; `path` names them in errors.
    ///
    /// Besides the format's layout, a file must satisfy what the reference implementation checks:
    /// the header at most `maximumHeaderLength` bytes, every shape times its dtype's size equal to
    /// its offsets' span, and the tensors covering the data exactly — no overlaps, no gaps, no
    /// bytes after the last tensor. Names must be unique (so must keys within an entry and within
    /// `__metadata__`); entry fields other than dtype, shape and data_offsets are ignored.
    public static func decode(_ data: Data, path: String = "<safetensors data>") throws -> SafeTensorsFile {
        try data.withUnsafeBytes { try SafeTensorsDecoder(bytes: $0, path: path).decode() }
    }
}

/// The tensors and metadata of a safetensors file.
public struct SafeTensorsFile {
    /// The tensors' names, in the header's order (for files Myelin writes, the order they were given in).
    public let names: [String]
    /// The tensors by name.
    public let tensors: [String: Tensor]
    /// The `__metadata__` strings (empty when the file has none).
    public let metadata: [String: String]
    /// The dtype each tensor was stored as, before loading converted it (F16 → float32, U8 → int32, …).
    public let storedTypes: [String: SafeTensors.DType]

    /// The tensor named `name`, or nil when the file has none of that name.
    public func tensor(named name: String) -> Tensor? { tensors[name] }

    /// The tensors in the header's order, as `SafeTensors.encode` takes them.
    public var orderedTensors: [(String, Tensor)] { names.map { ($0, tensors[$0]!) } }
}

// MARK: - Decoding

/// One tensor's header entry, checked against the data's size.
private struct Entry {
    var name: String
    var dtype: SafeTensors.DType
    var shape: [Int]
    var count: Int
    var begin: Int
    var end: Int
}

/// Checks a whole file before it builds any tensor, so a bad file throws and nothing half-read escapes.
private struct SafeTensorsDecoder {
    let bytes: UnsafeRawBufferPointer
    let path: String

    func error(_ problem: SafeTensorsError.Problem, tensor: String? = nil) -> SafeTensorsError {
        SafeTensorsError(path: path, tensor: tensor, problem: problem)
    }

    func decode() throws -> SafeTensorsFile {
        guard bytes.count >= 8 else { throw error(.tooShort(byteCount: bytes.count)) }
        let length = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard length <= SafeTensors.maximumHeaderLength else { throw error(.headerTooLarge(length: length)) }
        guard length <= UInt64(bytes.count - 8) else {
            throw error(.headerPastEnd(length: length, available: bytes.count - 8))
        }
        let header = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + Int(length))])
        let data = UnsafeRawBufferPointer(rebasing: bytes[(8 + Int(length))...])
        if let bad = firstInvalidUTF8(header) { throw error(.headerNotUTF8(byteOffset: bad)) }
        let json: JSONValue
        do {
            json = try JSONParser.parse(header)
        } catch let failure as JSONParser.Failure {
            throw error(.headerNotJSON(failure.message))
        }
        guard case .object(let members) = json else { throw error(.headerNotObject(json.summary)) }

        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        var seen = Set<String>()
        for (name, value) in members {
            // Names are compared as Swift strings: canonically equivalent spellings are one name.
            guard seen.insert(name).inserted else { throw error(.duplicateName, tensor: name) }
            if name == "__metadata__" {
                metadata = try readMetadata(value)
            } else {
                entries.append(try entry(name, value, dataSize: data.count))
            }
        }
        try checkCoverage(entries, dataSize: data.count)

        var tensors: [String: Tensor] = [:]
        var storedTypes: [String: SafeTensors.DType] = [:]
        for entry in entries {
            tensors[entry.name] = try load(entry, from: data.baseAddress.map { $0 + entry.begin })
            storedTypes[entry.name] = entry.dtype
        }
        return SafeTensorsFile(
            names: entries.map(\.name), tensors: tensors, metadata: metadata,
            storedTypes: storedTypes)
    }

    /// The offset of the first byte that is not part of valid UTF-8, or nil.
    func firstInvalidUTF8(_ header: UnsafeRawBufferPointer) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = header.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    func readMetadata(_ value: JSONValue) throws -> [String: String] {
        guard case .object(let members) = value else { throw error(.badMetadata("is \(value.summary), not an object")) }
        var metadata: [String: String] = [:]
        for (key, value) in members {
            guard case .string(let string) = value else {
                throw error(.badMetadata("value of \"\(key)\" is \(value.summary), not a string"))
            }
            guard metadata.updateValue(string, forKey: key) == nil else {
                throw error(.badMetadata("has the key \"\(key)\" twice"))
            }
        }
        return metadata
    }

    func entry(_ name: String, _ value: JSONValue, dataSize: Int) throws -> Entry {
        func fail(_ problem: SafeTensorsError.Problem) -> SafeTensorsError { error(problem, tensor: name) }
        guard case .object(let members) = value else { throw fail(.badEntry("is \(value.summary), not an object")) }
        var fields: [String: JSONValue] = [:]
        for (key, value) in members where ["dtype", "shape", "data_offsets"].contains(key) {
            guard fields.updateValue(value, forKey: key) == nil else { throw fail(.badEntry("has \"\(key)\" twice")) }
        }
        guard let dtypeValue = fields["dtype"] else { throw fail(.badEntry("has no \"dtype\"")) }
        guard let shapeValue = fields["shape"] else { throw fail(.badEntry("has no \"shape\"")) }
        guard let offsetsValue = fields["data_offsets"] else { throw fail(.badEntry("has no \"data_offsets\"")) }

        guard case .string(let dtypeName) = dtypeValue else {
            throw fail(.badEntry("dtype is \(dtypeValue.summary), not a string"))
        }
        guard let dtype = SafeTensors.DType(rawValue: dtypeName) else { throw fail(.unsupportedDType(dtypeName)) }

        guard case .array(let sizes) = shapeValue else { throw fail(.badShape("is \(shapeValue.summary), not a list")) }
        var shape: [Int] = []
        for size in sizes {
            guard let n = size.nonNegativeInteger else {
                throw fail(.badShape("holds \(size.summary), not a size (an integer from 0 to \(Int.max))"))
            }
            shape.append(n)
        }

        guard case .array(let offsets) = offsetsValue, offsets.count == 2 else {
            throw fail(.badOffsets("is \(offsetsValue.summary), not a pair [begin, end]"))
        }
        guard let begin = offsets[0].nonNegativeInteger, let end = offsets[1].nonNegativeInteger else {
            let bad = offsets[0].nonNegativeInteger == nil ? offsets[0] : offsets[1]
            throw fail(.badOffsets("holds \(bad.summary), not an offset (an integer from 0 to \(Int.max))"))
        }
        guard begin <= end else { throw fail(.offsetsReversed(begin: begin, end: end)) }
        guard end <= dataSize else { throw fail(.offsetsPastEnd(end: end, dataSize: dataSize)) }

        // The product of the non-zero sizes must fit too: a tensor's strides are products of its sizes.
        var nonZeroProduct = 1
        for n in shape where n != 0 {
            let (product, overflow) = nonZeroProduct.multipliedReportingOverflow(by: n)
            guard !overflow else { throw fail(.sizeOverflow(shape: shape)) }
            nonZeroProduct = product
        }
        let count = shape.contains(0) ? 0 : nonZeroProduct
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw fail(.sizeOverflow(shape: shape)) }
        guard byteCount == end - begin else { throw fail(.sizeMismatch(expected: byteCount, actual: end - begin)) }
        return Entry(name: name, dtype: dtype, shape: shape, count: count, begin: begin, end: end)
    }

    /// The tensors must tile the data: in order of offsets, each begins where the one before ends,
    /// and the last ends at the end of the data (the reference implementation's rule).
    func checkCoverage(_ entries: [Entry], dataSize: Int) throws {
        let ordered = entries.indices.sorted {
            (entries[$0].begin, entries[$0].end, $0) < (entries[$1].begin, entries[$1].end, $1)
        }
        var covered = 0
        var previous: String?
        for entry in ordered.map({ entries[$0] }) {
            if entry.begin < covered, let previous { throw error(.overlaps(previous), tensor: entry.name) }
            if entry.begin > covered {
                throw error(.uncoveredBytes(begin: covered, end: entry.begin), tensor: entry.name)
            }
            covered = entry.end
            previous = entry.name
        }
        if covered != dataSize { throw error(.uncoveredBytes(begin: covered, end: dataSize)) }
    }

    /// A new tensor holding the entry's elements, converted to the type it loads as.
    func load(_ entry: Entry, from source: UnsafeRawPointer?) throws -> Tensor {
        let tensor = Tensor(empty: entry.shape, dtype: entry.dtype.loadedType)
        guard let source, entry.count > 0 else { return tensor }
        let n = entry.count
        let base = tensor.storage.base
        switch entry.dtype {
        case .f32, .i32: loadLittleEndian(UInt32.self, n, from: source, to: base)
        case .i64: loadLittleEndian(UInt64.self, n, from: source, to: base)
        case .f16: convert16(n, from: source, to: tensor.storage.floats, floatFromHalf)
        case .bf16: convert16(n, from: source, to: tensor.storage.floats, floatFromBFloat16)
        case .u8:
            let out = base.assumingMemoryBound(to: Int32.self)
            for i in 0..<n { out[i] = Int32(source.load(fromByteOffset: i, as: UInt8.self)) }
        case .bool:
            let out = base.assumingMemoryBound(to: Bool.self)
            for i in 0..<n {
                let byte = source.load(fromByteOffset: i, as: UInt8.self)
                guard byte <= 1 else { throw error(.badBool(element: i, value: byte), tensor: entry.name) }
                out[i] = byte == 1
            }
        }
        return tensor
    }
}

// MARK: - Element conversions

/// Copies `count` elements of `type` from native to little-endian byte order.
private func storeLittleEndian<T: FixedWidthInteger>(
    _ type: T.Type, _ count: Int, from source: UnsafeRawPointer,
    to destination: UnsafeMutableRawPointer
) {
    let size = MemoryLayout<T>.size
    for i in 0..<count {
        destination.storeBytes(
            of: source.load(fromByteOffset: i * size, as: T.self).littleEndian,
            toByteOffset: i * size, as: T.self)
    }
}

/// Copies `count` elements of `type` from little-endian to native byte order.
private func loadLittleEndian<T: FixedWidthInteger>(
    _ type: T.Type, _ count: Int, from source: UnsafeRawPointer,
    to destination: UnsafeMutableRawPointer
) {
    let size = MemoryLayout<T>.size
    for i in 0..<count {
        destination.storeBytes(
            of: T(littleEndian: source.loadUnaligned(fromByteOffset: i * size, as: T.self)),
            toByteOffset: i * size, as: T.self)
    }
}

/// Converts `count` little-endian 16-bit floats to float32 with `convert`.
private func convert16(
    _ count: Int, from source: UnsafeRawPointer, to destination: UnsafeMutablePointer<Float>,
    _ convert: (UInt16) -> Float
) {
    for i in 0..<count {
        destination[i] = convert(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
    }
}

/// The float32 equal to an IEEE half-precision value given by its bits. NaNs keep their sign and
/// payload (shifted into the top of float32's significand) and are not quieted.
func floatFromHalf(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1f
    let significand = UInt32(bits & 0x3ff)
    switch exponent {
    case 0x1f:  // infinity or NaN
        return Float(bitPattern: sign | 0x7f80_0000 | significand << 13)
    case 0:  // zero or subnormal: significand × 2⁻²⁴, exact in float32
        let magnitude = Float(significand) * 0x1p-24
        return Float(bitPattern: sign | magnitude.bitPattern)
    default:  // rebias the exponent from 15 to 127
        return Float(bitPattern: sign | (exponent + 112) << 23 | significand << 13)
    }
}

/// The float32 equal to a bfloat16 value given by its bits (bfloat16 is float32's top half).
func floatFromBFloat16(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}
