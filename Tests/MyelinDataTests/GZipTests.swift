import Foundation
import MyelinData
import Testing

@Suite struct GZipTests {
    /// `printf 'Myelin gzip fixture: 0123456789\n' | gzip -9n`, made by the gzip tool, not by us.
    static let fixture: [UInt8] = [
        31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 243, 173, 76, 205, 201, 204, 83, 72, 175, 202, 44, 80, 72, 203,
        172, 40, 41, 45, 74, 181, 82, 48, 48, 52, 50, 54, 49, 53, 51, 183, 176, 228, 2, 0, 137, 8, 129, 22,
        32, 0, 0, 0,
    ]
    static let fixtureText = "Myelin gzip fixture: 0123456789\n"
    /// `printf 'second member\n' | gzip -n`.
    static let secondMember: [UInt8] = [
        31, 139, 8, 0, 0, 0, 0, 0, 0, 3, 43, 78, 77, 206, 207, 75, 81, 200, 77, 205, 77, 74, 45, 226, 2, 0,
        54, 24, 75, 14, 14, 0, 0, 0,
    ]

    @Test func decompressesAStreamMadeByTheGzipTool() throws {
        let bytes = try GZip.decompress(Self.fixture)
        #expect(String(decoding: bytes, as: UTF8.self) == Self.fixtureText)
    }

    @Test func decompressesAZlibStream() throws {
        // Python's zlib.compress(b"zlib stream"): a zlib (not gzip) header.
        let zlib: [UInt8] = [120, 156, 171, 202, 201, 76, 82, 40, 46, 41, 74, 77, 204, 5, 0, 26, 62, 4, 94]
        #expect(String(decoding: try GZip.decompress(zlib), as: UTF8.self) == "zlib stream")
    }

    @Test func joinsConcatenatedMembersAsGunzipDoes() throws {
        let bytes = try GZip.decompress(Self.fixture + Self.secondMember)
        #expect(String(decoding: bytes, as: UTF8.self) == Self.fixtureText + "second member\n")
    }

    @Test func roundTripsLargeAndEmptyInputs() throws {
        // 3 MB of mixed data: longer than the first output guess needs when the trailer lies.
        var generator = SystemRandomNumberGenerator()
        var input = [UInt8]()
        for i in 0..<3_000_000 { input.append(i % 7 == 0 ? UInt8.random(in: 0...255, using: &generator) : UInt8(i % 251)) }
        for level in [1, 6, 9] {
            let packed = GZip.compress(input, level: level)
            #expect(GZip.isGzip(packed))
            #expect(packed.count < input.count)
            #expect(try GZip.decompress(packed) == input)
        }
        #expect(try GZip.decompress(GZip.compress([])) == [])
    }

    @Test func readFilePassesRawFilesThroughAndGunzipsGzipFiles() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = try write(Array("1,2,3\n".utf8), to: "plain.csv", in: dir)
        let gz = try write(Self.fixture, to: "fixture.gz", in: dir)
        #expect(try GZip.readFile(at: raw) == Array("1,2,3\n".utf8))
        #expect(String(decoding: try GZip.readFile(at: gz), as: UTF8.self) == Self.fixtureText)
        #expect(try GZip.readFile(at: URL(fileURLWithPath: gz)).count == Self.fixtureText.utf8.count)
    }

    @Test func readsTheCommittedDigitsResource() throws {
        let url = try #require(Digits.resourceURL)
        let text = String(decoding: try GZip.readFile(at: url), as: UTF8.self)
        #expect(text.split(separator: "\n").count == 1797)
    }

    @Test func missingFileIsAnErrorNamingIt() {
        let error = dataError { try GZip.readFile(at: "/nonexistent/folder/x.gz") }
        #expect(error?.kind == .missingFile)
        #expect(error?.description.contains("/nonexistent/folder/x.gz") == true)
    }

    @Test func directoryIsNotAFile() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(dataError { try GZip.readFile(at: dir.path) }?.kind == .unreadable)
    }

    @Test func truncatedStreamIsAnErrorNamingTheFile() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let packed = GZip.compress(Array(repeating: 7, count: 10_000) + Array(0...255))
        // Cut inside the deflate data, inside the trailer, and right after the magic bytes.
        for cut in [packed.count / 2, packed.count - 3, 2] {
            let path = try write(Array(packed[..<cut]), to: "cut\(cut).gz", in: dir)
            let error = dataError { try GZip.readFile(at: path) }
            #expect(error?.kind == .truncatedCompression, "cut at \(cut)")
            #expect(error?.description.hasPrefix(path) == true)
            #expect(error?.description.contains("truncated") == true)
        }
    }

    @Test func corruptStreamIsAnErrorNamingTheFile() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var badCRC = Self.fixture
        badCRC[badCRC.count - 6] ^= 0xff  // the CRC-32 in the trailer
        var badData = Self.fixture
        badData[10] = 0xff  // the first deflate block header: an invalid block type
        var badMethod = Self.fixture
        badMethod[2] = 7  // compression method other than deflate
        for (name, bytes) in [("crc.gz", badCRC), ("data.gz", badData), ("method.gz", badMethod)] {
            let path = try write(bytes, to: name, in: dir)
            let error = dataError { try GZip.readFile(at: path) }
            #expect(error?.kind == .corruptCompression, "\(name)")
            #expect(error?.path == path)
        }
        let garbage = try write(Self.fixture + Array("junk".utf8), to: "garbage.gz", in: dir)
        #expect(dataError { try GZip.readFile(at: garbage) }?.kind == .trailingData)
        // Zero padding after the stream is tolerated, as gunzip tolerates it.
        let padded = try write(Self.fixture + [0, 0, 0, 0], to: "padded.gz", in: dir)
        #expect(String(decoding: try GZip.readFile(at: padded), as: UTF8.self) == Self.fixtureText)
    }
}
