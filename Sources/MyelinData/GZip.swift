import CZlib
import Foundation

/// Reads files that may be gzip-compressed, and compresses/decompresses gzip and zlib streams.
///
/// `GZip.readFile(at:)` is what the readers use: it gunzips when the file starts with the gzip
/// magic bytes (1f 8b) and returns raw bytes otherwise, so `x.gz` and `x` read alike.
public enum GZip {
    /// Whether `bytes` start with the gzip magic number 1f 8b.
    public static func isGzip<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        var it = bytes.makeIterator()
        return it.next() == 0x1f && it.next() == 0x8b
    }

    /// The whole file, gunzipped if it is gzip. Throws a `DataError` naming the file if it is
    /// missing, unreadable, or a truncated or corrupt gzip stream.
    public static func readFile(at path: String) throws -> [UInt8] {
        let raw = try readRawFile(at: path)
        return isGzip(raw) ? try decompress(raw, name: path) : raw
    }

    /// The whole file, gunzipped if it is gzip.
    public static func readFile(at url: URL) throws -> [UInt8] {
        try readFile(at: url.path)
    }

    /// The file's bytes as stored, with errors that name it.
    public static func readRawFile(at path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(.missingFile, path: path, "no such file")
        }
        guard !isDirectory.boolValue else {
            throw DataError(.unreadable, path: path, "is a directory, not a file")
        }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe))
        } catch {
            throw DataError(.unreadable, path: path, "cannot read the file (\(error.localizedDescription))")
        }
    }

    /// Inflates a gzip or zlib stream (detected from its header); concatenated gzip members are
    /// joined, as `gunzip` does. `name` is the file named in errors.
    public static func decompress(_ input: [UInt8], name: String = "<memory>") throws -> [UInt8] {
        var stream = z_stream()
        // 15 + 32: a 32 KB window, and accept either a gzip or a zlib header.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(.corruptCompression, path: name, "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }

        var output = [UInt8](repeating: 0, count: initialOutputSize(for: input))
        var produced = 0
        try input.withUnsafeBufferPointer { inBuffer in
            guard let inBase = inBuffer.baseAddress, !inBuffer.isEmpty else {
                throw DataError(.truncatedCompression, path: name, "compressed stream is empty")
            }
            var consumed = 0  // input bytes handed to zlib so far
            stream.next_in = UnsafeMutablePointer(mutating: inBase)
            stream.avail_in = 0
            while true {
                // avail_in is 32-bit: feed inputs over 4 GiB in chunks.
                if stream.avail_in == 0 && consumed < inBuffer.count {
                    let chunk = min(inBuffer.count - consumed, Int(UInt32.max))
                    stream.next_in = UnsafeMutablePointer(mutating: inBase + consumed)
                    stream.avail_in = uInt(chunk)
                    consumed += chunk
                }
                if produced == output.count {
                    output.append(contentsOf: repeatElement(0, count: max(output.count / 2, 1 << 16)))
                }
                let status: Int32 = output.withUnsafeMutableBufferPointer { outBuffer in
                    let room = min(outBuffer.count - produced, Int(UInt32.max))
                    stream.next_out = outBuffer.baseAddress! + produced
                    stream.avail_out = uInt(room)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    produced += room - Int(stream.avail_out)
                    return status
                }
                let inputLeft = Int(stream.avail_in) + (inBuffer.count - consumed)
                switch status {
                case Z_STREAM_END:
                    if inputLeft == 0 { return }
                    let rest = UnsafeBufferPointer(rebasing: inBuffer[(inBuffer.count - inputLeft)...])
                    if isGzip(rest) {
                        // Another gzip member follows (as `cat a.gz b.gz` makes): keep going.
                        guard inflateReset(&stream) == Z_OK else {
                            throw DataError(.corruptCompression, path: name, "zlib could not restart for the next gzip member")
                        }
                    } else if rest.allSatisfy({ $0 == 0 }) {
                        return  // zero padding after the stream (tape blocks); gunzip ignores it too
                    } else {
                        throw DataError(
                            .trailingData, path: name,
                            "\(inputLeft) bytes of trailing garbage after the compressed stream")
                    }
                case Z_OK:
                    continue
                case Z_BUF_ERROR where inputLeft == 0:
                    throw DataError(
                        .truncatedCompression, path: name,
                        "compressed stream is truncated (ends after \(input.count) bytes, before its end marker)")
                case Z_BUF_ERROR:
                    continue  // no progress this call but input remains; next call gets more room
                case Z_DATA_ERROR, Z_NEED_DICT:
                    let reason = stream.msg.map { String(cString: $0) } ?? "invalid data"
                    throw DataError(
                        .corruptCompression, path: name,
                        "corrupt compressed stream (\(reason)) near input byte \(input.count - inputLeft)")
                case Z_MEM_ERROR:
                    throw DataError(.unreadable, path: name, "out of memory while decompressing")
                default:
                    throw DataError(.corruptCompression, path: name, "zlib inflate failed with status \(status)")
                }
            }
        }
        output.removeLast(output.count - produced)
        return output
    }

    /// Deflates `input` into a gzip stream (one member), as `gzip -<level>` does.
    public static func compress(_ input: [UInt8], level: Int = 6) -> [UInt8] {
        precondition((0...9).contains(level), "GZip.compress: level \(level) is not in 0...9")
        var stream = z_stream()
        // 15 + 16: a 32 KB window with a gzip (not zlib) wrapper.
        let initStatus = deflateInit2_(
            &stream, Int32(level), Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
            zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(initStatus == Z_OK, "GZip.compress: deflateInit2 failed with status \(initStatus)")
        defer { deflateEnd(&stream) }

        var output = [UInt8](repeating: 0, count: 64 + input.count + input.count / 1000)
        var produced = 0
        input.withUnsafeBufferPointer { inBuffer in
            var consumed = 0
            stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
            stream.avail_in = 0
            while true {
                if stream.avail_in == 0 && consumed < inBuffer.count {
                    let chunk = min(inBuffer.count - consumed, Int(UInt32.max))
                    stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress! + consumed)
                    stream.avail_in = uInt(chunk)
                    consumed += chunk
                }
                if produced == output.count {
                    output.append(contentsOf: repeatElement(0, count: output.count))
                }
                let flush = consumed == inBuffer.count ? Z_FINISH : Z_NO_FLUSH
                let status: Int32 = output.withUnsafeMutableBufferPointer { outBuffer in
                    let room = min(outBuffer.count - produced, Int(UInt32.max))
                    stream.next_out = outBuffer.baseAddress! + produced
                    stream.avail_out = uInt(room)
                    let status = deflate(&stream, flush)
                    produced += room - Int(stream.avail_out)
                    return status
                }
                if status == Z_STREAM_END { return }
                precondition(status == Z_OK || status == Z_BUF_ERROR, "GZip.compress: deflate failed with status \(status)")
            }
        }
        output.removeLast(output.count - produced)
        return output
    }

    /// A first guess at the inflated size: a gzip trailer's ISIZE (size mod 2^32, little-endian),
    /// trusted only when plausible, so one-member files inflate without regrowing.
    private static func initialOutputSize(for input: [UInt8]) -> Int {
        let fallback = max(4 * input.count, 1 << 16)
        guard isGzip(input), input.count >= 18 else { return fallback }
        let n = input.count
        let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
        // Deflate cannot expand more than ~1032:1; a bigger claim is a damaged or multi-member trailer.
        return isize > 0 && isize <= 1100 * n ? isize : fallback
    }
}
