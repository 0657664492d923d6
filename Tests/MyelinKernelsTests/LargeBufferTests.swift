import CMyelinKernels
import Foundation
import Testing

/// Large tensor buffers are mapped on 2 MiB boundaries and marked for huge pages (large_buffers.c).
struct LargeBufferTests {
    /// The mapping of /proc/self/smaps that holds `address`: its first and end address and its
    /// VmFlags, or nil where the system has no such file.
    private func mapping(holding address: UInt) -> (start: UInt, end: UInt, flags: [Substring])? {
        guard let smaps = try? String(contentsOfFile: "/proc/self/smaps", encoding: .utf8) else { return nil }
        var current: (start: UInt, end: UInt)?
        for line in smaps.split(separator: "\n") {
            if let dash = line.firstIndex(of: "-"), let space = line.firstIndex(of: " "), dash < space,
                let start = UInt(line[..<dash], radix: 16), let end = UInt(line[line.index(after: dash)..<space], radix: 16)
            {
                current = (start, end)
            } else if line.hasPrefix("VmFlags:"), let range = current, range.start <= address, address < range.end {
                return (range.start, range.end, line.dropFirst("VmFlags:".count).split(separator: " "))
            }
        }
        return nil
    }

    @Test(arguments: [1 << 20, (5 << 20) + 123, 3_000_001])
    func buffersStartOnA2MiBBoundaryAndComeZeroed(bytes: Int) throws {
        let buffer = try #require(myelin_map_buffer(Int64(bytes)))
        defer { myelin_unmap_buffer(buffer, Int64(bytes)) }
        #expect(UInt(bitPattern: buffer) % UInt(2 << 20) == 0)
        let data = buffer.assumingMemoryBound(to: UInt8.self)
        #expect(data[0] == 0 && data[bytes / 2] == 0 && data[bytes - 1] == 0)
        // Every byte asked for is there to write.
        data[0] = 1
        data[bytes - 1] = 2
        #expect(data[0] == 1 && data[bytes - 1] == 2)
    }

    @Test func theMappingHoldsTheBufferAndAsksForHugePages() throws {
        let bytes = (4 << 20) + 4096 * 3 + 17
        let buffer = try #require(myelin_map_buffer(Int64(bytes)))
        defer { myelin_unmap_buffer(buffer, Int64(bytes)) }
        let address = UInt(bitPattern: buffer)
        // Linux only: elsewhere there is no smaps to read and no huge-page advice to give.
        guard let region = mapping(holding: address) else { return }
        // (The kernel may merge it with a neighbouring mapping of the same flags: the region can
        // be larger than the buffer.)
        let pageEnd = address + UInt((bytes + 4095) / 4096 * 4096)
        #expect(region.start <= address && region.end >= pageEnd)
        if FileManager.default.fileExists(atPath: "/sys/kernel/mm/transparent_hugepage/enabled") {
            #expect(region.flags.contains("hg"), "VmFlags \(region.flags) lack hg (MADV_HUGEPAGE)")
        }
    }

    @Test func zeroBytesMapNothing() {
        #expect(myelin_map_buffer(0) == nil)
        myelin_unmap_buffer(nil, 0)
    }
}
