import MyelinTensor

/// The principal components of a set of points: the orthogonal directions along which they vary
/// most, largest variance first — the eigenvectors of their covariance matrix, found by the cyclic
/// Jacobi method in double precision. `project` gives a point's coordinates along them (a 2-D map of
/// word vectors, say).
public struct PrincipalComponents: Sendable {
    /// The points' mean.
    public let mean: [Double]
    /// Unit vectors, each with its largest entry positive (so the result does not depend on the
    /// method's sign choices).
    public let components: [[Double]]
    /// The points' variance along each component (divided by n − 1).
    public let variances: [Double]
    /// Their whole variance, the sum over every direction: `variances[k] / totalVariance` is the share
    /// component k explains.
    public let totalVariance: Double

    /// The `count` leading components of `points` (at least two, all of one length d ≥ count).
    public init(of points: [[Double]], count: Int) {
        let n = points.count, d = points.first?.count ?? 0
        precondition(n >= 2, "PrincipalComponents: needs at least 2 points, got \(n)")
        precondition(points.allSatisfy { $0.count == d }, "PrincipalComponents: the points have different lengths")
        precondition(count >= 1 && count <= d, "PrincipalComponents: count must be in 1…\(d), got \(count)")
        var mean = [Double](repeating: 0, count: d)
        for p in points { for j in 0..<d { mean[j] += p[j] / Double(n) } }
        var covariance = [Double](repeating: 0, count: d * d)
        for p in points {
            for a in 0..<d { for b in a..<d { covariance[a * d + b] += (p[a] - mean[a]) * (p[b] - mean[b]) / Double(n - 1) } }
        }
        for a in 0..<d { for b in 0..<a { covariance[a * d + b] = covariance[b * d + a] } }
        let (values, vectors) = Self.symmetricEigen(covariance, d)
        let order = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }.prefix(count)
        self.mean = mean
        totalVariance = (0..<d).reduce(0) { $0 + covariance[$1 * d + $1] }
        variances = order.map { max(0, values[$0]) }
        components = order.map { k in
            let v = (0..<d).map { vectors[$0 * d + k] }
            let largest = v.indices.max { abs(v[$0]) < abs(v[$1]) }!
            return v[largest] < 0 ? v.map { -$0 } : v
        }
    }

    /// The `count` leading components of the rows of `points` [N, D] (a VAE's codes, say).
    public init(fitting points: Tensor, count: Int) {
        precondition(points.rank == 2, "PrincipalComponents: points must be [N, D], got \(points.shape)")
        let d = points.shape[1], values = points.contiguous().scalars.map(Double.init)
        self.init(of: (0..<points.shape[0]).map { Array(values[$0 * d..<($0 + 1) * d]) }, count: count)
    }

    /// The coordinates of the rows of `points` [N, D] along the components: [N, count].
    public func project(_ points: Tensor) -> Tensor {
        let d = mean.count
        precondition(
            points.rank == 2 && points.shape[1] == d, "PrincipalComponents.project: points must be [N, \(d)], got \(points.shape)")
        let values = points.contiguous().scalars.map(Double.init)
        let coordinates = (0..<points.shape[0]).flatMap { project(Array(values[$0 * d..<($0 + 1) * d])).map(Float.init) }
        return Tensor(shape: [points.shape[0], components.count], scalars: coordinates)
    }

    /// `point`'s coordinates along the components, from the mean.
    public func project(_ point: [Double]) -> [Double] {
        precondition(
            point.count == mean.count, "PrincipalComponents.project: a point of \(point.count) numbers, the components have \(mean.count)")
        return components.map { c in zip(c, zip(point, mean)).reduce(0) { $0 + $1.0 * ($1.1.0 - $1.1.1) } }
    }

    /// Eigenvalues and eigenvectors (the columns of a row-major d×d matrix) of the symmetric d×d
    /// matrix `a`, by cyclic Jacobi rotations until the off-diagonal part is negligible.
    static func symmetricEigen(_ a: [Double], _ d: Int) -> (values: [Double], vectors: [Double]) {
        var a = a
        var v = [Double](repeating: 0, count: d * d)
        for i in 0..<d { v[i * d + i] = 1 }
        let scale = a.reduce(0) { $0 + $1 * $1 }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<d { for q in (p + 1)..<d { off += a[p * d + q] * a[p * d + q] } }
            if off <= 1e-30 * scale || off == 0 { break }
            for p in 0..<d {
                for q in (p + 1)..<d where a[p * d + q] != 0 {
                    // The rotation in the (p, q) plane that zeroes a[p][q] (Golub and Van Loan, algorithm 8.4.1).
                    let tau = (a[q * d + q] - a[p * d + p]) / (2 * a[p * d + q])
                    let t = (tau >= 0 ? 1 : -1) / (abs(tau) + (1 + tau * tau).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot(), s = t * c
                    for k in 0..<d {
                        let akp = a[k * d + p], akq = a[k * d + q]
                        a[k * d + p] = c * akp - s * akq
                        a[k * d + q] = s * akp + c * akq
                    }
                    for k in 0..<d {
                        let apk = a[p * d + k], aqk = a[q * d + k]
                        a[p * d + k] = c * apk - s * aqk
                        a[q * d + k] = s * apk + c * aqk
                    }
                    for k in 0..<d {
                        let vkp = v[k * d + p], vkq = v[k * d + q]
                        v[k * d + p] = c * vkp - s * vkq
                        v[k * d + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<d).map { a[$0 * d + $0] }, v)
    }
}
