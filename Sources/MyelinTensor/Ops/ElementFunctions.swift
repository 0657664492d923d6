/// A scalar function of one float, as a type, for `Elementwise.map` (see there why a type).
protocol UnaryFunction {
    func callAsFunction(_ x: Float) -> Float
}

/// A scalar function of two floats, as a type, for `Elementwise.zip` and `update`.
protocol BinaryFunction {
    func callAsFunction(_ a: Float, _ b: Float) -> Float
}

/// Any closure, called per element: for the ops off the hot path.
struct UnaryClosure: UnaryFunction {
    let f: (Float) -> Float
    init(_ f: @escaping (Float) -> Float) { self.f = f }
    @inline(__always) func callAsFunction(_ x: Float) -> Float { f(x) }
}

struct BinaryClosure: BinaryFunction {
    let f: (Float, Float) -> Float
    init(_ f: @escaping (Float, Float) -> Float) { self.f = f }
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { f(a, b) }
}

// MARK: - The hot path

struct Sum: BinaryFunction {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b }
}

struct Difference: BinaryFunction {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b }
}

struct Product: BinaryFunction {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b }
}

struct Quotient: BinaryFunction {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b }
}

/// The second operand: an assignment.
struct Second: BinaryFunction {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { b }
}

struct Negation: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { -x }
}

/// x + s and x · s.
struct AddScalar: UnaryFunction {
    let s: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x + s }
}

struct MultiplyScalar: UnaryFunction {
    let s: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x * s }
}

struct ReLUFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.max(x, 0) }
}

/// The gradient g passed where the input (or a fused ReLU's output) x is positive, else 0.
struct ReLUGradient: BinaryFunction {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : 0 }
}

/// The gradient g where x is positive, else slope · g.
struct LeakyReLUGradient: BinaryFunction {
    let slope: Float
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : slope * g }
}

struct LeakyReLUFunction: UnaryFunction {
    let slope: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : slope * x }
}
