import Testing
import MyelinTensor

// Finite-difference gradient checking in float32.
//
// For a function f of some tensors, the checker weights every output element with a fixed random
// weight w (uniform in [-1, 1]) and compares, for every element x of every input,
//
//   autograd:           ∂L/∂x from f(inputs).backward(w)          (L = Σ w·f)
//   finite difference:  (L(x + h) − L(x − h)) / ((x + h) − (x − h)),  h = 1e-2 · max(1, |x|)
//
// where L is accumulated in Double from the float32 outputs. The pass condition per element is
//
//   |autograd − fd| ≤ 1e-3 + 1e-2 · max(|autograd|, |fd|)
//
// Why these numbers (float32 is the only floating type, so double-precision checking is out):
// - Truncation: the central difference is exact up to h²/6 · |f'''|. With h = 1e-2 and the
//   inputs the tests use (|x| ≲ 3, so |f'''| ≲ 20 for exp and friends) that is ≲ 3e-4·max(1,|x|)².
// - Rounding: f runs in float32, so each output carries a relative error of a few ε
//   (ε = 2⁻²⁴ ≈ 6e-8) per operation on its path. Outputs that do not depend on x come out bit for
//   bit the same in both evaluations and cancel exactly; the few that do (one element, a row of a
//   matmul, a reduced slot) carry ≲ 10 ops · 6e-8 · |y| ≈ 2e-6 for |y| ≲ 3, i.e. ≲ 1e-4 after
//   dividing by 2h. Reductions over k terms add √k·ε·|y| more, still ≲ 1e-4 at our sizes.
// - So honest gradients land within ~5e-4 of the difference; 1e-3 absolute plus 1e-2 relative
//   leaves headroom, while any real bug (a missing broadcast sum, a wrong sign or factor, a lost
//   contribution) is off by the size of the gradient itself, ≳ 0.1 at these magnitudes.
// - Kinks (abs, relu, clamp, max, maximum) break the Taylor argument within h of the kink, so
//   those tests draw inputs that stay ≥ 0.1 (> 2h) from every kink, tie or limit.

/// Checks autograd's gradients of `f` with respect to `inputs` (those listed in `wrt`, default
/// all) against central differences. Each input is copied into a fresh contiguous leaf, so `f`
/// may apply views (transposes, slices) itself to test non-contiguous paths.
func checkGradients(_ inputs: [Tensor], wrt: Set<Int>? = nil,
                    absoluteTolerance: Double = 1e-3, relativeTolerance: Double = 1e-2,
                    _ comment: Comment? = nil,
                    sourceLocation: SourceLocation = #_sourceLocation,
                    _ f: ([Tensor]) -> Tensor) {
    let differentiated = wrt ?? Set(inputs.indices)
    let leaves = inputs.enumerated().map { i, t -> Tensor in
        let leaf = t.to(.float32).contiguousCopy()
        leaf.requiresGrad = differentiated.contains(i)
        return leaf
    }
    let label = comment.map { "\($0): " } ?? ""
    let y = f(leaves)
    guard y.requiresGrad else {
        Issue.record("\(label)the result does not require a gradient", sourceLocation: sourceLocation)
        return
    }
    let weights = Tensor.uniform(y.shape, low: -1, high: 1, generator: RandomGenerator(seed: 0x5EED))
    let w = weights.scalars.map(Double.init)
    y.backward(weights)

    func loss() -> Double {
        let values = withoutGrad { f(leaves) }.scalars
        var total = 0.0
        for (v, wi) in zip(values, w) { total += Double(v) * wi }
        return total
    }

    for (i, leaf) in leaves.enumerated() {
        guard differentiated.contains(i) else {
            #expect(leaf.grad == nil, "\(label)input \(i) does not require a gradient but got one",
                    sourceLocation: sourceLocation)
            continue
        }
        guard let grad = leaf.grad else {
            Issue.record("\(label)input \(i) got no gradient", sourceLocation: sourceLocation)
            continue
        }
        guard grad.shape == leaf.shape else {
            Issue.record("\(label)input \(i): gradient shape \(grad.shape) ≠ input shape \(leaf.shape)",
                         sourceLocation: sourceLocation)
            continue
        }
        let analytic = grad.scalars
        var mismatches: [String] = []
        var mismatchCount = 0
        for j in 0..<leaf.count {
            let x = leaf.withUnsafeScalars { $0[j] }
            let h = 1e-2 * Swift.max(1, Swift.abs(x))
            let up = x + h, down = x - h
            leaf.withUnsafeMutableScalars { $0[j] = up }
            let lossUp = loss()
            leaf.withUnsafeMutableScalars { $0[j] = down }
            let lossDown = loss()
            leaf.withUnsafeMutableScalars { $0[j] = x }
            let numeric = (lossUp - lossDown) / Double(up - down)
            let a = Double(analytic[j])
            let allowed = absoluteTolerance + relativeTolerance * Swift.max(Swift.abs(a), Swift.abs(numeric))
            if !(Swift.abs(a - numeric) <= allowed) {
                mismatchCount += 1
                if mismatches.count < 6 {
                    mismatches.append("element \(j): autograd \(a), finite difference \(numeric)")
                }
            }
        }
        if mismatchCount > 0 {
            let details = mismatches.joined(separator: "; ")
            Issue.record("\(label)input \(i) (shape \(leaf.shape)): \(mismatchCount) of \(leaf.count) gradients differ: \(details)",
                         sourceLocation: sourceLocation)
        }
    }
}

// MARK: - Inputs for gradient checks

/// Uniform values in [low, high).
func uniform(_ shape: [Int], _ generator: RandomGenerator, _ low: Float = -2, _ high: Float = 2) -> Tensor {
    Tensor.uniform(shape, low: low, high: high, generator: generator)
}

/// Values with magnitude in [low, high) and random sign: at least `low` away from zero, the kink of
/// abs, relu and friends and the pole of 1/x.
func awayFromZero(_ shape: [Int], _ generator: RandomGenerator, _ low: Float = 0.2, _ high: Float = 2) -> Tensor {
    let n = shape.reduce(1, *)
    let values = (0..<n).map { _ -> Float in
        let magnitude = generator.uniform(low, high)
        return generator.uniform() < 0.5 ? -magnitude : magnitude
    }
    return Tensor(shape: shape, scalars: values)
}

/// Distinct values `spacing` apart in random order (centred on 0): max/min reductions have no ties
/// and no element is within a step h of another.
func distinct(_ shape: [Int], spacing: Float = 0.25, _ generator: RandomGenerator) -> Tensor {
    let n = shape.reduce(1, *)
    let values = generator.permutation(n).map { (Float($0) - Float(n) / 2) * spacing }
    return Tensor(shape: shape, scalars: values)
}

// MARK: - Comparing values

/// Expects two float arrays to agree elementwise within `tolerance` (absolute + relative).
func expectClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-5,
                 _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("\(comment.map { "\($0): " } ?? "")\(actual.count) values, expected \(expected.count)",
                     sourceLocation: sourceLocation)
        return
    }
    for (i, (a, e)) in zip(actual, expected).enumerated()
    where !(Swift.abs(a - e) <= tolerance * Swift.max(1, Swift.abs(e))) {
        Issue.record("\(comment.map { "\($0): " } ?? "")element \(i): \(a), expected \(e)",
                     sourceLocation: sourceLocation)
        return
    }
}

/// Expects a tensor's shape and values.
func expectTensor(_ t: Tensor, shape: [Int], _ values: [Float], tolerance: Float = 1e-5,
                  _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(t.shape == shape, comment, sourceLocation: sourceLocation)
    expectClose(t.scalars, values, tolerance: tolerance, comment, sourceLocation: sourceLocation)
}
