#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Fixed sinusoidal position vectors (Vaswani et al., 2017): PE[p, 2i] = sin(p / 10000^(2i/D)),
/// PE[p, 2i+1] = cos(p / 10000^(2i/D)). Nothing is learned or saved; called like an `Embedding` of
/// positions, it can stand where a learned position table would.
///
/// Shapes: positions [...] (int32/int64, each < count) → [..., dimension].
public final class SinusoidalPositionalEncoding: Module {
    /// The vectors of positions 0..<count: [count, dimension].
    public let table: Tensor

    public init(_ count: Int, _ dimension: Int) {
        precondition(
            count > 0 && dimension > 0,
            "SinusoidalPositionalEncoding: sizes must be positive, got \(count) × \(dimension)")
        var values = [Float](repeating: 0, count: count * dimension)
        for p in 0..<count {
            for j in 0..<dimension {
                // Pairs (2i, 2i + 1) share one frequency; computed in Double, then rounded once.
                let angle = Double(p) / pow(10_000.0, Double(j - j % 2) / Double(dimension))
                values[p * dimension + j] = Float(j % 2 == 0 ? sin(angle) : cos(angle))
            }
        }
        table = Tensor(shape: [count, dimension], scalars: values)
    }

    public override func forward(_ positions: Tensor) -> Tensor { embedding(positions, weight: table) }
}
