import Foundation
import MyelinTensor
import MyelinTestSupport
import Testing

@Suite struct AutogradSemantics {
    @Test func aTensorUsedTwiceGetsBothContributions() {
        let x = leaf([1, -2, 3])
        (x * x).sum().backward()
        #expect(x.grad?.scalars == [2, -4, 6])

        let y = leaf([1, -2, 3])
        (y + y).sum().backward()
        #expect(y.grad?.scalars == [2, 2, 2])

        // y = x; z = y + y·x  ⇒  dz/dx = 1 + 2x
        let w = leaf([0.5, 2, -1])
        let alias = w
        (alias + alias * w).sum().backward()
        #expect(w.grad?.scalars == [2, 5, -1])
    }

    @Test func diamondGraph() {
        // a = exp(x); b = 2a; c = a²; d = b + c  ⇒  dd/dx = eˣ(2 + 2eˣ)
        let x = leaf([0.1, -0.4, 0.7])
        let a = x.exp()
        let d = (a * 2) + a.square()
        d.sum().backward()
        let expected = x.scalars.map { v -> Float in Foundation.exp(v) * (2 + 2 * Foundation.exp(v)) }
        expectClose(x.grad!.scalars, expected)
    }

    @Test func gradientsAccumulateUntilZeroed() {
        let x = leaf([1, 2, 3])
        (x * 2).sum().backward()
        (x * x).sum().backward()
        #expect(x.grad?.scalars == [4, 6, 8])  // 2 + 2x

        // Backward twice through the same graph adds the same gradient again.
        let loss = (x * 3).sum()
        x.zeroGrad()
        #expect(x.grad == nil)
        loss.backward()
        loss.backward()
        #expect(x.grad?.scalars == [6, 6, 6])

        x.zeroGrad()
        (x * 5).sum().backward()
        #expect(x.grad?.scalars == [5, 5, 5])
    }

    @Test func leavesSharingOneGradientKeepSeparateBuffers() {
        // z = a + b hands the same gradient to both leaves; accumulating into one leaf's grad
        // (a second backward) must not change the other's.
        let a = leaf([1, 2]), b = leaf([3, 4])
        let z = a + b
        z.backward(Tensor([1, 1]))
        (a * 10).sum().backward()
        #expect(a.grad?.scalars == [11, 11])
        #expect(b.grad?.scalars == [1, 1])

        // A user-supplied gradient is never adopted as a leaf's grad buffer.
        let seed = Tensor([1, 1])
        let c = leaf([0, 0])
        (c + 1).backward(seed)
        (c * 2).sum().backward()
        #expect(seed.scalars == [1, 1])
        #expect(c.grad?.scalars == [3, 3])
    }

    @Test func explicitGradientOnNonScalar() {
        let x = leaf([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let y = x * 3 + 1
        y.backward(Tensor([[1, 0, -1], [0.5, 2, 0]]))
        #expect(x.grad?.scalars == [3, 0, -3, 1.5, 6, 0])
        #expect(x.grad?.shape == [2, 3])
    }

    @Test func onlyLeavesThatRequireGradientsGetOne() {
        let x = leaf([1, 2])
        let constant = Tensor([3, 4])
        let hidden = x * constant
        let loss = (hidden * hidden).sum()
        loss.backward()
        #expect(constant.grad == nil)
        #expect(hidden.grad == nil)  // intermediate results keep no gradient
        #expect(!constant.requiresGrad)
        #expect(hidden.requiresGrad && hidden.gradFn?.name == "mul")
        #expect(x.gradFn == nil)
        #expect(x.grad?.scalars == [18, 64])  // d(x²c²)/dx = 2xc²
    }

    @Test func detachedStopsGradients() {
        let x = leaf([1, 2, 3])
        let frozen = x.detached()
        #expect(!frozen.requiresGrad && frozen.gradFn == nil)
        #expect(frozen.storage === x.storage)  // same values, no copy
        (frozen * x).sum().backward()  // only the live path counts: d/dx = frozen
        #expect(x.grad?.scalars == [1, 2, 3])

        let y = leaf([2])
        let z = (y * y).detached() * y  // detaching an intermediate: d/dy = y² only
        z.sum().backward()
        #expect(y.grad?.scalars == [4])
    }

    @Test func withoutGradRecordsNothing() {
        let x = leaf([1, 2, 3])
        #expect(GradMode.isEnabled)
        let y = withoutGrad { (x * 2).exp().sum() }
        #expect(!y.requiresGrad && y.gradFn == nil)
        let nested = GradMode.withoutGrad { () -> Bool in
            let inner = withoutGrad { GradMode.isEnabled }
            return !inner && !GradMode.isEnabled
        }
        #expect(nested)
        #expect(GradMode.isEnabled)
        // Ops without a derivative record nothing either.
        #expect(!x.heaviside().requiresGrad && !(x .> 1).requiresGrad && !x.argmax(axis: 0).requiresGrad)
        // Recording resumes after the block.
        #expect((x * 2).requiresGrad)
        // A throwing body rethrows and still restores recording.
        struct Oops: Error {}
        #expect(throws: Oops.self) { try withoutGrad { throw Oops() } }
        #expect(GradMode.isEnabled)
    }

    @Test func noGradOnOneThreadDoesNotAffectAnother() {
        // Grad mode is per thread: another thread sitting inside withoutGrad must not stop this
        // thread's operations from being recorded.
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var otherThreadSawDisabled = false
        Thread.detachNewThread {
            withoutGrad {
                otherThreadSawDisabled = !GradMode.isEnabled
                entered.signal()
                release.wait()
            }
            done.signal()
        }
        entered.wait()
        let x = leaf([1, 2])
        let y = x * 2
        release.signal()
        done.wait()
        #expect(otherThreadSawDisabled)
        #expect(y.requiresGrad)
    }

    @Test func gradientsThroughViewsOfViews() {
        // permute of narrow of reshape: only the narrowed elements get gradient, permuted back.
        let x = leaf((0..<24).map(Float.init))
        let view = x.reshaped(2, 3, 4).narrowed(axis: 2, start: 1, length: 2).permuted(2, 0, 1)
        #expect(view.shape == [2, 2, 3])
        #expect(view.storage === x.storage)
        let weights = Tensor(shape: [2, 2, 3], scalars: (0..<12).map { Float($0 + 1) })
        (view * weights).sum().backward()
        // view[k, i, j] = x[i, j, 1 + k] has weight 1 + 6k + 3i + j.
        var expected = [Float](repeating: 0, count: 24)
        for i in 0..<2 {
            for j in 0..<3 {
                for k in 0..<2 {
                    expected[i * 12 + j * 4 + 1 + k] = Float(1 + 6 * k + 3 * i + j)
                }
            }
        }
        #expect(x.grad?.scalars == expected)
    }

    @Test func deepChainDoesNotOverflowTheStack() {
        // 10,000 recorded ops: backward's graph walk must be iterative, and so must freeing the
        // graph afterwards (one nested deinit per node would overflow). Run on a thread with a
        // small stack (512 KiB, a Darwin worker thread's) so the main thread's 8 MiB cannot hide it.
        nonisolated(unsafe) var gradient: [Float] = []
        nonisolated(unsafe) var graphFreed = false
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            weak var middle: Tensor?
            do {
                let x = leaf([1])
                var chain = x, diamonds = x
                for step in 0..<10_000 {
                    chain = chain * 1.0001
                    diamonds = diamonds + diamonds * 0.0001  // every step uses its input twice
                    if step == 5_000 { middle = diamonds }
                }
                chain.backward()
                diamonds.backward()
                gradient = x.grad?.scalars ?? []
            }  // the graphs are released here, still on the small stack
            graphFreed = middle == nil
            done.signal()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        done.wait()
        // d/dx of 1.0001¹⁰⁰⁰⁰·x, twice; float32 rounding over 10⁴ steps stays well under 1e-3.
        expectClose(gradient, [2 * Float(Foundation.pow(1.0001, 10_000.0))], tolerance: 1e-3)
        #expect(graphFreed)
    }

    @Test func customDifferentiableOp() {
        // A user-defined op: cube with its derivative written beside it.
        func cube(_ x: Tensor) -> Tensor {
            let xd = x.detached()
            let y = withoutGrad { xd * xd * xd }
            return differentiable("cube", [x], result: y) { g in [g * xd * xd * 3] }
        }
        let g = RandomGenerator(seed: 11)
        checkGradients([uniform([3, 2], g)], "cube") { cube($0[0]) }
        let x = leaf([2])
        let y = cube(x)
        #expect(y.gradFn?.name == "cube" && y.gradFn?.inputs.first === x)
        // Nothing is recorded when no input requires a gradient.
        #expect(cube(Tensor([2])).gradFn == nil)
    }

    @Test func anOptionalInputThatIsNilGetsNoGradient() {
        // x·s (+ b): the closure returns one gradient per input, b's too; a nil b is not recorded.
        func scaled(_ x: Tensor, _ s: Tensor, plus b: Tensor?) -> Tensor {
            let xd = x.detached(), sd = s.detached()
            let y = withoutGrad { b.map { xd * sd + $0 } ?? xd * sd }
            return differentiable("scaled", [x, s, b], result: y) { g in
                [g * sd, (g * xd).sum(), b.map { _ in g }]
            }
        }
        let x = leaf([1, -2, 3]), s = leaf([2], shape: [])
        let y = scaled(x, s, plus: nil)
        #expect(y.gradFn?.inputs.count == 2 && y.gradFn?.inputs[1] === s)
        y.sum().backward()
        #expect(x.grad?.scalars == [2, 2, 2] && s.grad?.scalars == [2])
        let b = leaf([0.5, 0.5, 0.5])
        let withBias = scaled(x, s, plus: b)
        #expect(withBias.gradFn?.inputs.count == 3)
        withBias.sum().backward()
        #expect(b.grad?.scalars == [1, 1, 1])
        let g = RandomGenerator(seed: 12)
        checkGradients([uniform([3], g), uniform([], g)], "scaled without b") { scaled($0[0], $0[1], plus: nil) }
        checkGradients([uniform([3], g), uniform([], g), uniform([3], g)], "scaled with b") {
            scaled($0[0], $0[1], plus: $0[2])
        }
        // Nothing requires a gradient: nothing is recorded, with or without b.
        #expect(scaled(Tensor([1]), Tensor([2]), plus: nil).gradFn == nil)
    }
}
