import CMyelinKernels
import Foundation
import Testing

/// Records the slices a parallel_for hands out.
final class SliceLog: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var slices: [(begin: Int64, end: Int64)] = []
    func add(_ begin: Int64, _ end: Int64) {
        lock.lock()
        slices.append((begin, end))
        lock.unlock()
    }

    /// Whether the slices cover [0, count) exactly once.
    func coversExactlyOnce(_ count: Int64) -> Bool {
        let sorted = slices.sorted { $0.begin < $1.begin }
        var next: Int64 = 0
        for s in sorted {
            guard s.begin == next, s.end > s.begin else { return false }
            next = s.end
        }
        return next == count
    }
}

private let logSlice: myelin_task = { context, begin, end in
    Unmanaged<SliceLog>.fromOpaque(context!).takeUnretainedValue().add(begin, end)
}

/// Values recorded from several threads at once (what each slice of a parallel_for saw).
final class LockedLog<Element>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var items: [Element] = []
    func add(_ item: Element) {
        lock.lock()
        items.append(item)
        lock.unlock()
    }
}

private let recordThreadsHere: myelin_task = { context, _, _ in
    Unmanaged<LockedLog<Int32>>.fromOpaque(context!).takeUnretainedValue().add(myelin_threads_here())
}

/// Each run's items with the thread that ran them; the first slice's items (below `slow`) take
/// 300 µs each.
private final class RunThreads: @unchecked Sendable {
    let slow: Int64
    let runs = LockedLog<(begin: Int64, end: Int64, thread: pthread_t)>()
    init(slow: Int64) { self.slow = slow }
}

private let recordRunThread: myelin_task = { context, begin, end in
    let log = Unmanaged<RunThreads>.fromOpaque(context!).takeUnretainedValue()
    log.runs.add((begin, end, pthread_self()))
    for item in begin..<end where item < log.slow { usleep(300) }
}

private func parallelFor(_ count: Int64, grain: Int64, _ log: SliceLog) {
    myelin_parallel_for(count, grain, logSlice, Unmanaged.passUnretained(log).toOpaque())
}

extension KernelTests {
    @Suite struct ThreadPool {
        @Test func threadCount() {
            let before = myelin_thread_count()
            defer { myelin_set_thread_count(before) }
            #expect(before >= 1)
            myelin_set_thread_count(0)
            #expect(myelin_thread_count() == 1)
            myelin_set_thread_count(1000)
            #expect(myelin_thread_count() == 64)
            myelin_set_thread_count(3)
            #expect(myelin_thread_count() == 3)
        }

        @Test(arguments: [Int32(1), 2, 3, 8])
        func coversEveryIndexOnce(threads: Int32) {
            let before = myelin_thread_count()
            defer { myelin_set_thread_count(before) }
            myelin_set_thread_count(threads)
            for (count, grain) in [
                (Int64(0), Int64(1)), (1, 1), (2, 1), (7, 3), (1000, 1), (1000, 400), (100_003, 64),
                (5, 0),
            ] {
                let log = SliceLog()
                parallelFor(count, grain: grain, log)
                #expect(log.coversExactlyOnce(count), "count \(count) grain \(grain) threads \(threads)")
                if count > 0 {
                    // One slice a thread (at most), each of at least a grain; a slice of four grains or
                    // more may run in parts (taken from its back by a thread done with its own), never
                    // across slices. Work smaller than two grains runs as one slice.
                    let slices = max(1, min(count / max(grain, 1), Int64(threads)))
                    let bounds = (0...slices).map { count * $0 / slices }
                    let insideOneSlice = log.slices.allSatisfy { run in
                        (0..<Int(slices)).contains { bounds[$0] <= run.begin && run.end <= bounds[$0 + 1] }
                    }
                    #expect(insideOneSlice, "count \(count) grain \(grain) threads \(threads): \(log.slices)")
                    if slices == 1 { #expect(log.slices.count == 1) }
                    if count / slices < 4 * max(grain, 1) { #expect(log.slices.count == Int(slices)) }
                }
            }
        }

        /// A thread done with its slice takes the back half of what is left of the slice with the most
        /// left: the first slice's items are slow here, so its end runs on the other thread. (Tried
        /// until a worker took part: tests running at once share the pool.)
        @Test func aThreadDoneWithItsSliceTakesOverTheEndOfAnother() {
            let before = myelin_thread_count()
            defer { myelin_set_thread_count(before) }
            myelin_set_thread_count(2)
            var sharedFirstSlice = false
            for _ in 0..<20 where !sharedFirstSlice {
                let log = RunThreads(slow: 32)  // slices of 32 grains
                myelin_parallel_for(64, 1, recordRunThread, Unmanaged.passUnretained(log).toOpaque())
                let runs = log.runs.items.sorted { $0.begin < $1.begin }
                var next: Int64 = 0
                for run in runs where run.begin == next { next = run.end }
                #expect(next == 64 && runs.count == Set(runs.map(\.begin)).count, "every item once: \(runs.map { ($0.begin, $0.end) })")
                let firstSlice = runs.filter { $0.end <= 32 }
                sharedFirstSlice = firstSlice.contains { pthread_equal($0.thread, firstSlice[0].thread) == 0 }
            }
            #expect(sharedFirstSlice, "the second slice's thread never took over the end of the first")
        }

        /// Claimed runs cover every item once, on any thread count, and shrink as the items run out:
        /// with two threads the first run is a quarter of the items, never all of them.
        @Test(arguments: [Int32(1), 2, 3])
        func claimedRunsCoverEveryItemOnce(threads: Int32) {
            let before = myelin_thread_count()
            defer { myelin_set_thread_count(before) }
            myelin_set_thread_count(threads)
            for count in [Int64(0), 1, 2, 3, 8, 9, 64, 1001] {
                let log = SliceLog()
                myelin_parallel_claim(count, logSlice, Unmanaged.passUnretained(log).toOpaque())
                #expect(log.coversExactlyOnce(count), "count \(count) threads \(threads)")
                if threads == 1 || count < 2 {
                    #expect(log.slices.count == (count > 0 ? 1 : 0), "count \(count) threads \(threads)")
                } else {
                    let widths = log.slices.sorted { $0.begin < $1.begin }.map { $0.end - $0.begin }
                    #expect(widths.first == max(1, count / (2 * Int64(threads))), "\(widths)")
                    #expect(widths == widths.sorted(by: >), "runs shrink: \(widths)")
                }
            }
        }

        /// Inside a task and on a thread set alone, work runs inline: kernels plan it for one thread
        /// there (a recurrence's per-step GEMMs), and for the pool elsewhere.
        @Test func threadsHereCountOneWhereWorkRunsInline() {
            let before = myelin_thread_count()
            defer { myelin_set_thread_count(before) }
            myelin_set_thread_count(3)
            #expect(myelin_threads_here() == 3)
            #expect(myelin_set_thread_alone(1) == 0)
            #expect(myelin_threads_here() == 1)
            #expect(myelin_set_thread_alone(0) == 1)
            #expect(myelin_threads_here() == 3)
            let inside = LockedLog<Int32>()
            myelin_parallel_for(6, 1, recordThreadsHere, Unmanaged.passUnretained(inside).toOpaque())
            #expect(!inside.items.isEmpty && inside.items.allSatisfy { $0 == 1 }, "\(inside.items)")
        }

        /// A thread set alone runs its work as one slice, on itself, however many threads there are;
        /// the setting is the thread's own and comes back as it was.
        @Test func aThreadSetAloneKeepsItsWorkToItself() {
            let before = myelin_thread_count()
            defer { myelin_set_thread_count(before) }
            myelin_set_thread_count(2)
            let alone = SliceLog()
            #expect(myelin_set_thread_alone(1) == 0)
            parallelFor(1000, grain: 1, alone)
            #expect(myelin_set_thread_alone(0) == 1)
            #expect(myelin_set_thread_alone(0) == 0)
            #expect(alone.slices.count == 1 && alone.coversExactlyOnce(1000))
            // Another thread is not alone while this one is.
            #expect(myelin_set_thread_alone(1) == 0)
            final class Seen: @unchecked Sendable { var setting: Int32 = -1 }  // written before isFinished
            let other = Seen()
            let thread = Thread { other.setting = myelin_set_thread_alone(0) }
            thread.start()
            while !thread.isFinished { usleep(100) }
            #expect(other.setting == 0)
            #expect(myelin_set_thread_alone(0) == 1)
        }

        /// A task that calls parallel_for again runs the inner loop inline, and still covers it.
        @Test func nestedCallsRunInline() {
            let before = myelin_thread_count()
            defer { myelin_set_thread_count(before) }
            myelin_set_thread_count(2)
            final class Outer: @unchecked Sendable {
                let lock = NSLock()
                var innerOK = true
                var outer = SliceLog()
            }
            let state = Outer()
            let task: myelin_task = { context, begin, end in
                let state = Unmanaged<Outer>.fromOpaque(context!).takeUnretainedValue()
                state.outer.add(begin, end)
                let inner = SliceLog()
                parallelFor(1000, grain: 1, inner)
                state.lock.lock()
                state.innerOK = state.innerOK && inner.coversExactlyOnce(1000) && inner.slices.count == 1
                state.lock.unlock()
            }
            myelin_parallel_for(64, 1, task, Unmanaged.passUnretained(state).toOpaque())
            #expect(state.outer.coversExactlyOnce(64))
            #expect(state.innerOK)
        }

        /// Callers on many threads at once each get their whole loop covered.
        @Test func concurrentCallers() {
            let before = myelin_thread_count()
            defer { myelin_set_thread_count(before) }
            myelin_set_thread_count(2)
            let logs = (0..<8).map { _ in SliceLog() }
            DispatchQueue.concurrentPerform(iterations: 8) { i in
                for _ in 0..<50 { parallelFor(10_000, grain: 16, logs[i]) }
            }
            for log in logs {
                // 50 rounds over [0, 10000): every index 50 times.
                var hits = [Int](repeating: 0, count: 10_000)
                for s in log.slices { for i in s.begin..<s.end { hits[Int(i)] += 1 } }
                #expect(hits.allSatisfy { $0 == 50 })
            }
        }
    }

    @Suite struct Probes {
        @Test func fmaPeakAndCPUFamily() {
            let family = myelin_cpu_family()
            #expect(family == -1 || family > 0)
            // Each path's width: a real number of GFLOP/s where the CPU has it, however busy the machine.
            for (path, width) in [(MYELIN_CPU_PORTABLE, Int32(128)), (MYELIN_CPU_AVX2, 256), (MYELIN_CPU_AVX512, 512)] {
                let peak = myelin_fma_peak_gflops(1, 0.02, width)
                #expect(myelin_cpu_path_supported(path) != 0 ? peak > 1 : peak == 0, "\(name(path)): \(peak)")
            }
            #expect(myelin_fma_peak_gflops(1, 0.02, 64) == 0)  // no such width
        }
    }
}
