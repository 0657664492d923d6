import Foundation
import MyelinTensor
import Testing

@Suite struct ParallelTests {
    /// The slices one parallelFor over [0, 1,000) hands out, in order.
    static func slices() -> [Range<Int>] {
        let lock = NSLock()
        var seen: [Range<Int>] = []
        parallelFor(1000, grain: 1) { begin, end in
            lock.lock()
            seen.append(begin..<end)
            lock.unlock()
        }
        return seen.sorted { $0.lowerBound < $1.lowerBound }
    }

    @Test func workStartedAloneStaysOnItsThreadUntilTheOutermostAloneReturns() {
        let saved = Threads.count
        defer { Threads.count = saved }
        Threads.count = 2  // (other tests may change it meanwhile: alone must not depend on it)
        let (inner, afterInner, value) = Threads.alone {
            (Threads.alone { Self.slices() }, Self.slices(), Threads.alone { 42 })
        }
        #expect(inner == [0..<1000])
        #expect(afterInner == [0..<1000])  // the outer alone still holds
        #expect(value == 42)
    }
}
