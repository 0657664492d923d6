import MyelinNN
import Testing

// Dropout2d zeroes whole channels: one draw per (example, channel).

@Suite struct Dropout2dTests {
    /// The planes of an [N, C, …] tensor's values.
    private func planes(_ t: Tensor) -> [[Float]] {
        let size = t.shape.dropFirst(2).reduce(1, *)
        let values = t.scalars
        return stride(from: 0, to: values.count, by: size).map { Array(values[$0..<$0 + size]) }
    }

    @Test func wholeChannelsAreZeroedOrScaled() {
        let x = Tensor.randn([6, 10, 4, 5], generator: RandomGenerator(seed: 81))
        x.requiresGrad = true
        let y = Dropout2d(0.4, generator: RandomGenerator(seed: 82))(x)
        var dropped = 0
        for (input, output) in zip(planes(x.detached()), planes(y.detached())) {
            if output.allSatisfy({ $0 == 0 }) {
                dropped += 1
            } else {
                #expect(zip(input, output).allSatisfy { Swift.abs($1 - $0 / 0.6) <= 1e-6 * Swift.abs($0 / 0.6) })
            }
        }
        #expect(dropped > 0 && dropped < 60)
        // The gradient is the same mask, channel by channel.
        y.sum().backward()
        for (output, grad) in zip(planes(y.detached()), planes(x.grad!)) {
            let expected: Float = output.allSatisfy { $0 == 0 } ? 0 : 1 / 0.6
            #expect(grad.allSatisfy { Swift.abs($0 - expected) <= 1e-6 })
        }
    }

    @Test func seededDrawsRepeat() {
        let x = Tensor.ones([4, 8, 3, 3])
        let a = Dropout2d(0.5, generator: RandomGenerator(seed: 83))(x).scalars
        let b = Dropout2d(0.5, generator: RandomGenerator(seed: 83))(x).scalars
        let c = Dropout2d(0.5, generator: RandomGenerator(seed: 84))(x).scalars
        #expect(a == b)
        #expect(a != c)
        // [N, C, L] inputs are dropped by channel too.
        let sequence = Dropout2d(0.5, generator: RandomGenerator(seed: 85))(Tensor.ones([4, 8, 7]))
        #expect(planes(sequence).allSatisfy { Set($0).count == 1 })
    }

    @Test(arguments: [Float(0.2), 0.5])
    func droppedFractionIsNearP(p: Float) {
        // 64 × 512 channel draws: the standard error of the fraction is ≤ 0.0028; allow 0.015 (≥ 5σ).
        let y = Dropout2d(p, generator: RandomGenerator(seed: 86))(Tensor.ones([64, 512, 2, 2]))
        let dropped = planes(y).filter { $0[0] == 0 }.count
        #expect(Swift.abs(Float(dropped) / Float(64 * 512) - p) < 0.015)
    }

    @Test func evaluationIsTheIdentity() {
        let layer = Dropout2d(0.7)
        layer.eval()
        let x = Tensor.randn([2, 3, 4, 4], generator: RandomGenerator(seed: 87))
        #expect(layer(x) === x)
        #expect(Dropout2d(0)(x) === x)
    }

    @Test func rankPrecondition() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Dropout2d(0.5)(Tensor.ones([4, 8]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(
            message.contains("Dropout2d: expected a 4-D input [N, C, H, W] (or 3-D [N, C, L]), got shape [4, 8]"),
            "\(message)")
    }
}
