import Foundation
import MyelinTensor
import Testing

@testable import MyelinData

/// Local contrast normalisation: what each pixel keeps is how it differs from its neighbourhood.
@Suite struct LocalContrastNormalizationTests {
    /// Two 16×16 images of a stripe pattern, the second darker and of half the contrast.
    static let images: Tensor = {
        let pattern = (0..<256).map { Float(($0 % 16) / 4 % 2) }
        return Tensor(shape: [2, 1, 16, 16], scalars: pattern + pattern.map { 0.2 + 0.5 * $0 })
    }()

    @Test func brightnessAndContrastAreNormalisedAway() {
        let lcn = LocalContrastNormalization(sigma: 2, floor: 0.01)
        let out = lcn.applied(to: Self.images).scalars
        // Where the local deviation is above the floor, a·x + b normalises to what x does.
        #expect(zip(out[0..<256], out[256..<512]).allSatisfy { abs($0 - $1) < 1e-4 })
        #expect(out.contains { abs($0) > 0.5 })
    }

    @Test func aFlatImageBecomesZeroAndTheFloorKeepsItThere() {
        let flat = Tensor(shape: [1, 1, 8, 8], scalars: Array(repeating: 0.7, count: 64))
        #expect(LocalContrastNormalization(sigma: 1.5, floor: 0.1).applied(to: flat).scalars.allSatisfy { abs($0) < 1e-6 })
    }

    @Test func fittingSetsTheFloorToTheMeanLocalDeviation() throws {
        let lcn = LocalContrastNormalization(fitting: Self.images, sigma: 2)
        // The second image's deviations are half the first's: the mean lies between them.
        let first = LocalContrastNormalization(fitting: Self.images.narrowed(axis: 0, start: 0, length: 1), sigma: 2).floor
        #expect(abs(lcn.floor - 0.75 * first) < 1e-4 * first && lcn.sigma == 2)
        let read = try JSONDecoder().decode(LocalContrastNormalization.self, from: JSONEncoder().encode(lcn))
        #expect(read == lcn)
    }
}
