import Foundation
import MyelinTensor
import Testing

@Suite struct ParallelTests {
    /// The runs one parallelFor over [0, 1,000) hands out, in order.
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

    @Test func aThreadCountForThisThreadHoldsUntilItsScopeReturns() {
        let outside = Threads.count
        let (two, one, countInside, afterNested) = Threads.withCount(2) {
            (Self.slices(), Threads.withCount(1) { Self.slices() }, Threads.count, Self.slices())
        }
        // Two threads: a slice each, [0, 500) and [500, 1,000), each run in parts; one: all at once.
        #expect(two.count >= 2 && two.allSatisfy { $0.upperBound <= 500 || $0.lowerBound >= 500 }, "\(two)")
        #expect(one == [0..<1000])
        #expect(countInside == 2 && afterNested.count >= 2)  // the inner scope gave the outer one back
        #expect(Threads.count == outside)
    }

    @Test func workStartedAloneStaysOnItsThreadUntilTheOutermostAloneReturns() {
        let (inner, afterInner, value) = Threads.withCount(2) {
            Threads.alone { (Threads.alone { Self.slices() }, Self.slices(), Threads.alone { 42 }) }
        }
        #expect(inner == [0..<1000])
        #expect(afterInner == [0..<1000])  // the outer alone still holds
        #expect(value == 42)
    }
}
