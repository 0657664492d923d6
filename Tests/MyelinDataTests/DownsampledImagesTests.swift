import Foundation
import MyelinData
import MyelinTensor
import Testing

@Suite struct DownsampledImagesTests {
    static let test = Result { try MNIST(split: .test, directory: mnistDirectory) }

    @Test func inputsAreTheMeansOfBlocksAndTargetsTheImages() {
        // One 4×4 image 0…15 row by row: its 2×2 blocks average to 2.5, 4.5, 10.5, 12.5.
        let image = Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map(Float.init))
        let data = DownsampledImages(TensorDataset(inputs: image, labels: Tensor(integers: [7])), factor: 2)
        let (input, target) = data.example(at: 0)
        #expect(input.shape == [1, 2, 2] && input.scalars == [2.5, 4.5, 10.5, 12.5])
        #expect(target.shape == [1, 4, 4] && target.scalars == image.scalars)
        // By 4, the whole image's mean.
        #expect(
            DownsampledImages(TensorDataset(inputs: image, labels: Tensor(integers: [7])), factor: 4).example(at: 0).input.scalars == [7.5])
    }

    @Test(arguments: [(2, 14), (4, 7)])
    func mnistPairsHaveTheirShapesAndAreTheSameEveryTime(factor: Int, side: Int) throws {
        let mnist = try Self.test.get()
        let data = DownsampledImages(mnist, factor: factor)
        #expect(data.count == 10_000)
        let (inputs, targets) = data.batch(at: [5, 0, 9_999])
        #expect(inputs.shape == [3, 1, side, side] && targets.shape == [3, 1, 28, 28])
        #expect(targets.scalars == mnist.batch(at: [5, 0, 9_999]).inputs.scalars)
        // A fixed function of the image: the same pairs in every batch, in any order.
        let again = data.batch(at: [0, 5])
        #expect(again.inputs[1].scalars == inputs[0].scalars && again.inputs[0].scalars == inputs[1].scalars)
        #expect(data.example(at: 9_999).input.scalars == inputs[2].scalars)
        // Averaging keeps the ink: each input's sum is its digit's divided by factor².
        for n in 0..<3 {
            let ratio = inputs[n].sum().item * Float(factor * factor) / targets[n].sum().item
            #expect(abs(ratio - 1) < 1e-5)
        }
    }
}
