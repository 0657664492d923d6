import Foundation
import MyelinVision

// An independent CRC-32, zlib wrapper and chunk writer, so tests check the library against
// code that shares nothing with it (the library uses zlib's crc32 and compress2).

/// CRC-32 (polynomial 0xEDB88320, reflected), bit by bit as PNG spec annex D describes it.
func referenceCRC(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xffff_ffff
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
    }
    return crc ^ 0xffff_ffff
}

func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 255), UInt8((v >> 8) & 255), UInt8(v & 255)] }

func readBigEndian(_ b: [UInt8], _ at: Int) -> UInt32 {
    UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
}

/// A zlib stream of uncompressed ("stored") deflate blocks around `data`.
func storedZlib(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x78, 0x01]
    var start = 0
    repeat {
        let end = min(start + 65535, data.count)
        let n = UInt16(end - start)
        out += [end == data.count ? 1 : 0, UInt8(n & 255), UInt8(n >> 8), UInt8(~n & 255), UInt8(~n >> 8)]
        out += data[start..<end]
        start = end
    } while start < data.count
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
    return out + bigEndian(b << 16 | a)
}

func chunk(_ type: String, _ data: [UInt8], crc: UInt32? = nil) -> [UInt8] {
    let typeBytes = Array(type.utf8)
    return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(crc ?? referenceCRC(typeBytes + data))
}

let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]

func ihdr(width: UInt32, height: UInt32, depth: UInt8 = 8, colorType: UInt8, interlace: UInt8 = 0) -> [UInt8] {
    chunk("IHDR", bigEndian(width) + bigEndian(height) + [depth, colorType, 0, 0, interlace])
}

/// A whole PNG file built by hand from already-filtered rows (each led by its filter byte).
func handMadePNG(width: UInt32, height: UInt32, colorType: UInt8, filteredRows: [UInt8], splitIDAT: Bool = false) -> Data {
    let z = storedZlib(filteredRows)
    let idats =
        splitIDAT
        ? chunk("IDAT", Array(z[..<(z.count / 2)])) + chunk("IDAT", Array(z[(z.count / 2)...]))
        : chunk("IDAT", z)
    return Data(signature + ihdr(width: width, height: height, colorType: colorType) + idats + chunk("IEND", []))
}

/// The chunks of a PNG byte string: (type, data, stored CRC).
func chunks(of png: [UInt8]) -> [(type: String, data: [UInt8], crc: UInt32)] {
    var out: [(String, [UInt8], UInt32)] = []
    var pos = 8
    while pos + 12 <= png.count {
        let length = Int(readBigEndian(png, pos))
        let type = String(decoding: png[(pos + 4)..<(pos + 8)], as: UTF8.self)
        out.append((type, Array(png[(pos + 8)..<(pos + 8 + length)]), readBigEndian(png, pos + 8 + length)))
        pos += 12 + length
    }
    return out
}

/// A deterministic pseudo-random image (a linear congruential generator), with smooth and noisy parts.
func testImage(width: Int, height: Int, channels: Int, seed: UInt32 = 1) -> Image {
    var state = seed
    var pixels = [UInt8]()
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<channels {
                state = state &* 1_664_525 &+ 1_013_904_223
                // Left half a gradient (filters help), right half noise (they do not).
                pixels.append(x < width / 2 ? UInt8((x * 7 + y * 3 + c * 50) & 255) : UInt8(state >> 24))
            }
        }
    }
    return Image(width: width, height: height, channels: channels, pixels: pixels)
}
