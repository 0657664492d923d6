import CMyelinKernels

// Unary math, each op with its derivative beside it. Transcendentals run through the vectorised
// C kernels (exp, log, tanh, sigmoid, erf) on contiguous data.

extension Tensor {
    /// Applies a vectorised C kernel `y = f(x)` over a contiguous copy of this tensor.
    func vectorized(_ op: String, _ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void) -> Tensor {
        precondition(dtype == .float32, "\(op): needs a float32 tensor, got \(dtype)")
        let x = isContiguous ? self : contiguousCopy()
        let y = Tensor(empty: shape)
        let px = UnsafePointer(x.floatPointer), py = y.storage.floats
        parallelFor(count, grain: Elementwise.grain) { begin, end in
            kernel(px + begin, py + begin, Int64(end - begin))
        }
        return y
    }

    public func exp() -> Tensor {
        let y = vectorized("exp", myelin_vexp)
        let yd = y.detached()
        return differentiable("exp", [self], result: y) { g in [g * yd] }
    }

    public func log() -> Tensor {
        let y = vectorized("log", myelin_vlog)
        return differentiable("log", [self], result: y) { g in [g / self.detached()] }
    }

    /// log(1 + x), accurate for small x.
    public func log1p() -> Tensor {
        let y = Elementwise.map(self, "log1p") { LibM.log1p($0) }
        return differentiable("log1p", [self], result: y) { g in [g / (self.detached() + 1)] }
    }

    public func sqrt() -> Tensor {
        let y = Elementwise.map(self, "sqrt") { $0.squareRoot() }
        let yd = y.detached()
        return differentiable("sqrt", [self], result: y) { g in
            [Elementwise.zip(g, yd, "sqrt backward") { gv, s in gv / (2 * s) }]
        }
    }

    /// Each element raised to `exponent`.
    public func pow(_ exponent: Float) -> Tensor {
        let y: Tensor
        switch exponent {
        case 2: y = Elementwise.map(self, "pow") { $0 * $0 }
        case 1: y = Elementwise.map(self, "pow") { $0 }
        case 0.5: y = Elementwise.map(self, "pow") { $0.squareRoot() }
        default: y = Elementwise.map(self, "pow") { LibM.pow($0, exponent) }
        }
        return differentiable("pow", [self], result: y) { g in
            [
                Elementwise.zip(g, self.detached(), "pow backward") { gv, x in
                    exponent == 0 ? 0 : gv * exponent * LibM.pow(x, exponent - 1)
                }
            ]
        }
    }

    public func abs() -> Tensor {
        let y = Elementwise.map(self, "abs") { Swift.abs($0) }
        return differentiable("abs", [self], result: y) { g in
            [Elementwise.zip(g, self.detached(), "abs backward") { gv, x in x > 0 ? gv : (x < 0 ? -gv : 0) }]
        }
    }

    /// −1, 0 or 1 by the sign of each element (NaN stays NaN), as PyTorch's `sign`. Its derivative
    /// is zero almost everywhere, so no gradient flows through it.
    public func sign() -> Tensor {
        Elementwise.map(self, "sign") { $0 > 0 ? 1 : $0 < 0 ? -1 : $0 }
    }

    /// Limits every element to `[min, max]`; the gradient is zero where the limit applied.
    public func clamped(min low: Float = -.infinity, max high: Float = .infinity) -> Tensor {
        precondition(low <= high, "clamped: min \(low) is greater than max \(high)")
        let y = Elementwise.map(self, "clamp") { Swift.min(Swift.max($0, low), high) }
        return differentiable("clamp", [self], result: y) { g in
            [Elementwise.zip(g, self.detached(), "clamp backward") { gv, x in x >= low && x <= high ? gv : 0 }]
        }
    }

    public func tanh() -> Tensor {
        let y = vectorized("tanh", myelin_vtanh)
        let yd = y.detached()
        return differentiable("tanh", [self], result: y) { g in
            [Elementwise.zip(g, yd, "tanh backward") { gv, t in gv * (1 - t * t) }]
        }
    }

    public func sigmoid() -> Tensor {
        let y = vectorized("sigmoid", myelin_vsigmoid)
        let yd = y.detached()
        return differentiable("sigmoid", [self], result: y) { g in
            [Elementwise.zip(g, yd, "sigmoid backward") { gv, s in gv * s * (1 - s) }]
        }
    }

    /// The Gauss error function.
    public func erf() -> Tensor {
        let y = vectorized("erf", myelin_verf)
        return differentiable("erf", [self], result: y) { g in
            // d/dx erf(x) = 2/√π · e^(−x²)
            [Elementwise.zip(g, self.detached(), "erf backward") { gv, x in gv * 1.1283791671 * LibM.exp(-x * x) }]
        }
    }

    public func square() -> Tensor { pow(2) }
}

/// Free-function spellings, as in PyTorch (`torch.exp(x)`).
public func exp(_ x: Tensor) -> Tensor { x.exp() }
public func log(_ x: Tensor) -> Tensor { x.log() }
public func sqrt(_ x: Tensor) -> Tensor { x.sqrt() }
public func abs(_ x: Tensor) -> Tensor { x.abs() }
public func tanh(_ x: Tensor) -> Tensor { x.tanh() }
public func sigmoid(_ x: Tensor) -> Tensor { x.sigmoid() }
public func pow(_ x: Tensor, _ exponent: Float) -> Tensor { x.pow(exponent) }
