import Foundation
import Myelin
import MyelinModels
import MyelinTestSupport
import Testing

@Suite struct PixelCNNTests {
    static let small = PixelCNN.Configuration(channels: 8, residualBlocks: 2)

    /// The small configuration, its blocks gated or not.
    static func small(gated: Bool) -> PixelCNN.Configuration {
        PixelCNN.Configuration(channels: 8, residualBlocks: 2, gated: gated)
    }

    /// Random binary images [N, 1, H, W].
    static func binaryImages(_ shape: [Int], seed: UInt64) -> Tensor {
        Tensor.bernoulli(shape, probability: 0.3, generator: RandomGenerator(seed: seed))
    }

    @Test func shapesNamesAndParameterCount() {
        let model = PixelCNN(generator: RandomGenerator(seed: 1))
        #expect(model(Tensor.zeros([2, 1, 28, 28])).shape == [2, 1, 28, 28])
        let names = model.stateDict.map(\.0)
        #expect(names.prefix(4) == ["input.weight", "input.bias", "blocks.0.reduce.weight", "blocks.0.reduce.bias"])
        #expect(names.suffix(2) == ["head.3.weight", "head.3.bias"] && names.contains("blocks.6.masked.weight"))
        // 7×7 A (1 → 64), 7 blocks of 1×1 (64 → 32), 3×3 B (32 → 32), 1×1 (32 → 64), then 1×1 64 → 64 → 1.
        #expect(model.parameterCount == (49 * 64 + 64) + 7 * (2_080 + 9_248 + 2_112) + (4_160 + 65))
    }

    /// Gated, each block's masked convolution gives twice the channels, and the block adds
    /// expand(tanh(f) ⊙ σ(g)) of its two halves f and g to its input.
    @Test func aGatedBlockAddsTanhTimesSigmoidOfTheTwoHalves() {
        let model = PixelCNN(PixelCNN.Configuration(gated: true), generator: RandomGenerator(seed: 12))
        #expect(model.blocks[0].masked.weight.shape == [64, 32, 3, 3])
        #expect(model.parameterCount == (49 * 64 + 64) + 7 * (2_080 + 18_496 + 2_112) + (4_160 + 65))

        let block = PixelCNNResidualBlock(channels: 4, gated: true, generator: RandomGenerator(seed: 13))
        let x = Tensor.uniform([1, 4, 3, 3], low: -1, high: 1, generator: RandomGenerator(seed: 14))
        let features = block.masked(block.reduce(x.relu()).relu())  // [1, 4, 3, 3]: f = channels 0–1, g = 2–3
        let f = features.narrowed(axis: 1, start: 0, length: 2).contiguous().scalars
        let g = features.narrowed(axis: 1, start: 2, length: 2).contiguous().scalars
        let gate = Tensor(shape: [1, 2, 3, 3], scalars: zip(f, g).map { Foundation.tanh($0) / (1 + Foundation.exp(-$1)) })
        let expected = (x + block.expand(gate)).scalars
        #expect(zip(block(x).scalars, expected).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    /// A configuration saved before blocks could be gated reads as ungated; a gated one keeps it.
    @Test func configurationsWithoutGatedReadAsUngated() throws {
        let old = try JSONDecoder().decode(PixelCNN.Configuration.self, from: Data(#"{"channels":32,"residualBlocks":3}"#.utf8))
        #expect(old == PixelCNN.Configuration(channels: 32, residualBlocks: 3, gated: false))
        let gated = PixelCNN.Configuration(channels: 16, residualBlocks: 2, gated: true)
        #expect(try JSONDecoder().decode(PixelCNN.Configuration.self, from: JSONEncoder().encode(gated)) == gated)
    }

    /// The whole network's logit at a pixel depends on no pixel at or after it: the first layer is
    /// of type A, and the residual blocks and the head do not mix pixels.
    @Test(arguments: [false, true]) func theLogitOfAPixelSeesOnlyThePixelsBeforeIt(gated: Bool) {
        let model = PixelCNN(Self.small(gated: gated), generator: RandomGenerator(seed: 2))
        let images = Tensor.uniform([1, 1, 7, 6], generator: RandomGenerator(seed: 3))
        let dependence = inputDependence(of: { model($0) }, on: images)
        for pixel in 0..<42 {
            #expect(dependence[pixel][pixel...].allSatisfy { $0 == 0 }, "pixel \(pixel): \(dependence[pixel])")
            if pixel % 6 > 0 { #expect(dependence[pixel][pixel - 1] > 0, "pixel \(pixel) does not see the one to its left") }
            if pixel >= 6 { #expect(dependence[pixel][pixel - 6] > 0, "pixel \(pixel) does not see the one above it") }
        }
    }

    @Test func theNLLIsTheSumOfEachPixelsMinusLogProbability() {
        let model = PixelCNN(Self.small, generator: RandomGenerator(seed: 4))
        let images = Self.binaryImages([3, 1, 5, 4], seed: 5)
        let p = model(images).sigmoid().scalars, x = images.scalars
        let nll = model.negativeLogLikelihoods(images).scalars
        for n in 0..<3 {
            let expected = (20 * n..<20 * (n + 1)).reduce(0.0) { $0 - log(Double(x[$1] == 1 ? p[$1] : 1 - p[$1])) }
            #expect(abs(Double(nll[n]) - expected) < 1e-4 * expected, "image \(n): \(nll[n]) against \(expected)")
        }
        #expect(abs(model.meanNegativeLogLikelihood(images).item - nll.reduce(0, +) / 3) < 1e-3)
        let data = TensorDataset(inputs: images, labels: Tensor.zeros([3]))
        #expect(abs(model.meanNegativeLogLikelihood(on: data) - Double(nll.reduce(0, +)) / 3) < 1e-3)
    }

    /// One row through every layer, the masked convolutions reading their inputs of the rows above
    /// from a cache, gives that row of the whole forward pass.
    @Test(arguments: [false, true]) func aRowThroughTheCachedInputsIsThatRowOfTheWholePass(gated: Bool) {
        let model = PixelCNN(Self.small(gated: gated), generator: RandomGenerator(seed: 6))
        let images = Self.binaryImages([2, 1, 9, 8], seed: 7)
        var inputs = [ObjectIdentifier: Tensor]()
        let whole = model.logits(images) { layer, x in
            inputs[ObjectIdentifier(layer)] = x
            return layer(x)
        }
        for row in 0..<9 {
            let alone = model.logits(images.narrowed(axis: 2, start: row, length: 1)) { layer, _ in
                layer.forward(row: row, of: inputs[ObjectIdentifier(layer)]!)
            }
            let expected = whole.narrowed(axis: 2, start: row, length: 1).contiguous().scalars
            #expect(zip(alone.scalars, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "row \(row)")
        }
    }

    /// Recomputing only the changed row draws the same pixels as running the whole network at
    /// every pixel; a completion keeps the rows above where it starts. The weights are scaled up so
    /// that the logits swing far with every pixel they see: a pixel missed or seen stale (the last
    /// of a row) changes draws.
    @Test(arguments: [false, true]) func bothWaysOfSamplingDrawTheSameImages(gated: Bool) {
        let model = PixelCNN(Self.small(gated: gated), generator: RandomGenerator(seed: 8))
        for parameter in model.parameters { parameter.assign(parameter * 3) }
        let fast = model.sample(count: 8, height: 7, width: 5, generator: RandomGenerator(seed: 9))
        let slow = model.sample(count: 8, height: 7, width: 5, generator: RandomGenerator(seed: 9), sampling: .wholeImage)
        #expect(fast.shape == [8, 1, 7, 5] && fast.scalars == slow.scalars)
        #expect(fast.scalars.allSatisfy { $0 == 0 || $0 == 1 } && Set(fast.scalars).count == 2)

        let digits = Self.binaryImages([8, 1, 7, 5], seed: 10)
        let completed = model.complete(digits, fromRow: 3, generator: RandomGenerator(seed: 11))
        let slowly = model.complete(digits, fromRow: 3, generator: RandomGenerator(seed: 11), sampling: .wholeImage)
        #expect(completed.scalars == slowly.scalars)
        #expect(
            completed.narrowed(axis: 2, start: 0, length: 3).contiguous().scalars
                == digits.narrowed(axis: 2, start: 0, length: 3).contiguous().scalars)
        #expect(completed.scalars != digits.scalars)
    }

    /// 60 steps on 1,024 binarised training digits: the test NLL falls from about 784·log 2 nats
    /// (every pixel a coin toss) to under 250, and the checkpoint rebuilds the trained model.
    @Test func aShortRunLowersTheTestNLL() throws {
        let digits = try SuperResolutionTests.train.get().binarized(.sampled(seed: 0))
        let train = digits.subset(Array(0..<1024)), test = digits.subset(Array(1024..<1280))
        let model = PixelCNN(.init(channels: 16, residualBlocks: 2), generator: RandomGenerator(seed: 12))
        let task = PixelCNNTask(
            model, optimizer: Adam(model.parameters, learningRate: 3e-3),
            on: DataLoader(train, batchSize: 32, shuffle: true, generator: RandomGenerator(seed: 13)), test: test)
        let before = try #require(try task.evaluate()["test NLL"])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pixelcnn-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let history = try Trainer(
            .steps(60), state: task.state, evaluateEvery: .steps(60), metadata: model.checkpointMetadata,
            callbacks: [ModelCheckpoint(url, every: .steps(60))]
        ).run(task)
        let after = try #require(history.last("test NLL"))
        #expect(abs(before - 784 * log(2.0)) < 60, "\(before)")
        #expect(after < 250, "test NLL \(after) nats after 60 steps")
        #expect(abs(try #require(history.last("test bits per pixel")) - after / (784 * log(2.0))) < 1e-9)
        let loaded = try PixelCNN(checkpoint: url)
        #expect(loaded.configuration == model.configuration)
        #expect(zip(loaded.parameters, model.parameters).allSatisfy { $0.scalars == $1.scalars })
    }
}
