import Foundation
import MyelinData
import MyelinTensor
import Testing

/// Principal components: the directions and variances of points made along known directions.
@Suite struct PrincipalComponentsTests {
    @Test func theComponentsAreTheDirectionsThePointsVaryAlong() {
        // 500 points in 6-D: a mean plus 3·a along u, 1·b along w and 0.1·c along z, u, w, z orthonormal.
        let g = RandomGenerator(seed: 4)
        let s = 1 / 2.0.squareRoot()
        let u = [s, s, 0, 0, 0, 0], w = [0, 0, 0.6, 0.8, 0, 0], z = [s, -s, 0, 0, 0, 0]
        let mean = [1.0, -2, 3, 0, 5, 0.5]
        let coordinates = (0..<500).map { _ in (3 * Double(g.normal()), Double(g.normal()), 0.1 * Double(g.normal())) }
        let points = coordinates.map { a, b, c in (0..<6).map { mean[$0] + a * u[$0] + b * w[$0] + c * z[$0] } }
        let pca = PrincipalComponents(of: points, count: 2)
        // The largest entry of each is positive: u and w as they are.
        for (component, expected) in zip(pca.components, [u, w]) {
            #expect(zip(component, expected).map { abs($0 - $1) }.max()! < 0.02, "\(component) is not \(expected)")
        }
        // The variances are the sample variances of the coordinates along u and w (they are nearly the principal axes).
        func variance(_ values: [Double]) -> Double {
            let m = values.reduce(0, +) / Double(values.count)
            return values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)
        }
        let expected = [variance(coordinates.map(\.0)), variance(coordinates.map(\.1))]
        #expect(zip(pca.variances, expected).allSatisfy { abs($0 - $1) < 0.01 * $1 }, "\(pca.variances) vs \(expected)")
        let total = variance(coordinates.map(\.0)) + variance(coordinates.map(\.1)) + variance(coordinates.map(\.2))
        #expect(abs(pca.totalVariance - total) < 1e-3 * total)
        // A point's coordinates: its offsets along u and w from the mean.
        let projected = pca.project(points[7])
        let (a, b, _) = coordinates[7]
        #expect(abs(projected[0] - a) < 0.05 && abs(projected[1] - b) < 0.05, "\(projected) vs \((a, b))")
    }

    @Test func allTheComponentsAreOrthonormalEigenvectorsOfTheCovariance() {
        let g = RandomGenerator(seed: 9)
        let points = (0..<12).map { _ in (0..<5).map { _ in Double(g.normal()) * Double(1 + g.integer(below: 3)) } }
        let pca = PrincipalComponents(of: points, count: 5)
        let n = Double(points.count), d = 5
        let mean = (0..<d).map { j in points.reduce(0) { $0 + $1[j] } / n }
        let covariance = (0..<d).map { a in
            (0..<d).map { b in points.reduce(0) { $0 + ($1[a] - mean[a]) * ($1[b] - mean[b]) } / (n - 1) }
        }
        for (k, c) in pca.components.enumerated() {
            // C·c = λ·c, and the components are orthonormal.
            for i in 0..<d {
                let product = (0..<d).reduce(0) { $0 + covariance[i][$1] * c[$1] }
                #expect(abs(product - pca.variances[k] * c[i]) < 1e-10)
            }
            for (l, other) in pca.components.enumerated() {
                #expect(abs(zip(c, other).reduce(0) { $0 + $1.0 * $1.1 } - (k == l ? 1 : 0)) < 1e-12)
            }
        }
        #expect(zip(pca.variances, pca.variances.dropFirst()).allSatisfy { $0 >= $1 })
        #expect(abs(pca.variances.reduce(0, +) - pca.totalVariance) < 1e-10 * pca.totalVariance)
    }

    /// Points spread 3, 1 and 0.1 along three orthonormal directions of a 3-D space (turned away
    /// from the axes), around (1, −2, 5): the components must find those directions and spreads.
    @Test func tensorPointsFitAndProjectAsArraysDo() {
        let s = 1 / 2.0.squareRoot(), t = 1 / 3.0.squareRoot(), u = 1 / 6.0.squareRoot()
        let axes = [[t, t, t], [s, -s, 0], [u, u, -2 * u]]
        let generator = RandomGenerator(seed: 1)
        var points: [Float] = []
        for _ in 0..<4000 {
            let weights = [3 * generator.normal(), generator.normal(), 0.1 * generator.normal()].map(Double.init)
            points += (0..<3).map { j in Float([1, -2, 5][j] + (0..<3).reduce(0.0) { $0 + weights[$1] * axes[$1][j] }) }
        }
        let data = Tensor(shape: [4000, 3], scalars: points)
        let components = PrincipalComponents(fitting: data, count: 2)
        for (direction, axis) in zip(components.components, axes) {
            let cosine = abs(zip(direction, axis).reduce(0.0) { $0 + $1.0 * $1.1 })
            #expect(cosine > 0.999, "\(direction) against \(axis)")
            #expect(abs(direction.reduce(0.0) { $0 + $1 * $1 } - 1) < 1e-9)
        }
        #expect(abs(components.variances[0] - 9) < 0.5 && abs(components.variances[1] - 1) < 0.06, "\(components.variances)")
        #expect(abs(components.totalVariance - 10.01) < 0.5)
        for (mean, truth) in zip(components.mean, [1.0, -2, 5]) { #expect(abs(mean - truth) < 0.15) }
        // Projected, the first coordinate spreads 3 and the second 1, both around 0.
        let flat = components.project(data)
        #expect(flat.shape == [4000, 2])
        let first = stride(from: 0, to: 8000, by: 2).map { Double(flat.scalars[$0]) }
        let variance = first.reduce(0) { $0 + $1 * $1 } / 3999
        #expect(abs(first.reduce(0, +) / 4000) < 1e-3 && abs(variance - components.variances[0]) < 1e-3)
    }
}
