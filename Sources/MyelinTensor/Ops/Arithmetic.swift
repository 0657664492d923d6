// Broadcasting arithmetic, each op with its derivative beside it.
// For z = f(a, b) broadcast, the gradient of an input is the elementwise derivative summed back
// down to that input's shape (`sumToShape`).

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let z = Elementwise.zip(a, b, "add", Sum())
        return differentiable("add", [a, b], result: z) { g in
            [a.requiresGrad ? g.sumToShape(a.shape) : nil, b.requiresGrad ? g.sumToShape(b.shape) : nil]
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let z = Elementwise.zip(a, b, "sub", Difference())
        return differentiable("sub", [a, b], result: z) { g in
            [a.requiresGrad ? g.sumToShape(a.shape) : nil, b.requiresGrad ? (-g).sumToShape(b.shape) : nil]
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let z = Elementwise.zip(a, b, "mul", Product())
        return differentiable("mul", [a, b], result: z) { g in
            [
                a.requiresGrad ? (g * b.detached()).sumToShape(a.shape) : nil,
                b.requiresGrad ? (g * a.detached()).sumToShape(b.shape) : nil,
            ]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let z = Elementwise.zip(a, b, "div", Quotient())
        let quotient = z.detached()
        return differentiable("div", [a, b], result: z) { g in
            // d(a/b)/db = -a/b² = -z/b
            [
                a.requiresGrad ? (g / b.detached()).sumToShape(a.shape) : nil,
                b.requiresGrad ? (-(g * quotient) / b.detached()).sumToShape(b.shape) : nil,
            ]
        }
    }

    public static prefix func - (a: Tensor) -> Tensor {
        let z = Elementwise.map(a, "neg", Negation())
        return differentiable("neg", [a], result: z) { g in [-g] }
    }

    // MARK: Tensor with a scalar

    public static func + (a: Tensor, s: Float) -> Tensor {
        let z = Elementwise.map(a, "add", AddScalar(s: s))
        return differentiable("add scalar", [a], result: z) { g in [g] }
    }

    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }

    public static func * (a: Tensor, s: Float) -> Tensor {
        let z = Elementwise.map(a, "mul", MultiplyScalar(s: s))
        return differentiable("mul scalar", [a], result: z) { g in [g * s] }
    }

    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }

    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }

    public static func - (s: Float, a: Tensor) -> Tensor {
        let z = Elementwise.map(a, "rsub") { s - $0 }
        return differentiable("rsub scalar", [a], result: z) { g in [-g] }
    }

    public static func / (s: Float, a: Tensor) -> Tensor {
        let z = Elementwise.map(a, "rdiv") { s / $0 }
        return differentiable("rdiv scalar", [a], result: z) { g in
            [Elementwise.zip(g, a.detached(), "rdiv backward") { gv, x in -gv * s / (x * x) }]
        }
    }

    // MARK: Compound assignment (new tensors, recorded like PyTorch's out-of-place ops)

    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
    public static func *= (a: inout Tensor, b: Tensor) { a = a * b }
    public static func /= (a: inout Tensor, b: Tensor) { a = a / b }
    public static func += (a: inout Tensor, s: Float) { a = a + s }
    public static func *= (a: inout Tensor, s: Float) { a = a * s }
}

/// Elementwise maximum of two tensors (broadcast); the gradient goes to the larger (ties: to `a`).
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
    let z = Elementwise.zip(a, b, "maximum") { Swift.max($0, $1) }
    return differentiable("maximum", [a, b], result: z) { g in
        let aWins = Elementwise.zip(a.detached(), b.detached(), "maximum backward") { $0 >= $1 ? 1 : 0 }
        return [
            a.requiresGrad ? (g * aWins).sumToShape(a.shape) : nil,
            b.requiresGrad ? (g * (1 - aWins)).sumToShape(b.shape) : nil,
        ]
    }
}

/// Elementwise minimum of two tensors (broadcast); the gradient goes to the smaller (ties: to `a`).
public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
    let z = Elementwise.zip(a, b, "minimum") { Swift.min($0, $1) }
    return differentiable("minimum", [a, b], result: z) { g in
        let aWins = Elementwise.zip(a.detached(), b.detached(), "minimum backward") { $0 <= $1 ? 1 : 0 }
        return [
            a.requiresGrad ? (g * aWins).sumToShape(a.shape) : nil,
            b.requiresGrad ? (g * (1 - aWins)).sumToShape(b.shape) : nil,
        ]
    }
}
