// The JSON of a safetensors header, read and written by hand rather than with JSONSerialization:
// a header needs its keys in order and duplicate keys found (JSONSerialization keeps the last one
// silently and forgets the order), and its sizes must be exact integers (JSONSerialization hands
// back `true`, `1.0` and `1e0` alike as the Int 1, and accepts trailing commas).

/// A parsed JSON value; objects keep their keys in order, duplicates included.
enum JSONValue {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// The number's text, checked against JSON's grammar.
    case number(String)
    case bool(Bool)
    case null

    /// The value as an error message shows it: numbers and short strings as written, else its kind.
    var summary: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string(let s): return s.count <= 40 ? "\"\(s)\"" : "a string"
        case .number(let text): return text.count <= 40 ? text : "a \(text.count)-digit number"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    /// The value if it is a number written as a non-negative integer that fits in an Int.
    var nonNegativeInteger: Int? {
        guard case .number(let text) = self, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Int(text)
    }
}

/// A strict JSON (RFC 8259) parser over UTF-8 bytes that have already been checked to be valid UTF-8.
struct JSONParser {
    /// Why the text is not JSON, and where.
    struct Failure: Error {
        var message: String
    }

    /// Safetensors headers nest three deep; anything past this is refused before it can exhaust the stack.
    static let maximumDepth = 64

    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Parses one JSON value, allowing white space around it and nothing else.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> JSONValue {
        var parser = JSONParser(bytes)
        let value = try parser.value(depth: 1)
        parser.skipWhitespace()
        if parser.index < bytes.count { throw parser.failure("unexpected \(parser.describeByte()) after the JSON value") }
        return value
    }

    private func failure(_ message: String) -> Failure {
        Failure(message: "\(message) at byte \(index) of the header")
    }

    private func describeByte() -> String {
        guard index < bytes.count else { return "end" }
        let b = bytes[index]
        return b >= 0x20 && b < 0x7f ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let b = current, b == 0x20 || b == 0x09 || b == 0x0a || b == 0x0d { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipWhitespace()
        guard current == byte else {
            throw failure("expected '\(Character(Unicode.Scalar(byte)))' but found \(describeByte())")
        }
        index += 1
    }

    private mutating func value(depth: Int) throws -> JSONValue {
        skipWhitespace()
        guard let b = current else { throw failure("expected a value but the header ends") }
        switch b {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth <= JSONParser.maximumDepth else {
                throw failure("nested deeper than \(JSONParser.maximumDepth) levels")
            }
            return b == UInt8(ascii: "{") ? try object(depth: depth) : try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("expected a value but found \(describeByte())")
        }
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        index += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw failure("expected a key but found \(describeByte())") }
            let key = try string()
            try expect(UInt8(ascii: ":"))
            members.append((key, try value(depth: depth + 1)))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(members)
            default: throw failure("expected ',' or '}' but found \(describeByte())")
            }
        }
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return .array(elements) }
        while true {
            elements.append(try value(depth: depth + 1))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(elements)
            default: throw failure("expected ',' or ']' but found \(describeByte())")
            }
        }
    }

    private mutating func literal(_ word: String) throws {
        let start = index
        for expected in word.utf8 {
            guard current == expected else { index = start; throw failure("expected \(word)") }
            index += 1
        }
    }

    /// A number's text: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
    private mutating func number() throws -> String {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else if skipDigits() == 0 {
            throw failure("expected a digit but found \(describeByte())")
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard skipDigits() > 0 else { throw failure("expected a digit after '.' but found \(describeByte())") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw failure("expected a digit in the exponent but found \(describeByte())") }
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    /// Skips decimal digits; returns how many.
    private mutating func skipDigits() -> Int {
        let first = index
        while let b = current, b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") { index += 1 }
        return index - first
    }

    private mutating func string() throws -> String {
        let start = index
        index += 1  // "
        var utf8: [UInt8] = []
        while true {
            guard let b = current else {
                index = start
                throw failure("unterminated string")
            }
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &utf8)
            case 0..<0x20:
                index -= 1
                throw failure("control character 0x\(String(b, radix: 16)) inside a string")
            default:
                utf8.append(b)
            }
        }
    }

    private mutating func escape(into utf8: inout [UInt8]) throws {
        guard let b = current else { throw failure("unterminated string") }
        index += 1
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(b)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0c)
        case UInt8(ascii: "n"): utf8.append(0x0a)
        case UInt8(ascii: "r"): utf8.append(0x0d)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xd800..<0xdc00).contains(scalar) {
                // A high surrogate must be followed by an escaped low one.
                guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
                else { throw failure("lone surrogate \\u\(String(scalar, radix: 16))") }
                index += 2
                let low = try hex4()
                guard (0xdc00..<0xe000).contains(low) else { throw failure("lone surrogate \\u\(String(scalar, radix: 16))") }
                scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
            } else if (0xdc00..<0xe000).contains(scalar) {
                throw failure("lone surrogate \\u\(String(scalar, radix: 16))")
            }
            utf8.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
        default:
            index -= 1
            throw failure("invalid escape \\\(describeByte())")
        }
    }

    private mutating func hex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            let digit: UInt8
            switch current {
            case let b? where b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case let b? where b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case let b? where b >= UInt8(ascii: "A") && b <= UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw failure("expected four hex digits after \\u but found \(describeByte())")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}

/// Appends `string` as a JSON string literal, escaped as serde_json (the reference writer) escapes
/// it: quote, backslash and control characters only, the short forms where JSON has them.
func appendJSONString(_ string: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    for b in string.utf8 {
        switch b {
        case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
        case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
        case 0x08: out += Array("\\b".utf8)
        case 0x0c: out += Array("\\f".utf8)
        case 0x0a: out += Array("\\n".utf8)
        case 0x0d: out += Array("\\r".utf8)
        case 0x09: out += Array("\\t".utf8)
        case 0..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            out += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 15)]]
        default: out.append(b)
        }
    }
    out.append(UInt8(ascii: "\""))
}
