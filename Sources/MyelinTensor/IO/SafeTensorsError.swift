/// A safetensors file that could not be read: which file, which tensor (where one is concerned)
/// and what is wrong with it.
public struct SafeTensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong. Offsets and sizes are in bytes; data offsets count from the first byte
    /// after the header, as the format's `data_offsets` do.
    public enum Problem: Equatable, Sendable {
        /// The file has fewer than the 8 bytes that hold the header's length.
        case tooShort(byteCount: Int)
        /// The header length is over the 100,000,000-byte limit (the reference implementation's).
        case headerTooLarge(length: UInt64)
        /// The header length runs past the end of the file.
        case headerPastEnd(length: UInt64, available: Int)
        /// The header is not UTF-8: the first bad byte, counted from the start of the header.
        case headerNotUTF8(byteOffset: Int)
        /// The header is not JSON (the reason says where).
        case headerNotJSON(String)
        /// The header is JSON but not an object (says what it is).
        case headerNotObject(String)
        /// The tensor's name appears twice in the header.
        case duplicateName
        /// `__metadata__` is not an object mapping strings to strings (says why).
        case badMetadata(String)
        /// The tensor's entry is not an object, or a field is missing, repeated or of the wrong kind.
        case badEntry(String)
        /// A dtype that Myelin does not read.
        case unsupportedDType(String)
        /// The shape is not a list of non-negative integers (says why).
        case badShape(String)
        /// The number of elements, or of bytes, overflows an Int.
        case sizeOverflow(shape: [Int])
        /// `data_offsets` is not a pair of non-negative integers (says why).
        case badOffsets(String)
        /// `data_offsets` ends before it begins.
        case offsetsReversed(begin: Int, end: Int)
        /// `data_offsets` ends past the data.
        case offsetsPastEnd(end: Int, dataSize: Int)
        /// The offsets span a different number of bytes than the shape and dtype need.
        case sizeMismatch(expected: Int, actual: Int)
        /// The tensor's bytes overlap those of the named tensor.
        case overlaps(String)
        /// Bytes `begin..<end` of the data belong to no tensor: the format requires the tensors to
        /// cover the data exactly (before the tensor named, or at the end when none is).
        case uncoveredBytes(begin: Int, end: Int)
        /// A BOOL element that is neither 0 nor 1.
        case badBool(element: Int, value: UInt8)
        /// The file could not be read.
        case readFailed(String)
    }

    /// The file (or the label given for bytes held in memory).
    public var path: String
    /// The tensor concerned, or nil when the problem is not about one tensor.
    public var tensor: String?
    /// What is wrong.
    public var problem: Problem

    public init(path: String, tensor: String? = nil, problem: Problem) {
        self.path = path
        self.tensor = tensor
        self.problem = problem
    }

    public var description: String {
        let what: String
        // A header that cannot be one means the file is of another kind: that is said first.
        var notSafeTensors = false
        switch problem {
        case .tooShort(let n):
            what = "\(n) bytes is too short for a safetensors file (the header length alone takes 8)"
        case .headerTooLarge(let n):
            notSafeTensors = true
            what =
                "its first 8 bytes\(Self.asText(n)), read as the header length a safetensors file starts with, "
                + "say \(n) bytes, over the format's limit of 100,000,000"
        case .headerPastEnd(let n, let available):
            what =
                "header length \(n) runs past the end of the file (\(available) bytes follow the length): "
                + "the file is cut short, or is not a safetensors file"
        case .headerNotUTF8(let at):
            notSafeTensors = true
            what = "its header is not UTF-8 (bad byte at \(at) of the header)"
        case .headerNotJSON(let why):
            notSafeTensors = true
            what = "its header is not JSON: \(why)"
        case .headerNotObject(let kind):
            notSafeTensors = true
            what = "its header is \(kind), not a JSON object"
        case .duplicateName: what = "the name appears twice in the header"
        case .badMetadata(let why): what = "__metadata__ \(why)"
        case .badEntry(let why): what = "entry \(why)"
        case .unsupportedDType(let name):
            let known = SafeTensors.DType.allCases.map(\.rawValue).joined(separator: ", ")
            what = "dtype \"\(name)\" is not one Myelin reads (\(known))"
        case .badShape(let why): what = "shape \(why)"
        case .sizeOverflow(let shape): what = "shape \(shape) has more elements or bytes than an Int can count"
        case .badOffsets(let why): what = "data_offsets \(why)"
        case .offsetsReversed(let begin, let end): what = "data_offsets [\(begin), \(end)] end before they begin"
        case .offsetsPastEnd(let end, let size):
            what = "data_offsets end at \(end), past the end of the data (\(size) bytes)"
        case .sizeMismatch(let expected, let actual):
            what = "data_offsets span \(actual) bytes but the shape and dtype need \(expected)"
        case .overlaps(let other): what = "bytes overlap those of tensor \"\(other)\""
        case .uncoveredBytes(let begin, let end):
            what = "bytes \(begin)..<\(end) of the data belong to no tensor"
        case .badBool(let element, let value): what = "BOOL element \(element) is \(value), not 0 or 1"
        case .readFailed(let why): what = "cannot read: \(why)"
        }
        if notSafeTensors { return "\(path) is not a safetensors file: \(what)" }
        return tensor.map { "\(path): tensor \"\($0)\": \(what)" } ?? "\(path): \(what)"
    }

    /// ` ("# Myelin" as text)` when the 8 little-endian bytes of `length` are printable ASCII (a
    /// text file read as safetensors), else nothing.
    private static func asText(_ length: UInt64) -> String {
        let bytes = withUnsafeBytes(of: length.littleEndian) { Array($0) }
        let escapes: [UInt8: String] = [0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x22: "\\\"", 0x5C: "\\\\"]
        guard bytes.allSatisfy({ (0x20...0x7E).contains($0) || escapes[$0] != nil }) else { return "" }
        return " (\"" + bytes.map { escapes[$0] ?? String(UnicodeScalar($0)) }.joined() + "\" as text)"
    }
}
