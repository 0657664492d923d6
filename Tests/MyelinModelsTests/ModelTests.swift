import Myelin
import MyelinModels
import Testing

@Suite struct ModelTests {
    let images = Tensor.uniform([3, 1, 28, 28], generator: RandomGenerator(seed: 1))

    @Test func leNetMatchesTheLeNetBenchmark() {
        let model = LeNet(generator: RandomGenerator(seed: 2))
        #expect(model(images).shape == [3, 10])
        #expect(model.features(images).shape == [3, 16, 5, 5])
        // 6·25+6 + 16·150+16 + 400·120+120 + 120·84+84 + 84·10+10.
        #expect(model.parameterCount == 61_706)
        #expect(model.namedParameters.map(\.0).prefix(2) == ["features.0.weight", "features.0.bias"])
    }

    @Test func mnistConvNetMatchesThePyTorchExample() {
        let model = MNISTConvNet(generator: RandomGenerator(seed: 3))
        // The PyTorch example's state-dict names, so its checkpoints line up name for name.
        #expect(
            model.stateDict.map(\.0) == [
                "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias",
            ])
        #expect(model.parameterCount == 1_199_882)
        model.eval()
        let out = model(images)
        #expect(out.shape == [3, 10])
        // Log-probabilities: each row's probabilities sum to 1.
        for row in out.exp().sum(axis: 1).scalars { #expect(Swift.abs(row - 1) < 1e-5) }
        // Evaluation is deterministic (dropout off); training is not.
        #expect(model(images).scalars == out.scalars)
        model.train()
        #expect(model(images).scalars != out.scalars)
    }

    @Test func vggMiniShapesAndBatchNorm() {
        let model = VGGMini(widths: [4, 8, 16], generator: RandomGenerator(seed: 4))
        #expect(model(images).shape == [3, 10])
        #expect(model.features(images).shape == [3, 16, 3, 3])
        let batchNorms = model.namedModules.filter { $0.1 is BatchNorm2d }
        #expect(batchNorms.count == 6)
        // Convolutions before batch norm need no bias.
        #expect(!model.namedParameters.map(\.0).contains("features.0.bias"))
        #expect(model.stateDict.map(\.0).contains("features.1.running_mean"))
    }

    @Test(arguments: ["lenet", "cnn", "vgg"])
    func aFewStepsLowerTheLossOnMNIST(_ name: String) throws {
        // 20 steps on the same 32 real digits: each model must start to fit them.
        let data = try MNIST(split: .test)
        let (x, y) = data.batch(at: Array(0..<32))
        let g = RandomGenerator(seed: 5)
        let model: Module =
            name == "lenet"
            ? LeNet(generator: g)
            : name == "cnn" ? MNISTConvNet(generator: g) : VGGMini(widths: [4, 8, 8], generator: g)
        let loss: LossFunction = name == "cnn" ? nllLoss : crossEntropy
        let optimizer = Adam(model.parameters, learningRate: name == "vgg" ? 1e-2 : 3e-3)  // batch norm takes a larger step
        let first = loss(model(x), y, .mean).item
        let task = SupervisedTask(
            model, optimizer: optimizer, loss: loss,
            on: DataLoader(TensorDataset(inputs: x, labels: y), batchSize: 32))
        try Trainer(.epochs(20), state: task.state).run(task)
        let last = loss(model(x), y, .mean).item
        #expect(last < 0.5 * first, "\(name): loss \(first) → \(last)")
    }
}

@Suite struct ModelPreconditionMessages {
    @Test func charGPTSizes() async {
        // The message survives the optimised build (MyelinTensor's precondition, not Swift's).
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = CharGPT(.init(vocabularySize: 0))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("CharGPT: sizes must be positive, got"), "\(message)")
    }
}
