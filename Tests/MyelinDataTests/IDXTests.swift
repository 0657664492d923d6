import Foundation
import MyelinData
import Testing

@Suite struct IDXTests {
    /// A 2×3 uint8 IDX file, written byte by byte (not with `IDXFile.encode`).
    static let small: [UInt8] = [0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255]

    @Test func parsesHeaderAndPayload() throws {
        let idx = try IDXFile(bytes: Self.small, name: "small")
        #expect(idx.elementType == .uint8)
        #expect(idx.shape == [2, 3])
        #expect(idx.payload == [1, 2, 3, 4, 5, 255])
        #expect(idx.floats() == [1, 2, 3, 4, 5, 255])
        #expect(IDXFile.encode(shape: [2, 3], payload: [1, 2, 3, 4, 5, 255]) == Self.small)
    }

    @Test func readsGzipAndRawFiles() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = try write(Self.small, to: "a-idx2-ubyte", in: dir)
        let gz = try write(GZip.compress(Self.small), to: "a-idx2-ubyte.gz", in: dir)
        #expect(try IDXFile(contentsOf: raw).payload == IDXFile(contentsOf: gz).payload)
        #expect(try IDXFile(contentsOf: URL(fileURLWithPath: gz), expectedRank: 2, expectedType: .uint8).shape == [2, 3])
    }

    @Test func decodesBigEndianMultiByteTypes() throws {
        // int16 -2 and 300; float32 1.5 (0x3FC00000); int32 -70000.
        let int16 = try IDXFile(bytes: [0, 0, 0x0B, 1, 0, 0, 0, 2, 0xFF, 0xFE, 0x01, 0x2C], name: "i16")
        #expect(int16.floats() == [-2, 300])
        let float32 = try IDXFile(bytes: [0, 0, 0x0D, 1, 0, 0, 0, 1, 0x3F, 0xC0, 0, 0], name: "f32")
        #expect(float32.floats() == [1.5])
        let int32 = try IDXFile(bytes: [0, 0, 0x0C, 0, 0xFF, 0xFE, 0xEE, 0x90], name: "i32")  // rank 0: one value
        #expect(int32.shape == [])
        #expect(int32.floats() == [-70000])
    }

    @Test func everyBadFileIsAnErrorNamingIt() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, [UInt8], DataError.Kind, String)] = [
            ("empty", [], .truncatedData, "truncated"),
            ("short-magic", [0, 0, 8], .truncatedData, "truncated"),
            ("bad-magic", [0x50, 0x4B, 3, 4] + Self.small.dropFirst(4), .badHeader, "magic"),
            ("bad-type", [0, 0, 0x07, 2] + Self.small.dropFirst(4), .badHeader, "element type"),
            ("short-header", [0, 0, 8, 3, 0, 0, 0, 2, 0, 0], .truncatedData, "header is truncated"),
            ("short-data", Array(Self.small.dropLast(2)), .truncatedData, "needs 6 bytes"),
            ("trailing", Self.small + [9, 9], .trailingData, "2 bytes of trailing garbage"),
        ]
        for (name, bytes, kind, words) in cases {
            let path = try write(bytes, to: name, in: dir)
            let error = dataError { try IDXFile(contentsOf: path) }
            #expect(error?.kind == kind, "\(name)")
            #expect(error?.description.hasPrefix(path + ": ") == true, "\(name)")
            #expect(error?.message.contains(words) == true, "\(name): \(error?.message ?? "no error")")
        }
        let path = try write(Self.small, to: "rank2", in: dir)
        let wrongRank = dataError { try IDXFile(contentsOf: path, expectedRank: 3) }
        #expect(wrongRank?.kind == .badHeader)
        #expect(wrongRank?.message == "IDX rank is 2, expected 3")
        #expect(dataError { try IDXFile(contentsOf: path, expectedType: .float32) }?.kind == .badHeader)
        #expect(dataError { try IDXFile(contentsOf: dir.appendingPathComponent("absent").path) }?.kind == .missingFile)
    }
}
