import Foundation
import MyelinTensor

/// A text as character ids, split into a training part followed by a validation part.
///
/// The vocabulary is the sorted set of the text's characters (Unicode scalars). The first
/// ⌊N·(1 − validationFraction)⌋ ids train and the rest validate: for Shakespeare (the char-LSTM benchmark),
/// N = 1,055,110, V = 76, 949,599 training and 105,511 validation characters.
public struct TextCorpus: Sendable {
    /// The file the text came from, or `<text>`.
    public let path: String
    public let vocabulary: CharacterVocabulary
    /// The whole text's ids.
    public let ids: [Int32]
    /// The first ⌊N·(1 − validationFraction)⌋ ids.
    public let trainingIDs: [Int32]
    /// The rest.
    public let validationIDs: [Int32]

    /// Reads a UTF-8 (or ASCII) text file, gzip-compressed or not. Throws a `DataError` naming the
    /// file if it is missing or unreadable, empty, looks binary (a NUL byte, or bytes that are not
    /// UTF-8), or if the text, or one of its parts, is shorter than `minimumLength` characters
    /// (a trainer asks for one window and its target: window + 1).
    public init(contentsOf url: URL, validationFraction: Double = 0.1, minimumLength: Int) throws {
        let bytes = try GZip.readFile(at: url.path)
        try self.init(
            scalars: TextCorpus.decodeText(bytes, path: url.path), path: url.path,
            validationFraction: validationFraction, minimumLength: minimumLength)
    }

    /// A text in memory, checked as a file's would be; `name` stands for the file in errors.
    public init(text: String, validationFraction: Double = 0.1, minimumLength: Int, name: String = "<text>") throws {
        try self.init(
            scalars: Array(text.unicodeScalars), path: name,
            validationFraction: validationFraction, minimumLength: minimumLength)
    }

    private init(scalars: [Unicode.Scalar], path: String, validationFraction: Double, minimumLength: Int) throws {
        precondition(
            validationFraction >= 0 && validationFraction < 1,
            "TextCorpus: validationFraction must be in [0, 1), got \(validationFraction)")
        precondition(minimumLength >= 1, "TextCorpus: minimumLength must be at least 1, got \(minimumLength)")
        let n = scalars.count
        guard n > 0 else { throw DataError(.truncatedData, path: path, "is empty: there is no text to learn from") }
        let trainingCount = Int(Double(n) * (1 - validationFraction))
        let short = "shorter than one training window of \(minimumLength) characters"
        guard n >= minimumLength else {
            throw DataError(.truncatedData, path: path, "the text is \(n) characters long, \(short)")
        }
        guard trainingCount >= minimumLength else {
            throw DataError(
                .truncatedData, path: path,
                "its training part (the first \(trainingCount) of \(n) characters) is \(short)")
        }
        guard trainingCount == n || n - trainingCount >= minimumLength else {
            throw DataError(
                .truncatedData, path: path,
                "its validation part (the last \(n - trainingCount) of \(n) characters) is \(short)")
        }
        self.path = path
        vocabulary = CharacterVocabulary(scalars: scalars)
        ids = try vocabulary.encode(scalars, path: path)
        trainingIDs = Array(ids[..<trainingCount])
        validationIDs = Array(ids[trainingCount...])
    }

    /// A text to start samples from, taken from this text rather than assumed: the first whole line
    /// of the validation part (from its first line break on) of 1 to 40 characters, with its line
    /// break. Shakespeare's is "SIR ANDREW.\n". Without such a line, the validation part's first 40
    /// characters (the training part's, for a text without a validation part).
    public func samplePrime() -> String {
        if let line = firstValidationLine(lengths: 1...40) { return line + "\n" }
        return vocabulary.decode((validationIDs.isEmpty ? trainingIDs : validationIDs).prefix(40))
    }

    /// The first whole line of the validation part — after its first line break, up to the next
    /// one — whose length is in `lengths`, without its line break; nil when there is none.
    public func firstValidationLine(lengths: ClosedRange<Int>) -> String? {
        guard let lineBreak = vocabulary.id(of: "\n").map(Int32.init), let first = validationIDs.firstIndex(of: lineBreak) else {
            return nil
        }
        var start = first + 1
        while let end = validationIDs[start...].firstIndex(of: lineBreak) {
            if lengths.contains(end - start) { return vocabulary.decode(validationIDs[start..<end]) }
            start = end + 1
        }
        return nil
    }

    /// The Unicode scalars of UTF-8 `bytes`; throws if they look binary (a NUL byte, or not UTF-8).
    static func decodeText(_ bytes: [UInt8], path: String) throws -> [Unicode.Scalar] {
        var scalars = [Unicode.Scalar]()
        scalars.reserveCapacity(bytes.count)
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s):
                guard s != "\0" else {
                    throw DataError(.badHeader, path: path, "looks binary, not text: a NUL byte at byte offset \(offset)")
                }
                scalars.append(s)
                offset += UTF8.width(s)
            case .emptyInput:
                return scalars
            case .error:
                throw DataError(
                    .badHeader, path: path,
                    "looks binary, not text: the bytes at byte offset \(offset) are not UTF-8")
            }
        }
    }

    /// The project's `Data/text/shakespeare.txt`, looked for in `start` and every folder above it.
    public static func locateShakespeare(startingAt start: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws
        -> URL
    {
        guard let url = ProjectData.locate("text/shakespeare.txt", startingAt: start) else {
            throw DataError(
                .missingFile, path: "Data/text/shakespeare.txt",
                "not found in \(start.path) or any folder above it. Myelin keeps the complete works of "
                    + "Shakespeare (1 MB of plain text) in the repository's Data/text, and a fresh clone has it: run from "
                    + "inside the repository (`git checkout -- Data/text` restores a deleted file), or pass any UTF-8 text "
                    + "file's path instead (--text FILE).")
        }
        return url
    }
}
