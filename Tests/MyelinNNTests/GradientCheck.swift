import Testing
import MyelinNN

/// Checks the gradients that `backward()` computes against central finite differences.
///
/// `compute` maps the current values of `tensors` (leaves that require a gradient: inputs or a
/// module's parameters) to an output of any shape. The output is reduced to a scalar with fixed
/// random weights, L = Σ wᵢ·yᵢ, so every output element's derivative is checked at once (a single
/// wrong element, or an error that cancels in a plain sum, cannot hide). For every element x of
/// every tensor the numerical derivative is (L(x + h) − L(x − h)) / (x₊ − x₋), where x₊ and x₋
/// are the float32 values actually stored (so rounding of x ± h does not bias the step), and L
/// is accumulated in Double from the float32 outputs.
///
/// Tolerance, float32: |analytic − numeric| ≤ absolute + relative·|numeric|, by default
/// 1e-3 + 1e-2·|numeric|, with h = 1e-2. Why that is enough and not too loose:
/// - rounding: each output is float32 with a relative error of a few ulps (≈ 3·6e-8 for the
///   vectorised transcendental kernels), so the difference quotient carries an error of about
///   2·2e-7·Σ|wᵢyᵢ| / 2h ≈ 2e-5 per unit of output magnitude — outputs here are O(1–10);
/// - truncation: the central difference is exact up to h²/6·|f‴| ≈ 1.7e-5·|f‴|, and every
///   function checked is smooth (|f‴| = O(1)) on the inputs used, which stay ≥ 0.1 away from kinks;
/// - so the expected error is ≲ 3e-4, and a wrong derivative (a missing factor, a wrong sign, a
///   gradient sent to the wrong element) is off by far more than 1e-3 on gradients of size 0.05–5.
struct GradientCheck {
    var step: Float = 1e-2
    var absolute: Double = 1e-3
    var relative: Double = 1e-2

    /// The largest (|analytic − numeric| − tolerance) seen, ≤ 0 when everything passes.
    @discardableResult
    func check(_ tensors: [Tensor], seed: UInt64 = 7, recordingIssues: Bool = true,
               sourceLocation: SourceLocation = #_sourceLocation, _ compute: () -> Tensor) -> Double {
        for t in tensors {
            precondition(t.requiresGrad && t.isContiguous, "GradientCheck: tensors must be contiguous leaves that require gradients")
            t.zeroGrad()
        }
        let output = compute()
        let generator = RandomGenerator(seed: seed)
        let weights = Tensor.uniform(output.shape, low: -1.5, high: 1.5, generator: generator)
        let w = weights.scalars.map(Double.init)
        (output * weights).sum().backward()
        let analytic = tensors.map { $0.grad?.scalars ?? [Float](repeating: 0, count: $0.count) }

        func weightedSum() -> Double {
            let y = withoutGrad { compute() }.scalars
            return zip(y, w).reduce(0) { $0 + Double($1.0) * $1.1 }
        }

        var worst = -Double.infinity
        for (k, t) in tensors.enumerated() {
            for i in 0..<t.count {
                let original = t.withUnsafeScalars { $0[i] }
                let up = original + step, down = original - step
                t.withUnsafeMutableScalars { $0[i] = up }
                let lUp = weightedSum()
                t.withUnsafeMutableScalars { $0[i] = down }
                let lDown = weightedSum()
                t.withUnsafeMutableScalars { $0[i] = original }
                let numeric = (lUp - lDown) / (Double(up) - Double(down))
                let a = Double(analytic[k][i])
                let excess = Swift.abs(a - numeric) - (absolute + relative * Swift.abs(numeric))
                worst = Swift.max(worst, excess)
                if recordingIssues {
                    #expect(excess <= 0, "tensor \(k) element \(i): analytic \(a), numeric \(numeric)",
                            sourceLocation: sourceLocation)
                }
            }
        }
        for t in tensors { t.zeroGrad() }
        return worst
    }
}

/// A leaf tensor that requires a gradient, with values whose magnitudes lie in [low, high] and
/// random signs: away from the kinks at 0 of relu, abs and friends when low ≥ 0.1.
func awayFromZero(_ shape: [Int], low: Float = 0.1, high: Float = 2, seed: UInt64) -> Tensor {
    let g = RandomGenerator(seed: seed)
    let n = shape.reduce(1, *)
    let values = (0..<n).map { _ in (g.uniform() < 0.5 ? -1 : 1) * g.uniform(low, high) }
    let t = Tensor(shape: shape, scalars: values)
    t.requiresGrad = true
    return t
}

/// A leaf tensor that requires a gradient, uniform in [low, high).
func leaf(_ shape: [Int], low: Float = -2, high: Float = 2, seed: UInt64) -> Tensor {
    let t = Tensor.uniform(shape, low: low, high: high, generator: RandomGenerator(seed: seed))
    t.requiresGrad = true
    return t
}

/// A leaf tensor that requires a gradient, from values.
func leaf(_ shape: [Int], _ values: [Float]) -> Tensor {
    let t = Tensor(shape: shape, scalars: values)
    t.requiresGrad = true
    return t
}

/// Whether two float arrays agree elementwise within `tolerance` (absolute).
func close(_ a: [Float], _ b: [Float], _ tolerance: Float = 1e-6) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance }
}

@Suite struct GradientCheckSelfTests {
    /// x² with a derivative supplied by the test.
    func square(_ x: Tensor, derivativeFactor: Float) -> Tensor {
        let y = withoutGrad { x * x }
        return differentiable("square under test", [x], result: y) { g in [g * x.detached() * derivativeFactor] }
    }

    @Test func acceptsACorrectDerivative() {
        let x = awayFromZero([6], seed: 99)
        #expect(GradientCheck().check([x]) { square(x, derivativeFactor: 2) } <= 0)
    }

    @Test func rejectsADerivativeFivePercentOff() {
        let x = awayFromZero([6], low: 0.5, high: 2, seed: 99)
        // 2.1x is not the derivative of x²: the checker must flag it.
        #expect(GradientCheck().check([x], recordingIssues: false) { square(x, derivativeFactor: 2.1) } > 0)
    }

    @Test func rejectsAGradientSentToTheWrongElement() {
        let x = awayFromZero([4], low: 0.5, high: 2, seed: 98)
        let worst = GradientCheck().check([x], recordingIssues: false) {
            let y = withoutGrad { x * x }
            return differentiable("reversed", [x], result: y) { g in
                [Tensor((g * x.detached() * 2).scalars.reversed())]
            }
        }
        #expect(worst > 0)
    }
}
