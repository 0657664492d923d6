import Foundation
import MyelinVision
import Testing

/// The GIF writer checked against a decoder written here from the GIF89a specification.
@Suite struct GIFTests {
    /// A gray frame: random bytes (the LZW table fills and resets many times), a smooth ramp, or one value.
    static func frame(_ kind: String, width: Int, height: Int, seed: UInt64 = 1) -> Image {
        var state = seed
        let pixels = (0..<(width * height)).map { i -> UInt8 in
            switch kind {
            case "random":
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            case "ramp": return UInt8((i % width + i / width) % 256)
            default: return 200
            }
        }
        return Image(width: width, height: height, channels: 1, pixels: pixels)
    }

    @Test func framesDecodeToTheirPixels() throws {
        let frames = [
            Self.frame("random", width: 300, height: 211), Self.frame("ramp", width: 300, height: 211),
            Self.frame("flat", width: 300, height: 211), Self.frame("random", width: 300, height: 211, seed: 2),
        ]
        let decoded = try DecodedGIF([UInt8](Image.animatedGIFData(frames, delay: 25, loops: 0)))
        #expect(decoded.width == 300 && decoded.height == 211)
        #expect(decoded.loops == 0)
        #expect(decoded.delays == [25, 25, 25, 25])
        #expect(decoded.frames.count == 4)
        for (k, (got, want)) in zip(decoded.frames, frames).enumerated() {
            let same = got == want.pixels
            #expect(same, "frame \(k) decodes to other pixels")
        }
        // The palette is the 256 grays, so an index is its own gray level.
        #expect(
            decoded.palette.count == 256
                && decoded.palette.enumerated().allSatisfy { $0.element == [UInt8($0.offset), UInt8($0.offset), UInt8($0.offset)] })
    }

    @Test func tinyAndCountedAnimations() throws {
        let one = Image(width: 1, height: 1, channels: 1, pixels: [77])
        let decoded = try DecodedGIF([UInt8](Image.animatedGIFData([one, one], delay: 7, loops: 3)))
        #expect(decoded.frames == [[77], [77]])
        #expect(decoded.loops == 3 && decoded.delays == [7, 7])
        let bytes = [UInt8](Image.animatedGIFData([one]))
        #expect(Array(bytes.prefix(6)) == Array("GIF89a".utf8) && bytes.last == 0x3B)
    }

    @Test func writesAFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gif-\(UUID()).gif")
        defer { try? FileManager.default.removeItem(at: url) }
        let frames = [Self.frame("ramp", width: 20, height: 10), Self.frame("flat", width: 20, height: 10)]
        try Image.writeAnimatedGIF(frames, to: url, delay: 10)
        let decoded = try DecodedGIF([UInt8](Data(contentsOf: url)))
        #expect(decoded.frames == frames.map(\.pixels))
    }
}

/// What a GIF89a file holds, read by the specification's rules (only what the writer may emit).
struct DecodedGIF {
    var width = 0, height = 0
    var palette: [[UInt8]] = []
    var loops: Int?
    var delays: [Int] = []
    var frames: [[UInt8]] = []

    struct Malformed: Error { let reason: String }

    init(_ bytes: [UInt8]) throws {
        var at = 0
        func take(_ n: Int) throws -> [UInt8] {
            guard at + n <= bytes.count else { throw Malformed(reason: "truncated at \(at)") }
            defer { at += n }
            return Array(bytes[at..<at + n])
        }
        func u16() throws -> Int { let b = try take(2); return Int(b[0]) | Int(b[1]) << 8 }
        func subBlocks() throws -> [UInt8] {
            var data: [UInt8] = []
            while true {
                let n = Int(try take(1)[0])
                if n == 0 { return data }
                data += try take(n)
            }
        }
        guard try take(6) == Array("GIF89a".utf8) else { throw Malformed(reason: "signature") }
        width = try u16(); height = try u16()
        let packed = try take(2)[0]; _ = try take(1)
        guard packed & 0x80 != 0 else { throw Malformed(reason: "no global colour table") }
        let entries = 1 << (Int(packed & 7) + 1)
        palette = try (0..<entries).map { _ in try take(3) }
        while true {
            switch try take(1)[0] {
            case 0x21:
                let label = try take(1)[0]
                let data = try subBlocks()
                if label == 0xFF, data.count == 14, Array(data[0..<11]) == Array("NETSCAPE2.0".utf8), data[11] == 1 {
                    loops = Int(data[12]) | Int(data[13]) << 8
                } else if label == 0xF9, data.count == 4 {
                    delays.append(Int(data[1]) | Int(data[2]) << 8)
                }
            case 0x2C:
                let (left, top, w, h) = (try u16(), try u16(), try u16(), try u16())
                guard left == 0, top == 0, w == width, h == height, try take(1)[0] == 0 else {
                    throw Malformed(reason: "frame geometry or local palette")
                }
                let minimum = Int(try take(1)[0])
                frames.append(try Self.decodeLZW(try subBlocks(), minimumCodeSize: minimum, count: w * h))
            case 0x3B:
                return
            case let other:
                throw Malformed(reason: "unexpected block \(other) at \(at - 1)")
            }
        }
    }

    /// The variable-width LZW of GIF, as the specification's decoder: entries are added one code behind the encoder.
    static func decodeLZW(_ data: [UInt8], minimumCodeSize: Int, count: Int) throws -> [UInt8] {
        let clear = 1 << minimumCodeSize, end = clear + 1
        let roots = (0..<clear).map { [UInt8($0)] }
        var table = roots + [[], []], width = minimumCodeSize + 1
        var out: [UInt8] = [], previous: [UInt8]?, bitPosition = 0
        while true {
            guard bitPosition + width <= data.count * 8 else { throw Malformed(reason: "no end code") }
            var code = 0
            for k in 0..<width {
                let bit = Int(data[(bitPosition + k) / 8] >> UInt8((bitPosition + k) % 8)) & 1
                code |= bit << k
            }
            bitPosition += width
            if code == clear {
                table = roots + [[], []]; width = minimumCodeSize + 1; previous = nil
                continue
            }
            if code == end { break }
            let entry: [UInt8]
            if code < table.count && code > end || code < clear {
                entry = table[code]
            } else if code == table.count, let previous {
                entry = previous + [previous[0]]
            } else {
                throw Malformed(reason: "code \(code) with \(table.count) entries")
            }
            out += entry
            if let previous, table.count < 4096 { table.append(previous + [entry[0]]) }
            previous = entry
            if table.count == 1 << width && width < 12 { width += 1 }
        }
        guard out.count == count else { throw Malformed(reason: "\(out.count) pixels, expected \(count)") }
        return out
    }
}
