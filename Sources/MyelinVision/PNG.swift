import CZlib
import Foundation

/// A PNG row filter (PNG spec §9.2): what each byte of a row is stored relative to before compression.
public enum PNGFilter: UInt8, CaseIterable, Sendable {
    case none = 0, sub, up, average, paeth
}

/// The 8 bytes every PNG file starts with.
let pngSignature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]

// MARK: - Encoding

extension Image {
    /// This image as the bytes of an 8-bit PNG file (gray, gray+alpha, RGB or RGBA as `channels` says).
    ///
    /// `filter` nil picks, row by row, the filter with the smallest sum of absolute differences,
    /// the heuristic the PNG spec recommends; a fixed filter is mostly useful for tests.
    public func pngData(compressionLevel: Int = 6, filter: PNGFilter? = nil) -> Data {
        precondition(
            (0...9).contains(compressionLevel),
            "Image.pngData(compressionLevel:filter:): level must be 0...9, got \(compressionLevel)")
        var out = [UInt8]()
        out.reserveCapacity(pixels.count / 2 + 64)
        out += pngSignature

        var header = [UInt8]()
        appendBigEndian(UInt32(width), to: &header)
        appendBigEndian(UInt32(height), to: &header)
        header += [8, pngColorType(channels: channels), 0, 0, 0]  // depth, colour, deflate, filter set 0, no interlace
        appendChunk("IHDR", header, to: &out)

        let compressed = zlibCompress(filteredRows(filter: filter), level: Int32(compressionLevel))
        // Several IDATs of at most 1 MiB keep each chunk (and its CRC pass) small; readers join them.
        let idatSize = 1 << 20
        var start = 0
        repeat {
            let end = min(start + idatSize, compressed.count)
            appendChunk("IDAT", Array(compressed[start..<end]), to: &out)
            start = end
        } while start < compressed.count

        appendChunk("IEND", [], to: &out)
        return Data(out)
    }

    /// Writes this image as a PNG file at `url` (temporary file + rename); errors name the path.
    public func writePNG(to url: URL, compressionLevel: Int = 6) throws {
        try writeAtomically(pngData(compressionLevel: compressionLevel), to: url)
    }

    /// The rows, each prefixed by its filter type byte, ready for zlib.
    private func filteredRows(filter: PNGFilter?) -> [UInt8] {
        let stride = width * channels
        var out = [UInt8](repeating: 0, count: height * (stride + 1))
        var candidate = [UInt8](repeating: 0, count: stride)
        let zeroRow = [UInt8](repeating: 0, count: stride)
        pixels.withUnsafeBufferPointer { px in
            for y in 0..<height {
                let row = UnsafeBufferPointer(rebasing: px[(y * stride)..<((y + 1) * stride)])
                let rowStart = y * (stride + 1)
                zeroRow.withUnsafeBufferPointer { zero in
                    let prior = y == 0 ? zero : UnsafeBufferPointer(rebasing: px[((y - 1) * stride)..<(y * stride)])
                    var chosen = filter ?? .none
                    if filter == nil {
                        var best = Int.max
                        for f in PNGFilter.allCases {
                            candidate.withUnsafeMutableBufferPointer {
                                applyFilter(f, row: row, prior: prior, bpp: channels, into: $0)
                            }
                            // Bytes read as signed; a row of small differences compresses best.
                            var cost = 0
                            for b in candidate { cost += Int(b < 128 ? b : 255 - b + 1) }
                            if cost < best { best = cost; chosen = f }
                        }
                    }
                    out[rowStart] = chosen.rawValue
                    out.withUnsafeMutableBufferPointer { dst in
                        let target = UnsafeMutableBufferPointer(rebasing: dst[(rowStart + 1)..<(rowStart + 1 + stride)])
                        applyFilter(chosen, row: row, prior: prior, bpp: channels, into: target)
                    }
                }
            }
        }
        return out
    }
}

/// PNG colour type for 8-bit images with this many channels.
private func pngColorType(channels: Int) -> UInt8 {
    switch channels {
    case 1: return 0  // gray
    case 2: return 4  // gray + alpha
    case 3: return 2  // RGB
    default: return 6  // RGBA
    }
}

/// The Paeth predictor (PNG spec §9.4): whichever of left, above, upper-left is closest to left + above - upper-left.
@inline(__always)
private func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
    let p = Int(a) + Int(b) - Int(c)
    let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
    if pa <= pb && pa <= pc { return a }
    return pb <= pc ? b : c
}

private func applyFilter(
    _ filter: PNGFilter, row: UnsafeBufferPointer<UInt8>, prior: UnsafeBufferPointer<UInt8>,
    bpp: Int, into out: UnsafeMutableBufferPointer<UInt8>
) {
    let n = row.count
    switch filter {
    case .none:
        for i in 0..<n { out[i] = row[i] }
    case .sub:
        for i in 0..<n { out[i] = row[i] &- (i >= bpp ? row[i - bpp] : 0) }
    case .up:
        for i in 0..<n { out[i] = row[i] &- prior[i] }
    case .average:
        for i in 0..<n {
            let a = i >= bpp ? Int(row[i - bpp]) : 0
            out[i] = row[i] &- UInt8((a + Int(prior[i])) / 2)
        }
    case .paeth:
        for i in 0..<n {
            let a = i >= bpp ? row[i - bpp] : 0
            let c = i >= bpp ? prior[i - bpp] : 0
            out[i] = row[i] &- paeth(a, prior[i], c)
        }
    }
}

private func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
    bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
}

/// Appends length, type, data and the CRC of type + data (PNG spec §5.3).
private func appendChunk(_ type: String, _ data: [UInt8], to out: inout [UInt8]) {
    let typeBytes = Array(type.utf8)
    appendBigEndian(UInt32(data.count), to: &out)
    out += typeBytes
    out += data
    appendBigEndian(pngCRC(typeBytes + data), to: &out)
}

/// CRC-32 as PNG uses it (the same as zlib's).
func pngCRC(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBufferPointer { buffer -> UInt32 in
        var crc = crc32(0, nil, 0)
        var offset = 0
        // zlib's crc32 takes a 32-bit length; feed it in slices.
        while offset < buffer.count {
            let n = min(buffer.count - offset, 1 << 30)
            crc = crc32(crc, buffer.baseAddress! + offset, uInt(n))
            offset += n
        }
        return UInt32(crc)
    }
}

private func zlibCompress(_ bytes: [UInt8], level: Int32) -> [UInt8] {
    var capacity = compressBound(uLong(bytes.count))
    var out = [UInt8](repeating: 0, count: Int(capacity))
    let status = bytes.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            compress2(dst.baseAddress, &capacity, src.baseAddress, uLong(src.count), level)
        }
    }
    // compressBound guarantees room, so anything but Z_OK is a bug in this file or in zlib.
    precondition(status == Z_OK, "pngData: zlib compress2 failed with status \(status)")
    out.removeSubrange(Int(capacity)...)
    return out
}

// MARK: - Decoding

extension Image {
    /// Decodes an 8-bit, non-interlaced gray, gray+alpha, RGB or RGBA PNG (the kinds `pngData()` writes).
    ///
    /// Throws a `VisionError` naming the problem (bad signature, truncated chunk, CRC mismatch,
    /// unsupported colour type, ...); `path` goes into the error and is nil for in-memory data.
    public init(pngData data: Data, path: String? = nil) throws {
        let bytes = [UInt8](data)
        func fail(_ problem: VisionError.Problem) -> VisionError { VisionError(path: path, problem: problem) }

        guard bytes.count >= 8, Array(bytes[0..<8]) == pngSignature else { throw fail(.badSignature) }

        func readUInt32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
        }

        var width = 0, height = 0, channels = 0
        var compressed = [UInt8]()
        var sawHeader = false, sawData = false, sawEnd = false
        var previous = "signature"
        var pos = 8
        while !sawEnd {
            guard pos < bytes.count else { throw fail(.missingChunk("IEND")) }
            guard pos + 8 <= bytes.count else { throw fail(.truncated(chunk: "chunk header after \(previous)")) }
            let length = Int(readUInt32(pos))
            let typeBytes = Array(bytes[(pos + 4)..<(pos + 8)])
            guard typeBytes.allSatisfy({ (65...90).contains($0) || (97...122).contains($0) }) else {
                throw fail(.badChunk("chunk type bytes \(typeBytes) after \(previous) are not letters"))
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard length <= Int(Int32.max) else { throw fail(.badChunk("\(type) length \(length) exceeds 2^31-1")) }
            guard pos + 12 + length <= bytes.count else { throw fail(.truncated(chunk: type)) }
            let body = Array(bytes[(pos + 8)..<(pos + 8 + length)])
            guard pngCRC(typeBytes + body) == readUInt32(pos + 8 + length) else { throw fail(.crcMismatch(chunk: type)) }
            if !sawHeader && type != "IHDR" { throw fail(.missingChunk("IHDR")) }

            switch type {
            case "IHDR":
                if sawHeader { throw fail(.badChunk("second IHDR")) }
                guard length == 13 else { throw fail(.badHeader("length \(length), expected 13")) }
                sawHeader = true
                let w = readUInt32(pos + 8), h = readUInt32(pos + 12)
                let depth = body[8], colorType = body[9]
                guard w >= 1 && w <= UInt32(Int32.max), h >= 1 && h <= UInt32(Int32.max) else {
                    throw fail(.badHeader("size \(w)x\(h)"))
                }
                switch colorType {
                case 0: channels = 1
                case 4: channels = 2
                case 2: channels = 3
                case 6: channels = 4
                case 3: throw fail(.unsupported("colour type 3 (palette)"))
                default: throw fail(.badHeader("colour type \(colorType)"))
                }
                guard depth == 8 else {
                    let valid: Set<UInt8> = colorType == 0 ? [1, 2, 4, 8, 16] : [8, 16]
                    throw fail(
                        valid.contains(depth)
                            ? .unsupported("bit depth \(depth)")
                            : .badHeader("bit depth \(depth) for colour type \(colorType)"))
                }
                guard body[10] == 0 else { throw fail(.badHeader("compression method \(body[10])")) }
                guard body[11] == 0 else { throw fail(.badHeader("filter method \(body[11])")) }
                guard body[12] <= 1 else { throw fail(.badHeader("interlace method \(body[12])")) }
                guard body[12] == 0 else { throw fail(.unsupported("Adam7 interlacing")) }
                width = Int(w); height = Int(h)
            case "IDAT":
                sawData = true
                compressed += body
            case "IEND":
                sawEnd = true
            default:
                // Bit 5 of the first byte clear means critical: a reader must not skip it.
                if typeBytes[0] & 0x20 == 0 && type != "PLTE" { throw fail(.unsupported("critical chunk \(type)")) }
            }
            previous = type
            pos += 12 + length
        }
        guard sawData else { throw fail(.missingChunk("IDAT")) }

        let stride = width * channels
        let (expected, overflow) = height.multipliedReportingOverflow(by: stride + 1)
        // A forged header can promise terabytes; refuse before allocating.
        guard !overflow, expected <= Int(Int32.max) else {
            throw fail(.unsupported("image of \(width)x\(height)x\(channels) is too large to decode"))
        }
        // Deflate never packs more than 1032 bytes into one, so a small IDAT promising a huge image is
        // corrupt; saying so here spares allocating the promised size.
        guard expected <= compressed.count * 1032 + 1024 else {
            throw fail(.corruptImageData("\(compressed.count) compressed bytes cannot inflate to the \(expected) bytes IHDR promises"))
        }
        let raw = try zlibInflate(compressed, expected: expected, fail: fail)
        var pixels = [UInt8](repeating: 0, count: height * stride)
        try raw.withUnsafeBufferPointer { src in
            try pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let filterByte = src[y * (stride + 1)]
                    guard let filter = PNGFilter(rawValue: filterByte) else {
                        throw fail(.corruptImageData("row \(y) has filter type \(filterByte)"))
                    }
                    unfilterRow(
                        filter, src: src.baseAddress! + y * (stride + 1) + 1,
                        dst: dst.baseAddress! + y * stride,
                        prior: y == 0 ? nil : dst.baseAddress! + (y - 1) * stride,
                        count: stride, bpp: channels)
                }
            }
        }
        self.init(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Reads and decodes the PNG file at `url`; errors name the path.
    public init(contentsOfPNG url: URL) throws {
        try self.init(pngData: try readFile(url), path: url.path)
    }
}

/// Reverses a row filter; `prior` nil is the row above the first, all zeros.
private func unfilterRow(
    _ filter: PNGFilter, src: UnsafePointer<UInt8>, dst: UnsafeMutablePointer<UInt8>,
    prior: UnsafePointer<UInt8>?, count n: Int, bpp: Int
) {
    @inline(__always) func up(_ i: Int) -> UInt8 { prior?[i] ?? 0 }
    switch filter {
    case .none:
        for i in 0..<n { dst[i] = src[i] }
    case .sub:
        for i in 0..<n { dst[i] = src[i] &+ (i >= bpp ? dst[i - bpp] : 0) }
    case .up:
        for i in 0..<n { dst[i] = src[i] &+ up(i) }
    case .average:
        for i in 0..<n {
            let a = i >= bpp ? Int(dst[i - bpp]) : 0
            dst[i] = src[i] &+ UInt8((a + Int(up(i))) / 2)
        }
    case .paeth:
        for i in 0..<n {
            let a = i >= bpp ? dst[i - bpp] : 0
            let c = i >= bpp ? up(i - bpp) : 0
            dst[i] = src[i] &+ paeth(a, up(i), c)
        }
    }
}

/// Inflates a zlib stream that must produce exactly `expected` bytes.
private func zlibInflate(
    _ bytes: [UInt8], expected: Int,
    fail: (VisionError.Problem) -> VisionError
) throws -> [UInt8] {
    // One spare byte tells "exactly right" from "longer than promised".
    var out = [UInt8](repeating: 0, count: expected + 1)
    var produced = uLong(out.count)
    let status = bytes.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            uncompress(dst.baseAddress, &produced, src.baseAddress, uLong(src.count))
        }
    }
    switch status {
    case Z_OK:
        guard Int(produced) == expected else {
            throw fail(.corruptImageData("inflates to \(produced) bytes, expected \(expected)"))
        }
    case Z_BUF_ERROR:
        throw fail(.corruptImageData("inflates to more than the \(expected) bytes IHDR promises"))
    case Z_MEM_ERROR:
        throw fail(.corruptImageData("out of memory while inflating"))
    default:
        throw fail(.corruptImageData("not a valid zlib stream (zlib status \(status))"))
    }
    out.removeLast()
    return out
}
