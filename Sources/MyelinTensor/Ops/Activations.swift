import CMyelinKernels

// Activation functions as tensor ops, each with its derivative. The layers in MyelinNN wrap these.

extension Tensor {
    /// max(x, 0).
    public func relu() -> Tensor {
        let y = Elementwise.map(self, "relu", ReLUFunction())
        return differentiable("relu", [self], result: y) { g in
            [Elementwise.zip(g, self.detached(), "relu backward", ReLUGradient())]
        }
    }

    /// x for x > 0, else slope·x.
    public func leakyRelu(slope: Float = 0.01) -> Tensor {
        let y = Elementwise.map(self, "leakyRelu", LeakyReLUFunction(slope: slope))
        return differentiable("leakyRelu", [self], result: y) { g in
            [Elementwise.zip(g, self.detached(), "leakyRelu backward", LeakyReLUGradient(slope: slope))]
        }
    }

    /// x for x > 0, else α(eˣ − 1).
    public func elu(alpha: Float = 1) -> Tensor {
        let y = Elementwise.map(self, "elu") { $0 > 0 ? $0 : alpha * LibM.expm1($0) }
        return differentiable("elu", [self], result: y) { g in
            [Elementwise.zip(g, self.detached(), "elu backward") { gv, x in x > 0 ? gv : gv * alpha * LibM.exp(x) }]
        }
    }

    /// x·Φ(x) with the exact Gaussian CDF Φ(x) = ½(1 + erf(x/√2)), as PyTorch's default GELU.
    public func gelu() -> Tensor {
        precondition(dtype == .float32, "gelu: needs a float32 tensor, got \(dtype)")
        let x = contiguous().detached()
        let y = Tensor(empty: shape)
        guard GradMode.records([self]) else {
            myelin_vgelu(x.floatPointer, y.storage.floats, Int64(count))
            return y
        }
        // The slope Φ(x) + x·φ(x) shares the forward pass's exp and erf, so it is kept (in place of
        // x) and the backward pass is one multiplication.
        let slope = Tensor(empty: shape)
        myelin_vgelu_with_slope(x.floatPointer, y.storage.floats, slope.storage.floats, Int64(count))
        return differentiable("gelu", [self], result: y) { g in [g * slope] }
    }

    /// x / (1 + |x|).
    public func softsign() -> Tensor {
        let y = Elementwise.map(self, "softsign") { $0 / (1 + Swift.abs($0)) }
        return differentiable("softsign", [self], result: y) { g in
            [
                Elementwise.zip(g, self.detached(), "softsign backward") { gv, x in
                    let d = 1 + Swift.abs(x)
                    return gv / (d * d)
                }
            ]
        }
    }

    /// The Heaviside step: 1 for x ≥ 0, else 0 — the perceptron's activation. Its derivative is
    /// zero almost everywhere, so no gradient flows through it (train it with the perceptron rule).
    public func heaviside() -> Tensor {
        Elementwise.map(self, "heaviside") { $0 >= 0 ? 1 : 0 }
    }

    /// log(softmax(x)) along `axis`, computed stably (x − max − log Σ exp(x − max)).
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let a = normalizedAxis(axis, for: "logSoftmax")
        if a != rank - 1 {
            return transposed(a, rank - 1).logSoftmax(axis: -1).transposed(a, rank - 1)
        }
        let x = contiguous().detached()
        let cols = shape.last ?? 1
        let y = Tensor(empty: shape)
        myelin_log_softmax_rows(x.floatPointer, y.storage.floats, Int64(count / Swift.max(cols, 1)), Int64(cols))
        let yd = y.detached()
        return differentiable("logSoftmax", [self], result: y) { g in
            // dx = g − softmax · Σ g
            [g - yd.exp() * g.sum(axis: -1, keepingDimensions: true)]
        }
    }

    /// exp(x) / Σ exp(x) along `axis`, computed stably (the row's max subtracted first).
    public func softmax(axis: Int = -1) -> Tensor {
        let a = normalizedAxis(axis, for: "softmax")
        if a != rank - 1 {
            return transposed(a, rank - 1).softmax(axis: -1).transposed(a, rank - 1)
        }
        let x = contiguous().detached()
        let cols = shape.last ?? 1
        let y = Tensor(empty: shape)
        myelin_softmax_rows(x.floatPointer, y.storage.floats, Int64(count / Swift.max(cols, 1)), Int64(cols))
        let yd = y.detached()
        return differentiable("softmax", [self], result: y) { g in
            // dx = y ⊙ (g − Σ g·y)
            [yd * (g - (g * yd).sum(axis: -1, keepingDimensions: true))]
        }
    }
}

/// Free-function spellings, as in `torch.nn.functional`.
public func relu(_ x: Tensor) -> Tensor { x.relu() }
public func gelu(_ x: Tensor) -> Tensor { x.gelu() }
public func softmax(_ x: Tensor, axis: Int = -1) -> Tensor { x.softmax(axis: axis) }
public func logSoftmax(_ x: Tensor, axis: Int = -1) -> Tensor { x.logSoftmax(axis: axis) }
