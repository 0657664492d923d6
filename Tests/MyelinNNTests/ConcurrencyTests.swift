import Foundation
import MyelinNN
import MyelinTestSupport
import Testing

/// Swift Testing runs tests in parallel, and a program may evaluate a model on one thread (or
/// prepare data inside `withoutGrad`) while it trains on another. Like PyTorch's `no_grad`, the
/// grad mode must belong to the thread that set it.
@Suite struct GradModeConcurrencyTests {
    @Test func withoutGradOnOneThreadDoesNotStopRecordingOnAnother() {
        let layer = Linear(8, 8, generator: RandomGenerator(seed: 95))
        let input = Tensor.randn([4, 8], generator: RandomGenerator(seed: 96))
        let stop = Atomic()
        // Another thread spends nearly all its time inside withoutGrad.
        let background = Thread {
            let x = Tensor.ones([16])
            while !stop.isSet {
                withoutGrad { _ = (x * 2).sum() }
            }
        }
        background.start()
        var unrecorded = 0
        for _ in 0..<2000 {
            let y = layer(input).tanh().sum()
            if !y.requiresGrad { unrecorded += 1 }
        }
        stop.set()
        #expect(unrecorded == 0)
        #expect(GradMode.isEnabled)
    }

    @Test func withoutGradIsScopedAndNests() {
        let x = leaf([1, 2, 3])
        #expect(GradMode.isEnabled)
        withoutGrad {
            #expect(!GradMode.isEnabled)
            withoutGrad { #expect(!(x * 2).requiresGrad) }
            #expect(!GradMode.isEnabled)
            #expect(!Linear(3, 2)(x).requiresGrad)
        }
        #expect(GradMode.isEnabled)
        #expect((x * 2).requiresGrad)
        // Thrown errors leave the scope too.
        struct Failure: Error {}
        #expect(throws: Failure.self) { try withoutGrad { throw Failure() } }
        #expect(GradMode.isEnabled)
    }
}

/// A flag shared between threads.
final class Atomic: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
