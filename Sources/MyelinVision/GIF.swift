import Foundation

// A minimal animated-GIF writer (GIF89a): one global palette of 256 grays, LZW-compressed frames,
// a NETSCAPE2.0 block so viewers loop the animation. Enough to show how a model's outputs change
// over training; colour frames would need a palette quantiser, which this does not have.

extension Image {
    /// An animated GIF of equal-size gray frames, each shown for `delay` hundredths of a second,
    /// looping `loops` times (0: for ever).
    public static func animatedGIFData(_ frames: [Image], delay: Int = 50, loops: Int = 0) -> Data {
        precondition(!frames.isEmpty, "Image.animatedGIFData: no frames")
        let (width, height) = (frames[0].width, frames[0].height)
        for (i, frame) in frames.enumerated() {
            precondition(
                frame.channels == 1 && frame.width == width && frame.height == height,
                "Image.animatedGIFData: frame \(i) is \(frame.width)x\(frame.height)x\(frame.channels), needs \(width)x\(height) gray")
        }
        precondition(width <= 0xFFFF && height <= 0xFFFF, "Image.animatedGIFData: \(width)x\(height) is over GIF's 65535")
        precondition(
            (0...0xFFFF).contains(delay) && (0...0xFFFF).contains(loops),
            "Image.animatedGIFData: delay \(delay) and loops \(loops) must be in 0...65535")
        var out = Array("GIF89a".utf8)
        func append16(_ value: Int) { out += [UInt8(value & 0xFF), UInt8(value >> 8)] }
        // Logical screen: a global colour table of 2^(7+1) entries, 8 bits per primary.
        append16(width); append16(height)
        out += [0xF7, 0, 0]
        for gray in 0...255 { out += [UInt8(gray), UInt8(gray), UInt8(gray)] }
        // Application extension NETSCAPE2.0: sub-block 1 holds the loop count.
        out += [0x21, 0xFF, 11] + Array("NETSCAPE2.0".utf8) + [3, 1]
        append16(loops); out.append(0)
        for frame in frames {
            // Graphic control: disposal 1 (leave the frame), no transparency, the delay.
            out += [0x21, 0xF9, 4, 0x04]
            append16(delay); out += [0, 0]
            // Image descriptor: the whole screen, no local palette, not interlaced.
            out.append(0x2C)
            append16(0); append16(0); append16(width); append16(height)
            out.append(0)
            out.append(8)  // LZW minimum code size: 8-bit pixels
            let compressed = gifLZW(frame.pixels)
            for start in stride(from: 0, to: compressed.count, by: 255) {
                let block = compressed[start..<min(start + 255, compressed.count)]
                out.append(UInt8(block.count))
                out += block
            }
            out.append(0)
        }
        out.append(0x3B)
        return Data(out)
    }

    /// Writes `animatedGIFData(frames, delay:, loops:)` to `url` (temporary file + rename); errors name the path.
    public static func writeAnimatedGIF(_ frames: [Image], to url: URL, delay: Int = 50, loops: Int = 0) throws {
        try writeAtomically(animatedGIFData(frames, delay: delay, loops: loops), to: url)
    }
}

/// GIF's LZW of 8-bit indices: codes from 9 to 12 bits, least significant bit first, a clear
/// code first and whenever the 4,096-entry table is full, an end code last.
package func gifLZW(_ indices: [UInt8]) -> [UInt8] {
    let clear = 256, end = 257
    var out: [UInt8] = [], buffer: UInt32 = 0, bits = 0
    var codeSize = 9
    func emit(_ code: Int) {
        buffer |= UInt32(code) << UInt32(bits)
        bits += codeSize
        while bits >= 8 {
            out.append(UInt8(buffer & 0xFF))
            buffer >>= 8
            bits -= 8
        }
    }
    // The table as a trie: child[code << 8 | byte] is the code of (string of code) + byte, 0 if none.
    var child = [UInt16](repeating: 0, count: 4096 << 8)
    var used: [Int] = []  // slots to zero on a reset, cheaper than clearing the whole table
    var last = end  // the highest code in use
    emit(clear)
    guard var current = indices.first.map(Int.init) else {
        emit(end)
        if bits > 0 { out.append(UInt8(buffer & 0xFF)) }
        return out
    }
    for byte in indices.dropFirst() {
        let slot = current << 8 | Int(byte)
        if child[slot] != 0 {
            current = Int(child[slot])
            continue
        }
        emit(current)
        last += 1
        child[slot] = UInt16(last)
        used.append(slot)
        // The decoder adds its entries one code behind, so the width grows once a code of the
        // next width has been made, not when it is first sent.
        if last >= 1 << codeSize && codeSize < 12 { codeSize += 1 }
        if last == 4095 {
            emit(clear)
            for s in used { child[s] = 0 }
            used.removeAll(keepingCapacity: true)
            codeSize = 9
            last = end
        }
        current = Int(byte)
    }
    emit(current)
    emit(end)
    if bits > 0 { out.append(UInt8(buffer & 0xFF)) }
    return out
}
