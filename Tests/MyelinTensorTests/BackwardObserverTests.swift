import MyelinTensor
import MyelinTestSupport
import Testing

/// What a `BackwardObserver` is told: each leaf once, with its final gradient, then the pass's end.
@Suite struct BackwardObserverTests {
    final class Recorder: BackwardObserver, @unchecked Sendable {
        var events: [String] = []
        var names: [ObjectIdentifier: String] = [:]

        func gradientIsFinal(_ leaf: Tensor) {
            events.append("\(names[ObjectIdentifier(leaf)] ?? "?") \(leaf.grad!.scalars)")
        }

        func backwardDidEnd() { events.append("end") }
    }

    @Test func eachLeafIsToldOnceWithItsWholeGradientThenTheEnd() {
        // z = w·x + w·v: w is used twice, and is told once, with both contributions.
        let w = leaf([2]), x = leaf([3]), v = leaf([5])
        let recorder = Recorder()
        recorder.names = [ObjectIdentifier(w): "w", ObjectIdentifier(x): "x", ObjectIdentifier(v): "v"]
        Tensor.$backwardObserver.withValue(recorder) {
            (w * x + w * v).sum().backward()
        }
        #expect(recorder.events.last == "end")
        #expect(Set(recorder.events.dropLast()) == ["w [8.0]", "x [2.0]", "v [2.0]"], "\(recorder.events)")
        #expect(recorder.events.count == 4)
    }

    @Test func nobodyIsToldOutsideTheObserversScope() {
        let recorder = Recorder()
        Tensor.$backwardObserver.withValue(recorder) {}
        let w = leaf([2])
        (w * w).sum().backward()
        #expect(recorder.events.isEmpty)
    }
}
