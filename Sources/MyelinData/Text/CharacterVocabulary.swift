import Foundation
import MyelinTensor

/// The characters of a text, each with an id: its position in `characters`, which are the text's
/// distinct Unicode scalars sorted by value (for ASCII text, Python's `sorted(set(text))`).
///
/// Saved as JSON: `{"format":"myelin.character-vocabulary","version":1,"characters":["\n"," ",…]}`.
public struct CharacterVocabulary: Equatable, Sendable {
    /// The `format` field of the JSON file.
    public static let format = "myelin.character-vocabulary"
    /// The `version` field of the JSON file this Myelin writes and reads.
    public static let version = 1

    /// The characters in id order.
    public let characters: [Unicode.Scalar]
    /// Ids of the ASCII characters (−1 where absent), and of the others.
    private let asciiIDs: [Int32]
    private let otherIDs: [Unicode.Scalar: Int32]

    /// The sorted set of the characters of `text`.
    public init(text: String) {
        self.init(scalars: text.unicodeScalars)
    }

    /// The sorted set of `scalars`.
    public init<S: Sequence>(scalars: S) where S.Element == Unicode.Scalar {
        var ascii = [Bool](repeating: false, count: 128)
        var others = Set<Unicode.Scalar>()
        for s in scalars {
            if s.isASCII { ascii[Int(s.value)] = true } else { others.insert(s) }
        }
        let present = (0..<128).filter { ascii[$0] }.map { Unicode.Scalar(UInt8($0)) }
        self.init(distinct: present + others.sorted())
    }

    /// `characters` in this order; they must be distinct.
    private init(distinct characters: [Unicode.Scalar]) {
        self.characters = characters
        var ascii = [Int32](repeating: -1, count: 128)
        var others: [Unicode.Scalar: Int32] = [:]
        for (i, s) in characters.enumerated() {
            if s.isASCII { ascii[Int(s.value)] = Int32(i) } else { others[s] = Int32(i) }
        }
        asciiIDs = ascii
        otherIDs = others
    }

    /// Number of characters (the V of a model's embedding and output layer).
    public var count: Int { characters.count }

    /// The id of `character`, or nil if it is not in the vocabulary.
    public func id(of character: Unicode.Scalar) -> Int? {
        lookUp(character).map(Int.init)
    }

    @inline(__always) private func lookUp(_ s: Unicode.Scalar) -> Int32? {
        if s.isASCII {
            let id = asciiIDs[Int(s.value)]
            return id < 0 ? nil : id
        }
        return otherIDs[s]
    }

    /// A text to start a sample from: `preferred` if every character of it is in the vocabulary,
    /// else a line break, else the first character.
    public func prime(preferring preferred: String) -> String {
        if preferred.unicodeScalars.allSatisfy({ lookUp($0) != nil }) && !preferred.isEmpty { return preferred }
        return lookUp("\n") != nil ? "\n" : String(Character(characters[0]))
    }

    /// The ids of `text`'s characters. Throws a `DataError` naming the first character that is not
    /// in the vocabulary, with its line and column.
    public func encode(_ text: String) throws -> [Int32] {
        try encode(Array(text.unicodeScalars), path: "<text>")
    }

    /// The ids of `scalars`; an unknown character is reported as in `path`.
    func encode(_ scalars: [Unicode.Scalar], path: String) throws -> [Int32] {
        var ids = [Int32]()
        ids.reserveCapacity(scalars.count)
        for (position, s) in scalars.enumerated() {
            guard let id = lookUp(s) else {
                let before = scalars[..<position]
                let lineStart = before.lastIndex(of: "\n").map { $0 + 1 } ?? 0
                throw DataError(
                    .invalidValue, path: path, line: before.count(where: { $0 == "\n" }) + 1,
                    column: position - lineStart + 1,
                    "character \(Self.describe(s)) is not in the vocabulary of \(count) characters")
            }
            ids.append(id)
        }
        return ids
    }

    /// The text of `ids` (each in 0..<count).
    public func decode<S: Sequence>(_ ids: S) -> String where S.Element: BinaryInteger {
        var text = String.UnicodeScalarView()
        for id in ids {
            precondition(
                id >= 0 && id < count,
                "CharacterVocabulary.decode: id \(id) is out of range for a vocabulary of \(count) characters")
            text.append(characters[Int(id)])
        }
        return String(text)
    }

    /// `'x' (U+0078)`: the character (escaped if invisible) and its code point, for messages.
    static func describe(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16, uppercase: true)
        return "'\(s.escaped(asASCII: false))' (U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex))"
    }

    public static func == (a: CharacterVocabulary, b: CharacterVocabulary) -> Bool {
        a.characters == b.characters
    }
}

// MARK: - Saving and loading

extension CharacterVocabulary {
    /// The vocabulary as JSON, one line, in the field order of the format's description.
    public func jsonData() -> Data {
        let entries = characters.map(Self.jsonString).joined(separator: ",")
        return Data("{\"format\":\"\(Self.format)\",\"version\":\(Self.version),\"characters\":[\(entries)]}\n".utf8)
    }

    /// A JSON string literal holding `s` (RFC 8259 escapes; everything else as itself).
    private static func jsonString(_ s: Unicode.Scalar) -> String {
        switch s {
        case "\"": return #""\"""#
        case "\\": return #""\\""#
        case "\n": return #""\n""#
        case "\r": return #""\r""#
        case "\t": return #""\t""#
        case _ where s.value < 0x20:
            let hex = String(s.value, radix: 16)
            return "\"\\u\(String(repeating: "0", count: 4 - hex.count) + hex)\""
        default: return "\"\(s)\""
        }
    }

    /// Reads a vocabulary saved by `jsonData()`; `path` names the file in errors. Throws a
    /// `DataError` if it is not JSON, not this format or version, or an entry is not exactly one
    /// character or repeats an earlier one.
    public init(jsonData data: Data, path: String) throws {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw DataError(.badHeader, path: path, "is not valid JSON (\(error.localizedDescription))")
        }
        guard let fields = object as? [String: Any] else {
            throw DataError(.badHeader, path: path, "is not a JSON object, so not a character vocabulary")
        }
        guard let format = fields["format"] as? String, format == Self.format else {
            throw DataError(
                .badHeader, path: path,
                "format is \(fields["format"].map { "\($0)" } ?? "missing"), expected \"\(Self.format)\"")
        }
        guard let version = fields["version"] as? Int, version == Self.version else {
            throw DataError(
                .badHeader, path: path,
                "version \(fields["version"].map { "\($0)" } ?? "missing") is not one this Myelin reads (\(Self.version))")
        }
        guard let entries = fields["characters"] as? [Any] else {
            throw DataError(.badHeader, path: path, "\"characters\" is missing or not a list")
        }
        guard !entries.isEmpty else {
            throw DataError(.invalidValue, path: path, "the \"characters\" list is empty")
        }
        var characters = [Unicode.Scalar]()
        var firstEntry: [Unicode.Scalar: Int] = [:]
        for (i, entry) in entries.enumerated() {
            guard let string = entry as? String else {
                throw DataError(.invalidValue, path: path, "character \(i) is \(entry), not a string")
            }
            let scalars = Array(string.unicodeScalars)
            guard scalars.count == 1 else {
                throw DataError(
                    .invalidValue, path: path,
                    "character \(i) is \(scalars.count) Unicode scalars (\(string.debugDescription)), not one")
            }
            if let earlier = firstEntry.updateValue(i, forKey: scalars[0]) {
                throw DataError(
                    .invalidValue, path: path,
                    "character \(i) repeats character \(earlier), \(Self.describe(scalars[0]))")
            }
            characters.append(scalars[0])
        }
        self.init(distinct: characters)
    }

    /// Reads a vocabulary file saved by `save(to:)`.
    public init(contentsOf url: URL) throws {
        try self.init(jsonData: Data(GZip.readRawFile(at: url.path)), path: url.path)
    }

    /// Writes the vocabulary as JSON, atomically and durably (a synced temporary file renamed into place).
    public func save(to url: URL) throws {
        do {
            try writeFileAtomically(jsonData(), to: url)
        } catch let error as FileWriteError {
            throw DataError(.unwritable, path: url.path, "cannot write the vocabulary (\(error.step.rawValue): \(error.reason))")
        }
    }
}
