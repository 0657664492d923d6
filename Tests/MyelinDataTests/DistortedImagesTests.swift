import Foundation
import MyelinData
import MyelinTensor
import Testing

@Suite struct DistortedImagesTests {
    static let test = Result { try MNIST(split: .test, directory: mnistDirectory) }

    @Test func digitsOnTheCanvasAreTheSameForTheSameSeed() throws {
        let mnist = try Self.test.get()
        let data = DistortedImages(mnist, seed: 2)
        #expect(data.count == 10_000 && data.canvasSide == 42 && data.imageSide == 28)
        let (inputs, labels) = data.batch(at: [0, 17, 9_999])
        #expect(inputs.shape == [3, 1, 42, 42])
        #expect(labels.integers == mnist.batch(at: [0, 17, 9_999]).labels.integers)
        // Drawn once per example: another instance with the seed, another batch, the same pictures.
        let again = DistortedImages(mnist, seed: 2)
        #expect(again.batch(at: [17]).inputs.scalars == inputs[1].scalars)
        #expect(again.example(at: 9_999).input.scalars == inputs[2].scalars)
        #expect((0..<100).allSatisfy { again.placement(at: $0) == data.placement(at: $0) })
        // Another seed, other placements.
        let other = DistortedImages(mnist, seed: 3)
        #expect(other.batch(at: [0]).inputs.scalars != inputs[0].scalars)
        // Pixels stay in 0…1 (bilinear blends of pixels in 0…1, zeros outside).
        #expect(inputs.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test func placementsStayInTheirRanges() throws {
        let data = DistortedImages(try Self.test.get(), seed: 5)
        var rotations: [Float] = [], scales: [Float] = []
        for i in 0..<data.count {
            let p = data.placement(at: i)
            let room = (42 - p.scale * 28) / 2
            #expect(abs(p.rotation) <= .pi / 4 && (0.7...1.2).contains(p.scale))
            #expect(abs(p.translation.x) <= room && abs(p.translation.y) <= room)
            rotations.append(p.rotation)
            scales.append(p.scale)
        }
        // Uniform draws: they reach near both ends.
        #expect(rotations.min()! < -0.99 * .pi / 4 && rotations.max()! > 0.99 * .pi / 4)
        #expect(scales.min()! < 0.71 && scales.max()! > 1.19)
    }

    /// A 4×4 square of ink 8 pixels above the centre of a 28×28 image goes where its placement says:
    /// its centre of mass to the canvas's centre plus the translation plus (0, −8) turned and scaled,
    /// its ink scaled by scale².
    @Test func aSquareMovesTurnsAndGrowsAsItsPlacementSays() {
        var pixels = [Float](repeating: 0, count: 784)
        for row in 4..<8 { for column in 12..<16 { pixels[row * 28 + column] = 1 } }
        let images = Tensor(shape: [1, 1, 28, 28], scalars: pixels).expanded(to: [50, 1, 28, 28]).contiguousCopy()
        let data = DistortedImages(TensorDataset(inputs: images, labels: Tensor(integers: Array(0..<50))), seed: 9)
        let canvases = data.batch(at: Array(0..<50)).inputs
        for i in 0..<50 {
            let p = data.placement(at: i), canvas = canvases[i].scalars
            let mass = canvas.reduce(0, +)
            var x: Float = 0, y: Float = 0
            for (k, value) in canvas.enumerated() {
                x += value * Float(k % 42)
                y += value * Float(k / 42)
            }
            // The canvas's centre is between pixels 20 and 21; y points down, so a turn by +α is clockwise:
            // (0, −8) goes to (8 sin α, −8 cos α).
            let expected = (
                x: 20.5 + p.translation.x + p.scale * 8 * sin(p.rotation), y: 20.5 + p.translation.y - p.scale * 8 * cos(p.rotation)
            )
            let miss = max(abs(x / mass - expected.x), abs(y / mass - expected.y))
            // Bilinear sampling of a square shrunk or turned off the pixel grid moves its centre of mass
            // by a fraction of a pixel and its ink by a few percent (measured: at most 0.07 pixels and 5 %).
            #expect(miss < 0.15, "\(i): \(p), centre (\(x / mass), \(y / mass)), expected \(expected)")
            #expect(abs(mass / (16 * p.scale * p.scale) - 1) < 0.08, "\(i): ink \(mass) for scale \(p.scale)")
        }
    }
}
