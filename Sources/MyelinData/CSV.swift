import Foundation
import MyelinTensor

/// A column of a CSV table: by 0-based index (negative counts from the end: -1 is the last) or by
/// header name. Integer and string literals convert: `labelColumn: -1`, `labelColumn: "species"`.
public enum CSVColumn: Equatable, CustomStringConvertible, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    case index(Int)
    case name(String)

    public init(integerLiteral value: Int) { self = .index(value) }
    public init(stringLiteral value: String) { self = .name(value) }

    public var description: String {
        switch self {
        case .index(let i): return "column index \(i)"
        case .name(let n): return "column \"\(n)\""
        }
    }
}

/// A table of numbers read from a CSV file (gzip or plain): `rowCount × columnCount` values.
///
/// Blank lines are skipped; fields may be padded with spaces or quoted; a UTF-8 byte-order mark
/// and CRLF line ends are accepted. Every other irregularity is an error naming file, line and
/// column: a field that is not a number (anything `Float("…")` rejects, `nan`/`inf` are accepted),
/// an empty field, a row with a different number of fields.
public struct CSVTable {
    /// The file, as named in errors.
    public let path: String
    /// The header's names, when the table has a header row.
    public let header: [String]?
    public let rowCount: Int
    public let columnCount: Int
    /// All values, row-major: row r, column c is `values[r * columnCount + c]`.
    public let values: [Float]
    /// 1-based file line of each row, for errors found after parsing.
    let lineNumbers: [Int]

    /// Reads a CSV file. `delimiter` must be an ASCII character.
    public init(contentsOf path: String, hasHeader: Bool = false, delimiter: Character = ",") throws {
        try self.init(bytes: try GZip.readFile(at: path), name: path, hasHeader: hasHeader, delimiter: delimiter)
    }

    /// Reads a CSV file.
    public init(contentsOf url: URL, hasHeader: Bool = false, delimiter: Character = ",") throws {
        try self.init(contentsOf: url.path, hasHeader: hasHeader, delimiter: delimiter)
    }

    /// Parses CSV text; `name` is the file named in errors.
    public init(text: String, name: String = "<text>", hasHeader: Bool = false, delimiter: Character = ",") throws {
        try self.init(bytes: Array(text.utf8), name: name, hasHeader: hasHeader, delimiter: delimiter)
    }

    /// Parses CSV bytes (already decompressed); `name` is the file named in errors.
    public init(bytes: [UInt8], name: String, hasHeader: Bool = false, delimiter: Character = ",") throws {
        guard let separator = delimiter.asciiValue, delimiter != "\n", delimiter != "\r", delimiter != "\"" else {
            preconditionFailure(
                "CSVTable: delimiter \(delimiter.debugDescription) must be an ASCII character other than a quote or line end")
        }
        path = name
        var header: [String]? = nil
        var values = [Float]()
        var lineNumbers = [Int]()
        var width: Int? = nil
        var widthLine = 0  // the line that fixed the width, for ragged-row messages

        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0  // skip a UTF-8 BOM
        var lineNumber = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let next = end + 1
            if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            defer { start = next }
            let line = bytes[start..<end]
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }

            let fields = line.split(separator: separator, omittingEmptySubsequences: false).map(CSVTable.trimmed)
            if let width, fields.count != width {
                throw DataError(
                    .raggedRow, path: name, line: lineNumber,
                    "ragged row: \(fields.count) fields, expected \(width) as in line \(widthLine)")
            }
            if width == nil {
                width = fields.count
                widthLine = lineNumber
            }
            if hasHeader && header == nil {
                header = fields.map { String(decoding: $0, as: UTF8.self) }
                continue
            }
            for (c, field) in fields.enumerated() {
                guard let value = CSVTable.number(field) else {
                    let text = String(decoding: field, as: UTF8.self)
                    let columnName = header.map { " (\"\($0[c])\")" } ?? ""
                    throw DataError(
                        .invalidValue, path: name, line: lineNumber, column: c + 1,
                        text.isEmpty
                            ? "empty field in column \(c + 1)\(columnName)"
                            : "\"\(text)\" in column \(c + 1)\(columnName) is not a number")
                }
                values.append(value)
            }
            lineNumbers.append(lineNumber)
        }
        self.header = header
        self.values = values
        self.lineNumbers = lineNumbers
        columnCount = width ?? 0
        rowCount = lineNumbers.count
    }

    /// The 0-based index of `column`, checked against the table.
    public func columnIndex(_ column: CSVColumn) throws -> Int {
        switch column {
        case .index(let i):
            let resolved = i < 0 ? columnCount + i : i
            guard resolved >= 0 && resolved < columnCount else {
                throw DataError(.invalidValue, path: path, "\(column) is out of range for a table of \(columnCount) columns")
            }
            return resolved
        case .name(let n):
            guard let header else {
                throw DataError(
                    .invalidValue, path: path, "\(column) asked by name, but the table was read without a header row (hasHeader: false)")
            }
            guard let i = header.firstIndex(of: n) else {
                throw DataError(
                    .invalidValue, path: path, "no \(column) in the header; it has \(header.map { "\"\($0)\"" }.joined(separator: ", "))")
            }
            return i
        }
    }

    /// The values of one column, top to bottom.
    public func column(_ column: CSVColumn) throws -> [Float] {
        let c = try columnIndex(column)
        return (0..<rowCount).map { values[$0 * columnCount + c] }
    }

    /// The table without `labelColumn` as features [N, F] (row-major) and that column as labels.
    public func features(excluding labelColumn: CSVColumn) throws -> (features: [Float], featureCount: Int, labels: [Float]) {
        let l = try columnIndex(labelColumn)
        var features = [Float]()
        features.reserveCapacity(rowCount * (columnCount - 1))
        var labels = [Float]()
        labels.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            let base = r * columnCount
            features += values[base..<(base + l)]
            features += values[(base + l + 1)..<(base + columnCount)]
            labels.append(values[base + l])
        }
        return (features, columnCount - 1, labels)
    }

    /// Class labels from `column`: each must be a whole number in `0..<classCount` when given, or
    /// ≥ 0 otherwise; the error names the line of the first that is not.
    public func classLabels(_ column: CSVColumn, classCount: Int? = nil) throws -> [Int] {
        let c = try columnIndex(column)
        return try (0..<rowCount).map { r in
            let v = values[r * columnCount + c]
            let upper = classCount.map(Float.init) ?? Float(Int32.max)
            guard v == v.rounded(), v >= 0, v < upper else {
                let expected = classCount.map { "a whole number in 0..<\($0)" } ?? "a whole number ≥ 0"
                throw DataError(
                    .invalidValue, path: path, line: lineNumbers[r], column: c + 1,
                    "label \(v) is not a class label (expected \(expected))")
            }
            return Int(v)
        }
    }

    /// An in-memory dataset: every other column as float features [N, F], `labelColumn` as int64
    /// class labels [N] (checked as `classLabels` does).
    /// Throws if the table has no feature columns besides `labelColumn` (a one-column table).
    public func classificationDataset(labelColumn: CSVColumn = -1, classCount: Int? = nil) throws -> TensorDataset {
        try checkFeatureColumns(besides: labelColumn, role: "label", dataset: "a classification")
        let labels = try classLabels(labelColumn, classCount: classCount)
        let (features, featureCount, _) = try features(excluding: labelColumn)
        return TensorDataset(features: features, featureShape: [featureCount], labels: labels)
    }

    /// An in-memory dataset: every other column as float features [N, F], `targetColumn` as float
    /// targets [N] (regression). Throws if the table has no feature columns besides `targetColumn`.
    public func regressionDataset(targetColumn: CSVColumn = -1) throws -> TensorDataset {
        try checkFeatureColumns(besides: targetColumn, role: "target", dataset: "a regression")
        let (features, featureCount, targets) = try features(excluding: targetColumn)
        return TensorDataset(features: features, featureShape: [featureCount], targets: targets)
    }

    /// A dataset needs features: a table whose only column is the label/target column has none.
    private func checkFeatureColumns(besides column: CSVColumn, role: String, dataset: String) throws {
        let c = try columnIndex(column)
        guard columnCount >= 2 else {
            let name = header.map { " (\"\($0[c])\")" } ?? ""
            throw DataError(
                .invalidValue, path: path,
                "\(dataset) dataset needs at least one feature column besides the \(role) column \(c)\(name), "
                    + "but the table has only \(columnCount) column\(columnCount == 1 ? "" : "s")")
        }
    }

    private static func trimmed(_ field: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var f = field
        while let b = f.first, b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { f = f.dropFirst() }
        while let b = f.last, b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { f = f.dropLast() }
        if f.count >= 2 && f.first == UInt8(ascii: "\"") && f.last == UInt8(ascii: "\"") {
            f = f.dropFirst().dropLast()
        }
        return f
    }

    private static func number(_ field: ArraySlice<UInt8>) -> Float? {
        // Fast path for plain non-negative integers, the common case in image tables.
        if !field.isEmpty && field.count <= 7 && field.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            var v = 0
            for b in field { v = v * 10 + Int(b - UInt8(ascii: "0")) }
            return Float(v)
        }
        guard !field.isEmpty else { return nil }
        return Float(String(decoding: field, as: UTF8.self))
    }
}
