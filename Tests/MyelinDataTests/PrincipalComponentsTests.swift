import Foundation
import MyelinData
import Testing

@Suite struct PrincipalComponentsTests {
    /// Points spread 3, 1 and 0.1 along three orthonormal directions of a 3-D space (turned away
    /// from the axes), around (1, −2, 5): the components must find those directions and spreads.
    @Test func findsTheDirectionsOfLargestSpread() {
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
        for (direction, axis) in zip(components.directions, axes) {
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
