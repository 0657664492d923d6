import CMyelinKernels
import Foundation
import Testing

/// myelin_allocate: large buffers mapped on their own on 2 MiB boundaries and advised onto the
/// kernel's transparent huge pages; small ones from the C library, cache-line aligned.
@Suite struct MemoryTests {
    @Test func aLargeBufferStartsOnA2MiBBoundaryAndIsAdvisedOntoHugePages() throws {
        let bytes = (3 << 20) + 123
        let buffer = try #require(myelin_allocate(bytes))
        defer { myelin_free(buffer, bytes) }
        memset(buffer, 0x5A, bytes)  // every byte asked for is ours
        #expect(buffer.load(fromByteOffset: bytes - 1, as: UInt8.self) == 0x5A)
        #if os(Linux)
            #expect(UInt(bitPattern: buffer) % (2 << 20) == 0)
            // A kernel built with transparent huge pages flags the advised mapping "hg", whatever
            // its setting ("never" only keeps the pages small).
            if FileManager.default.fileExists(atPath: "/sys/kernel/mm/transparent_hugepage/enabled") {
                let flags = try #require(mappingFlags(containing: buffer), "no mapping holds the buffer")
                #expect(flags.contains("hg"), "VmFlags: \(flags.joined(separator: " "))")
            }
        #endif
    }

    @Test func buffersJustUnderAndOverTheThresholdAreUsableAndAligned() throws {
        let threshold = Int(MYELIN_HUGE_PAGE_MIN_BYTES)
        for bytes in [1, 1000, threshold - 1, threshold, threshold + 1, 2 << 20] {
            let buffer = try #require(myelin_allocate(bytes))
            #expect(UInt(bitPattern: buffer) % 64 == 0, "\(bytes) bytes at \(buffer)")
            memset(buffer, 0xA5, bytes)
            #expect(buffer.load(fromByteOffset: bytes - 1, as: UInt8.self) == 0xA5)
            myelin_free(buffer, bytes)
        }
        myelin_free(nil, 1 << 20)  // like free(NULL): nothing
    }
}

/// The VmFlags of the mapping in /proc/self/smaps that holds `address`, or nil.
private func mappingFlags(containing address: UnsafeMutableRawPointer) -> [String]? {
    // Read to the end: a /proc file reports no size, and a read sized by it gets nothing.
    guard let file = FileHandle(forReadingAtPath: "/proc/self/smaps"),
        let smaps = String(data: file.readDataToEndOfFile(), encoding: .utf8)
    else { return nil }
    let target = UInt(bitPattern: address)
    var inside = false
    for line in smaps.split(separator: "\n") {
        if let dash = line.firstIndex(of: "-"), let space = line.firstIndex(of: " "), dash < space,
            let start = UInt(line[..<dash], radix: 16), let end = UInt(line[line.index(after: dash)..<space], radix: 16)
        {
            inside = start <= target && target < end
        } else if inside && line.hasPrefix("VmFlags:") {
            return line.dropFirst("VmFlags:".count).split(separator: " ").map(String.init)
        }
    }
    return nil
}
