import Foundation
import MyelinTensor

/// How to walk from one noise vector to another.
public enum LatentPath: String, CaseIterable, Sendable {
    /// (1 − t)·a + t·b: a straight line. Its midpoints are shorter than a typical z ~ N(0, I)
    /// (|z| ≈ √d), so they can look washed out.
    case linear
    /// Slerp, along the great circle from a to b: sin((1 − t)θ)/sin θ·a + sin(tθ)/sin θ·b, θ the
    /// angle between them, which keeps the length typical (White, "Sampling generative networks", 2016).
    case spherical
}

/// `steps` points from `start` to `end`, both included, evenly spaced in t along `path`.
///
/// Shapes: start and end [D] → [steps, D]. Row 0 is exactly `start` and the last row exactly `end`.
/// Spherical paths between (nearly) parallel or opposite vectors, where sin θ is (almost) 0 and the
/// great circle is not defined, fall back to linear.
public func interpolateLatents(from start: Tensor, to end: Tensor, steps: Int, path: LatentPath = .linear) -> Tensor {
    precondition(
        start.rank == 1 && start.shape == end.shape,
        "interpolateLatents: start \(start.shape) and end \(end.shape) must be vectors of one length")
    precondition(steps >= 2, "interpolateLatents: needs at least 2 steps (the two ends), got \(steps)")
    let a = start.scalars.map(Double.init), b = end.scalars.map(Double.init)
    let normA = a.reduce(0) { $0 + $1 * $1 }.squareRoot(), normB = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let cosine = normA > 0 && normB > 0 ? zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } / (normA * normB) : 1
    let theta = acos(min(max(cosine, -1), 1))
    let spherical = path == .spherical && sin(theta) > 1e-6
    var rows: [Float] = []
    rows.reserveCapacity(steps * a.count)
    for i in 0..<steps {
        // The ends are copied, not computed, so they are exact.
        if i == 0 { rows += start.scalars; continue }
        if i == steps - 1 { rows += end.scalars; continue }
        let t = Double(i) / Double(steps - 1)
        let (wa, wb) = spherical ? (sin((1 - t) * theta) / sin(theta), sin(t * theta) / sin(theta)) : (1 - t, t)
        rows += zip(a, b).map { Float(wa * $0 + wb * $1) }
    }
    return Tensor(shape: [steps, a.count], scalars: rows)
}
