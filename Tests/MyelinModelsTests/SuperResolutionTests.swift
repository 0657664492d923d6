import Foundation
import Myelin
import MyelinModels
import Testing

/// The project's MNIST, for the tests that train on real digits.
let projectMNIST = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Data/mnist")

@Suite struct SuperResolutionTests {
    static let train = Result { try MNIST(split: .train, directory: projectMNIST) }

    @Test func shapesNamesAndParameterCounts() {
        let x2 = SuperResolutionNet(.init(scale: 2), generator: RandomGenerator(seed: 1))
        #expect(x2(Tensor.zeros([3, 1, 14, 14])).shape == [3, 1, 28, 28])
        #expect(x2(Tensor.zeros([1, 1, 5, 9])).shape == [1, 1, 10, 18])
        let x4 = SuperResolutionNet(.init(scale: 4), generator: RandomGenerator(seed: 1))
        #expect(x4(Tensor.zeros([2, 1, 7, 7])).shape == [2, 1, 28, 28])
        #expect(
            x2.stateDict.map(\.0) == ["body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias", "body.4.weight", "body.4.bias"])
        // 1·64·25 + 64, 64·32·9 + 32, then 32·r²·9 + r².
        #expect(x2.parameterCount == 1_664 + 18_464 + 1_156)
        #expect(x4.parameterCount == 1_664 + 18_464 + 4_624)
    }

    /// The last convolution's r² channels become each pixel's r×r block: channel k goes to row k / r,
    /// column k % r of the block.
    @Test func theSubPixelConvolutionFillsBlocksChannelByChannel() {
        let model = SuperResolutionNet(.init(scale: 2, channels: [4, 4]), generator: RandomGenerator(seed: 2))
        let input = Tensor.randn([1, 1, 3, 3], generator: RandomGenerator(seed: 3))
        let beforeShuffle = Sequential(Array(model.body.layers.dropLast()))(input).scalars  // [1, 4, 3, 3]
        let output = model(input).scalars  // [1, 1, 6, 6]
        for k in 0..<4 {
            for i in 0..<3 {
                for j in 0..<3 {
                    #expect(output[(2 * i + k / 2) * 6 + 2 * j + k % 2] == beforeShuffle[k * 9 + i * 3 + j])
                }
            }
        }
    }

    @Test func scoresAreTheMSEAndTheMeanPSNROfTheClampedOutput() {
        // Targets of two images; an "upscaling" that answers 0.5 everywhere except a pixel of 3,
        // which counts as 3 in the MSE and as 1 (clamped) in the PSNR.
        let targets = Tensor(shape: [2, 1, 2, 2], scalars: [0, 1, 0, 1, 0.5, 0.5, 0.5, 0.5])
        let data = TensorDataset(inputs: Tensor.zeros([2, 1, 1, 1]), labels: targets)
        let answer = Tensor(shape: [2, 1, 2, 2], scalars: [0.5, 0.5, 0.5, 3, 0.5, 0.5, 0.5, 0.5])
        let scores = upscalingScores(on: data) { _ in answer }
        #expect(abs(scores.mse - (3 * 0.25 + 4) / 8) < 1e-7)
        // Image 1 is exact, +∞ dB, and so is the mean.
        #expect(scores.psnr == .infinity)
        // Image 0 clamped: three pixels 0.5 off and one exact, MSE 3/16, 10·log₁₀(16/3) dB; raw, 4.75/4.
        let first = upscalingScores(on: data.subset([0])) { _ in answer[0..<1] }
        #expect(abs(first.psnr - 10 * log10(16.0 / 3)) < 1e-6 && abs(first.mse - 4.75 / 4) < 1e-7, "\(first)")
    }

    /// 60 steps on 512 digits shrunk to 14×14: the loss falls and the network already upscales
    /// better than bilinear interpolation; the checkpoint rebuilds the trained model.
    @Test func aShortRunLearnsToBeatBilinearUpsampling() throws {
        let digits = try Self.train.get().subset(Array(0..<512))
        let data = DownsampledImages(digits, factor: 2), test = DownsampledImages(try Self.train.get().subset(Array(512..<768)), factor: 2)
        let model = SuperResolutionNet(generator: RandomGenerator(seed: 4))
        let task = SuperResolutionTask(
            model, optimizer: Adam(model.parameters, learningRate: 3e-3),
            on: DataLoader(data, batchSize: 32, shuffle: true, generator: RandomGenerator(seed: 5)), test: test)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("superres-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let history = try Trainer(
            .steps(60), state: task.state, evaluateEvery: .steps(60), metadata: model.checkpointMetadata,
            callbacks: [ModelCheckpoint(url, every: .steps(60))]
        ).run(task)
        let losses = history.values("loss")
        let bilinear = upscalingScores(on: test) { $0.upsampled(scaleFactor: 2, mode: .bilinear) }
        let psnr = try #require(history.last("test PSNR"))
        let first: Double = losses.prefix(10).reduce(0, +), last: Double = losses.suffix(10).reduce(0, +)
        #expect(last < 0.5 * first, "\(losses)")
        #expect(psnr > bilinear.psnr + 1, "network \(psnr) dB, bilinear \(bilinear.psnr) dB")
        let loaded = try SuperResolutionNet(checkpoint: url)
        #expect(loaded.configuration == model.configuration)
        #expect(zip(loaded.parameters, model.parameters).allSatisfy { $0.scalars == $1.scalars })
    }
}
