import Foundation

/// Values a checkpoint keeps as JSON in its metadata (configurations, recipes, histories), read and
/// written one way everywhere.
public enum CheckpointMetadata {
    /// `value` as JSON with sorted keys, so the same run writes the same bytes. Non-finite numbers
    /// (a diverged loss, a best value not yet measured) are written as the strings "nan", "inf", "-inf".
    public static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// The value `json` holds, written by `json(_:)`; nil when it does not decode.
    public static func decode<T: Decodable>(_ type: T.Type, from json: String) -> T? {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try? decoder.decode(T.self, from: Data(json.utf8))
    }

    /// The value stored under `key` in `metadata` of the checkpoint at `path`; a `CheckpointError`
    /// naming the file, the key and `what` it should hold when it is missing or does not decode.
    public static func value<T: Decodable>(
        _ type: T.Type, key: String, in metadata: [String: String], path: String,
        what: String
    ) throws -> T {
        guard let text = metadata[key], let value = decode(T.self, from: text) else {
            throw CheckpointError(path: path, message: "its \(what) (metadata \(key)) is missing or unreadable")
        }
        return value
    }
}
