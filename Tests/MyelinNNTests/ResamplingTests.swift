import MyelinNN
import MyelinTestSupport
import Testing

// The Upsample and ZeroPad2d layers wrap the tensor ops (tested in MyelinTensorTests).

@Suite struct ResamplingLayerTests {
    let square = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])

    @Test func upsample() {
        let bilinear = Upsample(scaleFactor: 2, mode: .bilinear)
        #expect(
            bilinear(square).scalars == [
                1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5,
                2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4,
            ])
        #expect(bilinear.stateDict.isEmpty && bilinear.scaleFactor == 2 && bilinear.size == nil)
        let nearest = Upsample(size: (3, 5))
        #expect(nearest.mode == .nearest)
        let y = nearest(Tensor.ones([2, 4, 2, 2]))
        #expect(y.shape == [2, 4, 3, 5] && y.scalars.allSatisfy { $0 == 1 })
        let x = leaf(Tensor.uniform([1, 2, 3, 3], generator: RandomGenerator(seed: 91)))
        GradientCheck().check([x], "Upsample by 1.5") { Upsample(scaleFactor: 1.5, mode: .bilinear)(x) }
    }

    @Test func zeroPad() {
        #expect(ZeroPad2d(1)(square).scalars == [0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0])
        let crop = ZeroPad2d(left: -1, right: 1, top: 0, bottom: -1)
        let y = crop(square)
        #expect(y.shape == [1, 1, 1, 2] && y.scalars == [2, 0])
        #expect(ZeroPad2d(2)(Tensor.ones([3, 4, 5])).shape == [3, 8, 9])
        let x = leaf(Tensor.uniform([2, 1, 3, 3], generator: RandomGenerator(seed: 92)))
        GradientCheck().check([x], "ZeroPad2d with cropping") { crop(x) }
    }

    @Test func zeroPadRank() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = ZeroPad2d(1)(Tensor.ones([4, 4]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("ZeroPad2d: expected a 3-D or 4-D input [N, C, H, W], got shape [4, 4]"), "\(message)")
    }
}
