import MyelinTensor
import Testing

// Finite-difference gradient checking in float32: the one checker every test suite uses.
//
// The function under test maps some leaf tensors (inputs, or a module's parameters) to an output y
// of any shape. The checker weights every output element with a fixed random weight wᵢ, uniform in
// [-1, 1], so that one scalar L = Σ wᵢ·yᵢ checks every output's derivative at once (a single wrong
// element, or errors that cancel in a plain sum, cannot hide). For every element x of every leaf it
// compares
//
//   autograd:           ∂L/∂x, from y.backward(w)
//   finite difference:  (L(x₊) − L(x₋)) / (x₊ − x₋),   x± = x ± h,   h = step · max(1, |x|)
//
// where x₊ and x₋ are the float32 values actually stored (so rounding x ± h to float32 does not
// bias the quotient) and L is accumulated in Double from the float32 outputs. An element passes when
//
//   |autograd − fd| ≤ absolute + relative · |fd|          (defaults: step 1e-2, 1e-3 + 1e-2 · |fd|)
//
// Why these numbers (float32 is the only floating type, so double-precision checking is out):
// - Step: h grows with |x| as float32 spacing does, so the quotient sees the same relative
//   perturbation at every magnitude; at |x| ≤ 1 it is the plain h = step.
// - Truncation: the central difference is exact up to h²/6 · |f‴|. With h = 1e-2 and the inputs
//   the tests use (|x| ≲ 3, away from kinks, so |f‴| = O(1) for most ops and ≲ 20 for exp and
//   friends, where f′ is as large and the relative term absorbs it) that is ≲ 3e-4 · max(1, |x|)².
// - Rounding: f runs in float32, so each output carries a relative error of a few ε
//   (ε = 2⁻²⁴ ≈ 6e-8; ≈ 3ε for the vectorised transcendental kernels) per operation on its path.
//   Outputs that do not depend on x come out bit for bit the same in both evaluations and cancel
//   exactly; the few that do (one element, a row of a matmul, a reduced slot) carry
//   ≲ 10 ops · 6e-8 · |y| ≈ 2e-6 for |y| ≲ 3, i.e. ≲ 1e-4 after dividing by 2h (≈ 2e-5 per unit
//   of output magnitude). Reductions over k terms add √k·ε·|y| more, still ≲ 1e-4 at our sizes.
// - So honest gradients land within ~5e-4 of the difference; 1e-3 absolute plus 1e-2 relative
//   leaves headroom, while any real bug (a missing broadcast sum, a wrong sign or factor, a lost
//   contribution, a gradient sent to the wrong element) is off by the size of the gradient
//   itself, ≳ 0.05 on the gradients of size 0.05–5 the tests produce.
// - The relative term scales with |fd| alone, not max(|autograd|, |fd|): the finite difference is
//   the reference whose error is bounded above, so a wrong autograd value must not widen its own
//   allowance. (Every existing check passes under this stricter rule.)
// - Kinks (abs, relu, clamp, max, maximum) break the Taylor argument within h of the kink, so
//   those tests draw inputs that stay ≥ 0.1 from every kink, tie or limit (h ≤ 0.03 for |x| ≤ 3,
//   so x ± h never crosses one). A test whose f‴ is large on its inputs (1/p³ terms) passes a
//   smaller step and says why.

/// Checks the gradients `backward()` computes against central finite differences (see above).
public struct GradientCheck {
    /// The finite-difference step at |x| ≤ 1; h = step · max(1, |x|).
    public var step: Float
    /// Pass condition: |autograd − fd| ≤ absolute + relative · |fd|.
    public var absolute: Double
    public var relative: Double
    /// Seed of the fixed random output weights.
    public var seed: UInt64

    public init(step: Float = 1e-2, absolute: Double = 1e-3, relative: Double = 1e-2, seed: UInt64 = 0x5EED) {
        self.step = step
        self.absolute = absolute
        self.relative = relative
        self.seed = seed
    }

    /// Checks ∂compute()/∂leaves[i] for every i in `wrt` (default: all), in place: `compute` must
    /// read the current values of `leaves`, which are perturbed one element at a time and restored.
    ///
    /// `leaves` are contiguous float32 leaves (no `gradFn`); those in `wrt` must require a gradient
    /// (inputs, or a module's `parameters`), the others must not, and must not get one. Their
    /// gradients are cleared before and after.
    ///
    /// The check runs once on every kernel path this CPU supports (AVX-512, AVX2, portable), each
    /// failure naming its path. Returns the largest excess |autograd − fd| − tolerance seen: ≤ 0
    /// when everything passes, +∞ when a gradient is missing or misshapen. Unless `recordingIssues`
    /// is false, every failing leaf is also recorded as an issue at `sourceLocation`.
    @discardableResult
    public func check(
        _ leaves: [Tensor], wrt: Set<Int>? = nil, recordingIssues: Bool = true,
        _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
        _ compute: () -> Tensor
    ) -> Double {
        var worst = -Double.infinity
        for path in KernelPath.supported {
            let label: Comment = comment.map { "\(path): \($0.rawValue)" } ?? "\(path)"
            let excess = KernelPath.withPath(path) {
                checkOnePath(leaves, wrt: wrt, recordingIssues: recordingIssues, label, sourceLocation: sourceLocation, compute)
            }
            worst = Swift.max(worst, excess)
        }
        return worst
    }

    private func checkOnePath(
        _ leaves: [Tensor], wrt: Set<Int>?, recordingIssues: Bool, _ comment: Comment,
        sourceLocation: SourceLocation, _ compute: () -> Tensor
    ) -> Double {
        let differentiated = wrt ?? Set(leaves.indices)
        for (i, t) in leaves.enumerated() {
            precondition(
                t.gradFn == nil && t.isContiguous && t.dtype == .float32,
                "GradientCheck: tensor \(i) must be a contiguous float32 leaf")
            precondition(
                t.requiresGrad == differentiated.contains(i),
                "GradientCheck: tensor \(i) must \(differentiated.contains(i) ? "" : "not ")require a gradient")
            t.zeroGrad()
        }
        defer { for t in leaves { t.zeroGrad() } }

        let label = "\(comment.rawValue): "
        func fail(_ message: String) {
            if recordingIssues { Issue.record("\(label)\(message)", sourceLocation: sourceLocation) }
        }

        let y = compute()
        guard y.requiresGrad else {
            fail("the result does not require a gradient")
            return .infinity
        }
        let weights = Tensor.uniform(y.shape, low: -1, high: 1, generator: RandomGenerator(seed: seed))
        let w = weights.scalars.map(Double.init)
        y.backward(weights)

        func weightedSum() -> Double {
            let values = withoutGrad { compute() }.scalars
            var total = 0.0
            for (v, wi) in zip(values, w) { total += Double(v) * wi }
            return total
        }

        var worst = -Double.infinity
        for (i, leaf) in leaves.enumerated() {
            guard differentiated.contains(i) else {
                if leaf.grad != nil {
                    fail("tensor \(i) does not require a gradient but got one")
                    worst = .infinity
                }
                continue
            }
            guard let grad = leaf.grad else {
                fail("tensor \(i) got no gradient")
                worst = .infinity
                continue
            }
            guard grad.shape == leaf.shape else {
                fail("tensor \(i): gradient shape \(grad.shape) ≠ tensor shape \(leaf.shape)")
                worst = .infinity
                continue
            }
            let analytic = grad.scalars
            var mismatches: [String] = []
            var mismatchCount = 0
            for j in 0..<leaf.count {
                let x = leaf.withUnsafeScalars { $0[j] }
                let h = step * Swift.max(1, Swift.abs(x))
                let up = x + h, down = x - h
                leaf.withUnsafeMutableScalars { $0[j] = up }
                let lossUp = weightedSum()
                leaf.withUnsafeMutableScalars { $0[j] = down }
                let lossDown = weightedSum()
                leaf.withUnsafeMutableScalars { $0[j] = x }
                let numeric = (lossUp - lossDown) / (Double(up) - Double(down))
                let a = Double(analytic[j])
                let excess = Swift.abs(a - numeric) - (absolute + relative * Swift.abs(numeric))
                guard !(excess <= 0) else {
                    worst = Swift.max(worst, excess)
                    continue
                }
                worst = excess.isNaN ? .infinity : Swift.max(worst, excess)
                mismatchCount += 1
                if mismatches.count < 6 {
                    mismatches.append("element \(j): autograd \(a), finite difference \(numeric)")
                }
            }
            if mismatchCount > 0 {
                let details = mismatches.joined(separator: "; ")
                fail("tensor \(i) (shape \(leaf.shape)): \(mismatchCount) of \(leaf.count) gradients differ: \(details)")
            }
        }
        return worst
    }
}

/// Checks autograd's gradients of `f` with respect to `inputs` (those listed in `wrt`, default
/// all) with `checker`. Each input is copied into a fresh contiguous float32 leaf, so `f` may apply
/// views (transposes, slices) itself to test non-contiguous paths, and the caller's tensors are
/// never perturbed.
public func checkGradients(
    _ inputs: [Tensor], wrt: Set<Int>? = nil, checker: GradientCheck = GradientCheck(),
    _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ f: ([Tensor]) -> Tensor
) {
    let differentiated = wrt ?? Set(inputs.indices)
    let leaves = inputs.enumerated().map { i, t -> Tensor in
        let leaf = t.to(.float32).contiguousCopy()
        leaf.requiresGrad = differentiated.contains(i)
        return leaf
    }
    checker.check(leaves, wrt: differentiated, comment, sourceLocation: sourceLocation) { f(leaves) }
}

// MARK: - Inputs for gradient checks

/// Uniform values in [low, high).
public func uniform(_ shape: [Int], _ generator: RandomGenerator, _ low: Float = -2, _ high: Float = 2) -> Tensor {
    Tensor.uniform(shape, low: low, high: high, generator: generator)
}

/// Values with magnitude in [low, high) and random sign: at least `low` away from zero, the kink of
/// abs, relu and friends and the pole of 1/x.
public func awayFromZero(_ shape: [Int], _ generator: RandomGenerator, _ low: Float = 0.1, _ high: Float = 2) -> Tensor {
    let n = shape.reduce(1, *)
    let values = (0..<n).map { _ -> Float in
        let magnitude = generator.uniform(low, high)
        return generator.uniform() < 0.5 ? -magnitude : magnitude
    }
    return Tensor(shape: shape, scalars: values)
}

/// Distinct values `spacing` apart in random order (centred on 0): max/min reductions have no ties
/// and no element is within a step h of another.
public func distinct(_ shape: [Int], spacing: Float = 0.25, _ generator: RandomGenerator) -> Tensor {
    let n = shape.reduce(1, *)
    let values = generator.permutation(n).map { (Float($0) - Float(n) / 2) * spacing }
    return Tensor(shape: shape, scalars: values)
}

/// `t`, made to require a gradient: a leaf for `GradientCheck.check` or a hand-computed backward.
public func leaf(_ t: Tensor) -> Tensor {
    t.requiresGrad = true
    return t
}

/// A leaf that requires a gradient, from values (shape [values.count] unless given).
public func leaf(_ values: [Float], shape: [Int]? = nil) -> Tensor {
    leaf(Tensor(shape: shape ?? [values.count], scalars: values))
}

// MARK: - Every kernel path

/// Runs `body` once on every kernel path this CPU supports (AVX-512, AVX2, portable), with this
/// thread's kernels (and the pool work they start) on that path: for value tests that take other
/// arguments already. Tests without arguments take `KernelPath.supported` as theirs instead, so a
/// failure names its path.
public func onEveryKernelPath(_ body: (KernelPath) throws -> Void) rethrows {
    for path in KernelPath.supported {
        try KernelPath.withPath(path) { try body(path) }
    }
}
