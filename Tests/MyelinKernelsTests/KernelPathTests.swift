import CMyelinKernels
import Foundation
import Testing

extension KernelTests {
    @Suite struct KernelPath {
        @Test func namesAndParsing() {
            #expect(name(MYELIN_CPU_PORTABLE) == "portable" && name(MYELIN_CPU_AVX2) == "avx2" && name(MYELIN_CPU_AVX512) == "avx512")
            for path in [MYELIN_CPU_PORTABLE, MYELIN_CPU_AVX2, MYELIN_CPU_AVX512] {
                var parsed = MYELIN_CPU_AUTO
                #expect(myelin_cpu_parse_path(myelin_cpu_path_name(path), &parsed) == 1 && parsed == path)
            }
            for bad in ["", "AVX2", "avx", "sse2", "avx512 "] {
                var parsed = MYELIN_CPU_AVX2
                #expect(myelin_cpu_parse_path(bad, &parsed) == 0 && parsed == MYELIN_CPU_AVX2, "\(bad)")
            }
        }

        /// The process path follows the setter, capped at what the CPU has; AUTO goes back to the
        /// environment's (the tests run without MYELIN_CPU, or with one the CPU supports).
        @Test func processPathIsCapped() {
            defer { _ = myelin_cpu_set_path(MYELIN_CPU_AUTO) }
            let best = myelin_cpu_best_path()
            #expect(supportedPaths.last == best && supportedPaths.first == MYELIN_CPU_PORTABLE)
            for path in [MYELIN_CPU_PORTABLE, MYELIN_CPU_AVX2, MYELIN_CPU_AVX512] {
                let got = myelin_cpu_set_path(path)
                #expect(got == (myelin_cpu_path_supported(path) != 0 ? path : best), "\(name(path)) gave \(name(got))")
                #expect(myelin_cpu_current_path() == got)
            }
            let environment = ProcessInfo.processInfo.environment["MYELIN_CPU"] ?? ""
            let restored = myelin_cpu_set_path(MYELIN_CPU_AUTO)
            #expect(environment.isEmpty ? restored == best : name(restored) == environment || restored == best)
        }

        /// A thread's override is its own: other threads keep the process path, and the workers of
        /// its parallel_for run on its path.
        @Test func threadPathReachesThePoolOnly() {
            let threadsBefore = myelin_thread_count()
            defer {
                myelin_set_thread_count(threadsBefore)
                _ = myelin_cpu_set_thread_path(MYELIN_CPU_AUTO)
            }
            myelin_set_thread_count(2)
            let process = myelin_cpu_current_path()
            var previous = MYELIN_CPU_AUTO
            for path in supportedPaths {
                #expect(myelin_cpu_set_thread_path(path) == previous)  // returns the override it replaces
                previous = path
                #expect(myelin_cpu_current_path() == path)
                let log = LockedLog<myelin_cpu_path>()
                let task: myelin_task = { context, _, _ in
                    Unmanaged<LockedLog<myelin_cpu_path>>.fromOpaque(context!).takeUnretainedValue().add(myelin_cpu_current_path())
                    usleep(2000)  // long enough for the worker to take a run too
                }
                myelin_parallel_for(8, 1, task, Unmanaged.passUnretained(log).toOpaque())
                #expect(log.items.count >= 2 && log.items.allSatisfy { $0 == path }, "\(name(path)): \(log.items.map(name))")
                let other = LockedLog<myelin_cpu_path>()
                let thread = Thread { other.add(myelin_cpu_current_path()) }
                thread.start()
                while !thread.isFinished { usleep(100) }
                #expect(other.items == [process])
            }
            #expect(myelin_cpu_set_thread_path(MYELIN_CPU_AUTO) == supportedPaths.last!)
            #expect(myelin_cpu_current_path() == process)
        }
    }
}
