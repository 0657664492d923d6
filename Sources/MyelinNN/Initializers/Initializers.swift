/// Weight initialisers, filling a tensor in place as `torch.nn.init` does.
///
/// Fans follow PyTorch: for a weight of shape [out, in, k…], fanIn = in·∏k and fanOut = out·∏k.
public enum Initializers {
    /// (fanIn, fanOut) of a weight shape.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 2, "Initializers.fans: needs a weight of at least 2 dimensions, got \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// The gain that keeps activations' variance steady through a nonlinearity (PyTorch's `calculate_gain`).
    public static func gain(_ nonlinearity: Nonlinearity) -> Float {
        switch nonlinearity {
        case .linear, .sigmoid: return 1
        case .tanh: return 5.0 / 3
        case .relu: return Float(2).squareRoot()
        case .leakyRelu(let slope): return (2 / (1 + slope * slope)).squareRoot()
        }
    }

    public enum Nonlinearity: Sendable {
        case linear, sigmoid, tanh, relu, leakyRelu(slope: Float)
    }

    /// PyTorch's default for `Linear` and the convolutions: weight and bias ~ U(−1/√fanIn, 1/√fanIn),
    /// drawn in that order, with fanIn from `fans(weightShape)`; the bias has `biasCount` elements,
    /// or is nil when `biasCount` is nil.
    public static func pytorchDefault(
        weightShape: [Int], biasCount: Int?,
        generator: RandomGenerator = .global
    ) -> (weight: Tensor, bias: Tensor?) {
        let bound = 1 / Float(fans(weightShape).fanIn).squareRoot()
        let weight = Tensor.uniform(weightShape, low: -bound, high: bound, generator: generator)
        let bias = biasCount.map { Tensor.uniform([$0], low: -bound, high: bound, generator: generator) }
        return (weight, bias)
    }

    public static func uniform(_ t: Tensor, low: Float, high: Float, generator: RandomGenerator = .global) {
        t.assign(Tensor.uniform(t.shape, low: low, high: high, generator: generator))
    }

    public static func normal(_ t: Tensor, mean: Float = 0, std: Float = 1, generator: RandomGenerator = .global) {
        t.assign(Tensor.randn(t.shape, mean: mean, std: std, generator: generator))
    }

    public static func constant(_ t: Tensor, _ value: Float) { t.fill(value) }

    /// Glorot/Xavier uniform: U(−a, a) with a = gain·√(6 / (fanIn + fanOut)).
    public static func xavierUniform(_ t: Tensor, gain: Float = 1, generator: RandomGenerator = .global) {
        let (fanIn, fanOut) = fans(t.shape)
        let a = gain * (6 / Float(fanIn + fanOut)).squareRoot()
        uniform(t, low: -a, high: a, generator: generator)
    }

    /// Glorot/Xavier normal: N(0, σ²) with σ = gain·√(2 / (fanIn + fanOut)).
    public static func xavierNormal(_ t: Tensor, gain: Float = 1, generator: RandomGenerator = .global) {
        let (fanIn, fanOut) = fans(t.shape)
        normal(t, std: gain * (2 / Float(fanIn + fanOut)).squareRoot(), generator: generator)
    }

    /// He/MSR (Kaiming) uniform: U(−b, b) with b = gain·√(3 / fanIn). PyTorch's Linear and Conv
    /// default is this with `.leakyRelu(slope: √5)`, which gives b = 1/√fanIn.
    public static func kaimingUniform(
        _ t: Tensor, nonlinearity: Nonlinearity = .relu,
        generator: RandomGenerator = .global
    ) {
        let b = gain(nonlinearity) * (3 / Float(fans(t.shape).fanIn)).squareRoot()
        uniform(t, low: -b, high: b, generator: generator)
    }

    /// He/MSR (Kaiming) normal: N(0, σ²) with σ = gain / √fanIn.
    public static func kaimingNormal(
        _ t: Tensor, nonlinearity: Nonlinearity = .relu,
        generator: RandomGenerator = .global
    ) {
        normal(t, std: gain(nonlinearity) / Float(fans(t.shape).fanIn).squareRoot(), generator: generator)
    }

    /// A (semi-)orthogonal matrix times `gain`: the weight, flattened to [rows, rest], has
    /// orthonormal rows or columns (whichever are fewer), from Gram–Schmidt on a normal sample.
    public static func orthogonal(_ t: Tensor, gain: Float = 1, generator: RandomGenerator = .global) {
        precondition(t.rank >= 2, "Initializers.orthogonal: needs at least 2 dimensions, got \(t.shape)")
        let rows = t.shape[0], cols = t.count / rows
        // Orthonormalise the shorter side's vectors, each of the longer side's length.
        let vectors = Swift.min(rows, cols), length = Swift.max(rows, cols)
        var q = (0..<vectors).map { _ in (0..<length).map { _ in Double(generator.normal()) } }
        for i in 0..<vectors {
            for j in 0..<i {
                let dot = zip(q[i], q[j]).reduce(0) { $0 + $1.0 * $1.1 }
                for k in 0..<length { q[i][k] -= dot * q[j][k] }
            }
            let norm = q[i].reduce(0) { $0 + $1 * $1 }.squareRoot()
            for k in 0..<length { q[i][k] /= norm }
        }
        var values = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                values[r * cols + c] = gain * Float(rows <= cols ? q[r][c] : q[c][r])
            }
        }
        t.assign(Tensor(shape: t.shape, scalars: values))
    }
}
