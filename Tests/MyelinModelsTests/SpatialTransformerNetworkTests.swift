import Foundation
import Myelin
import MyelinModels
import Testing

@Suite struct SpatialTransformerNetworkTests {
    static let train = Result { try MNIST(split: .train, directory: projectMNIST) }

    @Test func startsAtTheIdentityWithTheSameConvNetAsTheOneAlone() {
        let stn = SpatialTransformerNetwork(generator: RandomGenerator(seed: 1), localizationGenerator: RandomGenerator(seed: 2))
        let convNet = SpatialTransformerNetwork.convNet(generator: RandomGenerator(seed: 1))
        let images = Tensor.rand([3, 1, 42, 42], generator: RandomGenerator(seed: 3))
        #expect(stn(images).shape == [3, 10] && convNet(images).shape == [3, 10])
        // θ starts as the identity, which reads every pixel at its own centre.
        let rectified = stn.rectify(images)
        #expect(rectified.shape == [3, 1, 42, 42])
        #expect(zip(rectified.scalars, images.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
        // The same seed, the same classifier: before training both models give the same logits.
        #expect(stn.classifier.stateDict.map(\.1.scalars) == convNet.stateDict.map(\.1.scalars))
        #expect(zip(stn(images).scalars, convNet(images).scalars).allSatisfy { abs($0 - $1) < 1e-4 })
        #expect(stn.stateDict.map(\.0).prefix(2) == ["transformer.localization.0.weight", "transformer.localization.0.bias"])
        // Localisation 8·49 + 8, 10·8·25 + 10, 490·32 + 32, 32·6 + 6; ConvNet 16·25 + 16, 32·16·25 + 32, 1568·64 + 64, 64·10 + 10.
        #expect(convNet.parameterCount == 416 + 12_832 + 100_416 + 650)
        #expect(stn.parameterCount == convNet.parameterCount + 400 + 2_010 + 15_712 + 198)
    }

    /// Two classifiers side by side for 60 steps on 256 distorted digits: both losses fall, the
    /// evaluation names both, and the checkpoint holds both models and both optimizers.
    @Test func theComparisonTrainsBothOnTheSameBatches() throws {
        let digits = DistortedImages(try Self.train.get().subset(Array(0..<256)), seed: 1)
        manualSeed(6)
        let stn = SpatialTransformerNetwork(generator: RandomGenerator(seed: 6), localizationGenerator: RandomGenerator(seed: 7))
        let convNet = SpatialTransformerNetwork.convNet(generator: RandomGenerator(seed: 6))
        let task = ClassifierComparisonTask(
            [("STN", stn, Adam(stn.parameters, learningRate: 3e-3)), ("ConvNet", convNet, Adam(convNet.parameters, learningRate: 3e-3))],
            on: DataLoader(digits, batchSize: 32, shuffle: true, generator: RandomGenerator(seed: 8)),
            test: DataLoader(digits.subset(Array(0..<64)), batchSize: 32), format: "myelin.test-comparison")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("stn-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let history = try Trainer(
            .steps(60), state: task.state, evaluateEvery: .steps(60), callbacks: [ModelCheckpoint(url, every: .steps(60))]
        )
        .run(task)
        for name in ["STN", "ConvNet"] {
            let losses = history.values("\(name) loss")
            #expect(losses.count == 60)
            let first: Double = losses.prefix(5).reduce(0, +), last: Double = losses.suffix(5).reduce(0, +)
            #expect(last < 0.9 * first, "\(name): \(losses)")
            let accuracy = try #require(history.last("\(name) test accuracy"))
            #expect(history.last("\(name) test loss") != nil && accuracy > 0.1, "\(name): \(accuracy)")
        }
        // The localisation network learned: θ is no longer the identity.
        let theta = stn.transformer.localization(digits.batch(at: [0]).inputs).scalars
        #expect(zip(theta, [1, 0, 0, 0, 1, 0] as [Float]).contains { abs($0 - $1) > 1e-3 }, "\(theta)")
        let saved = try TrainingCheckpoint.read(url, format: "myelin.test-comparison")
        #expect(saved.tensors["STN.transformer.localization.0.weight"] != nil && saved.tensors["ConvNet.0.weight"] != nil)
        #expect(saved.names.contains { $0.hasPrefix("optimizer.STN.") } && saved.names.contains { $0.hasPrefix("optimizer.ConvNet.") })
    }
}
