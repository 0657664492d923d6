import Foundation

/// A problem with a data file: which file, where in it (when known) and what is wrong.
///
/// `description` reads like a compiler diagnostic: `path:line:column: message`.
public struct DataError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// What kind of problem it is, so callers and tests can tell cases apart.
    public enum Kind: String, Sendable {
        /// The file or folder does not exist.
        case missingFile
        /// The file exists but could not be read.
        case unreadable
        /// The file could not be written.
        case unwritable
        /// The gzip/zlib stream ends before its end marker.
        case truncatedCompression
        /// The gzip/zlib stream is damaged (bad header, bad data, bad checksum).
        case corruptCompression
        /// The file's header does not describe this format (magic number, type, rank).
        case badHeader
        /// The file ends before the data its header announces.
        case truncatedData
        /// Bytes follow the data the header announces.
        case trailingData
        /// A value is not a number, or not a valid one here (a label out of range).
        case invalidValue
        /// A row has a different number of fields from the first row.
        case raggedRow
        /// Two files or parts that must agree do not (image and label counts).
        case mismatch
    }

    public let kind: Kind
    /// The file (or folder) the problem is in.
    public let path: String
    /// 1-based line, for text formats.
    public let line: Int?
    /// 1-based column (field), for text formats.
    public let column: Int?
    /// What is wrong, in words.
    public let message: String

    public init(_ kind: Kind, path: String, line: Int? = nil, column: Int? = nil, _ message: String) {
        self.kind = kind
        self.path = path
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var location = path
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return "\(location): \(message)"
    }

    public var errorDescription: String? { description }
}
