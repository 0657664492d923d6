import Foundation
import MyelinData
import Testing

/// The zebra stripes and the two unpaired domains made with them.
@Suite struct ZebraDigitsTests {
    static let test = Result { try MNIST(split: .test, directory: mnistDirectory) }

    @Test func stripesAlternateAlongTheirDirection() {
        // Angle 0: the wave runs along x, so the stripes are vertical; a period of 4 from phase 0 is
        // two light columns, then two dark ones.
        let stripes = ZebraStripes(angle: 0, period: 4, phase: 0, darkness: 0.25)
        #expect((0..<8).map { stripes.factor(x: $0, y: 5) } == [1, 1, 0.25, 0.25, 1, 1, 0.25, 0.25])
        #expect((0..<8).allSatisfy { stripes.factor(x: 3, y: $0) == 0.25 })
        // A right angle turns them horizontal; half a period of phase swaps light and dark.
        let turned = ZebraStripes(angle: .pi / 2, period: 4, phase: 0.5, darkness: 0.25)
        #expect((0..<4).map { turned.factor(x: 7, y: $0) } == [0.25, 0.25, 1, 1])
    }

    @Test func domainsAreDeterministicDisjointAndLabelled() throws {
        let mnist = try Self.test.get()
        let digits = ZebraDigits(mnist, seed: 3, count: 300)
        let again = ZebraDigits(mnist, seed: 3, count: 300)
        #expect(digits.plain.inputs.scalars == again.plain.inputs.scalars)
        #expect(digits.zebra.inputs.scalars == again.zebra.inputs.scalars)
        #expect(digits.stripes == again.stripes)
        let other = ZebraDigits(mnist, seed: 4, count: 300)
        #expect(other.plainSources != digits.plainSources && other.stripes != digits.stripes)

        // No digit is in both domains: none has its partner.
        #expect(Set(digits.plainSources).isDisjoint(with: digits.zebraSources))
        #expect(digits.plain.count == 300 && digits.zebra.count == 300 && digits.zebra.inputShape == [1, 28, 28])
        #expect(digits.plain.labels.integers == digits.plainSources.map { mnist.labels[$0] })
        #expect(digits.zebra.labels.integers == digits.zebraSources.map { mnist.labels[$0] })
        // Plain digits are MNIST's pixels moved to [−1, 1].
        let first = digits.plainSources[0]
        let source = mnist.images[(first * 784)..<((first + 1) * 784)].map { 2 * $0 - 1 }
        #expect(Array(digits.plain.inputs.scalars[..<784]) == source)
        // The stripes' angles and periods vary from digit to digit.
        #expect(Set(digits.stripes.map(\.angle)).count == 300 && digits.stripes.allSatisfy { (4..<7).contains($0.period) })
    }

    @Test func stripesChangeTheStrokesButKeepTheirSupport() throws {
        let mnist = try Self.test.get()
        let digits = ZebraDigits(mnist, seed: 5, count: 200)
        let zebras = digits.zebra.inputs.scalars
        var darkened = 0, strokes = 0
        for (k, source) in digits.zebraSources.enumerated() {
            let original = mnist.images[(source * 784)..<((source + 1) * 784)].map { 2 * $0 - 1 }
            let zebra = zebras[(k * 784)..<((k + 1) * 784)]
            for (x, z) in zip(original, zebra) {
                // Background stays background and strokes stay strokes; stripes only darken.
                #expect((x > -1) == (z > -1) && z <= x)
                if x > -1 { strokes += 1 }
                if z < x { darkened += 1 }
            }
        }
        // About half of the stroke pixels lie on dark stripes.
        let fraction = Double(darkened) / Double(strokes)
        #expect(fraction > 0.35 && fraction < 0.65, "\(fraction) of the stroke pixels darkened")
    }
}
