/// A picture file or byte buffer that MyelinVision could not read or write; says which file and what is wrong.
public struct VisionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Problem: Equatable, Sendable {
        /// The first 8 bytes are not the PNG signature.
        case badSignature
        /// The data ends inside the named chunk (or before a chunk header).
        case truncated(chunk: String)
        /// The named chunk's stored CRC does not match its bytes.
        case crcMismatch(chunk: String)
        /// The named required chunk never appears (or not where it must).
        case missingChunk(String)
        /// A chunk whose length or type field is impossible.
        case badChunk(String)
        /// IHDR holds impossible values.
        case badHeader(String)
        /// A valid PNG this decoder does not read (palette, 16-bit, interlaced, ...).
        case unsupported(String)
        /// The compressed image data does not decode to the rows IHDR promises.
        case corruptImageData(String)
        /// The file could not be read.
        case readFailed(String)
        /// The file could not be written.
        case writeFailed(String)
    }

    /// The file concerned, or nil for bytes held in memory.
    public var path: String?
    /// What went wrong.
    public var problem: Problem

    /// An error about `path` (nil for in-memory data).
    public init(path: String?, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        let what: String
        switch problem {
        case .badSignature: what = "not a PNG file (bad signature)"
        case .truncated(let chunk): what = "truncated PNG data in \(chunk)"
        case .crcMismatch(let chunk): what = "CRC mismatch in \(chunk) chunk"
        case .missingChunk(let chunk): what = "missing \(chunk) chunk"
        case .badChunk(let why): what = "bad chunk: \(why)"
        case .badHeader(let why): what = "bad IHDR: \(why)"
        case .unsupported(let why): what = "unsupported PNG: \(why)"
        case .corruptImageData(let why): what = "corrupt image data: \(why)"
        case .readFailed(let why): what = "cannot read: \(why)"
        case .writeFailed(let why): what = "cannot write: \(why)"
        }
        return "\(path ?? "<PNG data>"): \(what)"
    }
}
