import MyelinTensor

/// The directions along which a set of points varies most — the leading eigenvectors of its
/// covariance — and the points' coordinates along them: how a code of 16 numbers is drawn on a
/// page. Computed in double precision by power iteration, each direction taken out of the
/// covariance (deflation) before the next is found.
///
/// ```swift
/// let components = PrincipalComponents(fitting: codes, count: 2)   // codes [N, 16]
/// let flat = components.project(codes)                             // [N, 2]
/// ```
public struct PrincipalComponents: Sendable {
    /// The points' mean, [D] values.
    public let mean: [Double]
    /// Unit vectors of D values, the largest variance first; each signed so that its largest entry is positive.
    public let directions: [[Double]]
    /// The variance of the points along each direction.
    public let variances: [Double]
    /// The variance of the points in all directions together (the covariance's trace): what the
    /// `variances` are shares of.
    public let totalVariance: Double

    /// The `count` leading components of `points` [N, D] (N ≥ 2, count ≤ D).
    public init(fitting points: Tensor, count: Int) {
        precondition(points.rank == 2 && points.shape[0] >= 2, "PrincipalComponents: points must be [N ≥ 2, D], got \(points.shape)")
        let (n, d) = (points.shape[0], points.shape[1])
        precondition(count >= 1 && count <= d, "PrincipalComponents: \(count) components of \(d)-dimensional points")
        let values = points.contiguous().scalars.map(Double.init)
        let mean = (0..<d).map { j in stride(from: j, to: values.count, by: d).reduce(0.0) { $0 + values[$1] } / Double(n) }
        var covariance = [Double](repeating: 0, count: d * d)
        for row in 0..<n {
            let centred = (0..<d).map { values[row * d + $0] - mean[$0] }
            for i in 0..<d {
                for j in i..<d { covariance[i * d + j] += centred[i] * centred[j] }
            }
        }
        for i in 0..<d {
            for j in i..<d {
                covariance[i * d + j] /= Double(n - 1)
                covariance[j * d + i] = covariance[i * d + j]
            }
        }
        totalVariance = (0..<d).reduce(0.0) { $0 + covariance[$1 * d + $1] }
        var directions: [[Double]] = [], variances: [Double] = []
        let start = RandomGenerator(seed: 0)
        for _ in 0..<count {
            var v = Self.normalized((0..<d).map { _ in Double(start.normal()) })
            for _ in 0..<10_000 {
                let next = Self.normalized(Self.multiply(covariance, v))
                let change = zip(next, v).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                v = next
                if change < 1e-24 { break }
            }
            let variance = zip(v, Self.multiply(covariance, v)).reduce(0.0) { $0 + $1.0 * $1.1 }
            if let largest = v.indices.max(by: { abs(v[$0]) < abs(v[$1]) }), v[largest] < 0 { v = v.map { -$0 } }
            for i in 0..<d {
                for j in 0..<d { covariance[i * d + j] -= variance * v[i] * v[j] }
            }
            directions.append(v)
            variances.append(variance)
        }
        (self.mean, self.directions, self.variances) = (mean, directions, variances)
    }

    /// The coordinates of `points` [N, D] along the directions, from the mean: [N, count].
    public func project(_ points: Tensor) -> Tensor {
        let d = mean.count
        precondition(points.rank == 2 && points.shape[1] == d, "PrincipalComponents.project: points must be [N, \(d)], got \(points.shape)")
        let values = points.contiguous().scalars
        var coordinates: [Float] = []
        coordinates.reserveCapacity(points.shape[0] * directions.count)
        for row in 0..<points.shape[0] {
            for direction in directions {
                coordinates.append(Float((0..<d).reduce(0.0) { $0 + (Double(values[row * d + $1]) - mean[$1]) * direction[$1] }))
            }
        }
        return Tensor(shape: [points.shape[0], directions.count], scalars: coordinates)
    }

    private static func multiply(_ matrix: [Double], _ vector: [Double]) -> [Double] {
        let d = vector.count
        return (0..<d).map { i in (0..<d).reduce(0.0) { $0 + matrix[i * d + $1] * vector[$1] } }
    }

    private static func normalized(_ vector: [Double]) -> [Double] {
        let norm = vector.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }
}
