import Foundation

/// Values a checkpoint keeps as JSON in its metadata (configurations, recipes, histories), read and
/// written one way everywhere.
public enum CheckpointMetadata {
    /// `value` as JSON with sorted keys, so the same run writes the same bytes.
    public static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// The value stored under `key` in `metadata` of the checkpoint at `path`; a `CheckpointError`
    /// naming the file, the key and `what` it should hold when it is missing or does not decode.
    public static func value<T: Decodable>(_ type: T.Type, key: String, in metadata: [String: String], path: String,
                                           what: String) throws -> T {
        guard let text = metadata[key], let value = try? JSONDecoder().decode(T.self, from: Data(text.utf8)) else {
            throw CheckpointError(path: path, message: "its \(what) (metadata \(key)) is missing or unreadable")
        }
        return value
    }
}
