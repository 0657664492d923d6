import Foundation
import MyelinModels
import MyelinTensor
import MyelinTestSupport
import Testing

@Suite struct StyleLossTests {
    @Test func gramMatrixByHand() {
        // Two channels over four positions: a = (1, 2, 0, −1), b = (0, 1, 3, 1).
        // a·a = 6, a·b = 1, b·b = 11, each over the 4 positions.
        let features = Tensor(shape: [1, 2, 2, 2], scalars: [1, 2, 0, -1, 0, 1, 3, 1])
        let gram = gramMatrix(features)
        #expect(gram.shape == [1, 2, 2])
        #expect(gram.scalars == [1.5, 0.25, 0.25, 2.75])
        // A batch: each picture its own matrix; the second is the first doubled, so its Gram is 4×.
        let batch = concatenate([features, features * 2], axis: 0)
        #expect(gramMatrix(batch).scalars == [1.5, 0.25, 0.25, 2.75, 6, 1, 1, 11])
    }

    @Test func styleLossByHandAndZeroForThePictureItself() {
        let features = Tensor(shape: [1, 2, 2, 2], scalars: [1, 2, 0, -1, 0, 1, 3, 1])
        #expect(styleLoss(features, targetGram: gramMatrix(features)).item == 0)
        // Against the zero matrix: the mean of the squared Gram entries, (2.25 + 0.0625·2 + 7.5625) / 4.
        #expect(Swift.abs(styleLoss(features, targetGram: Tensor.zeros([1, 2, 2])).item - 2.484375) < 1e-6)
        // The Gram matrix forgets where features are: the positions shuffled, the style loss stays 0.
        let shuffled = Tensor(shape: [1, 2, 2, 2], scalars: [-1, 0, 2, 1, 1, 3, 1, 0])
        #expect(styleLoss(shuffled, targetGram: gramMatrix(features)).item == 0)
        #expect(contentLoss(shuffled, target: features).item > 1)
    }

    @Test func styleLossOfAPictureAgainstItselfIsZeroThroughEveryFeatureExtractor() {
        let picture = Tensor.rand([1, 3, 24, 20], generator: RandomGenerator(seed: 3))
        let features = RandomMultiscaleFeatures(levels: 3, channels: 16, seed: 1)
        let maps = features.features(of: picture)
        for (layer, map) in maps.style.enumerated() {
            #expect(styleLoss(map, targetGram: gramMatrix(map)).item == 0, "layer \(layer)")
        }
        #expect(contentLoss(maps.content, target: maps.content).item == 0)
        // …and the whole objective: from the style picture itself, with no content, nothing to lower.
        let transfer = StyleTransfer(steps: 1, method: .adam, totalVariationWeight: 0)
        let result = transfer.run(from: picture, content: nil, style: picture, features: features) { _ in }
        #expect(result.first.style == 0 && result.first.total == 0)
    }

    @Test func totalVariationByHand() {
        // One 2×3 plane: vertical differences (3, 3, 3), horizontal (1, 1, 1, 1).
        let image = Tensor(shape: [1, 1, 2, 3], scalars: [0, 1, 2, 3, 4, 5])
        #expect(totalVariationLoss(image).item == 10)
        #expect(totalVariationLoss(Tensor.zeros([2, 3, 4, 4]) + 0.3).item == 0)
    }

    @Test func totalVariationGradientAgainstFiniteDifferences() {
        checkGradients([uniform([2, 3, 5, 4], RandomGenerator(seed: 7), 0, 1)]) { totalVariationLoss($0[0]) }
    }

    @Test func styleAndContentLossGradientsAgainstFiniteDifferences() {
        let g = RandomGenerator(seed: 8)
        let target = gramMatrix(uniform([1, 3, 4, 5], g))
        checkGradients([uniform([1, 3, 4, 5], g)]) { styleLoss($0[0], targetGram: target) }
        let content = uniform([1, 3, 4, 5], g)
        checkGradients([uniform([1, 3, 4, 5], g)]) { contentLoss($0[0], target: content) }
    }
}

@Suite struct StyleFeatureTests {
    @Test func randomMultiscaleFeaturesShapesAndFilters() {
        let features = RandomMultiscaleFeatures(levels: 4, channels: 8, kernelSize: 5, seed: 2)
        let maps = features.features(of: Tensor.rand([1, 3, 32, 24], generator: RandomGenerator(seed: 1)))
        #expect(maps.style.map(\.shape) == [[1, 8, 32, 24], [1, 8, 16, 12], [1, 8, 8, 6], [1, 8, 4, 3]])
        #expect(maps.content.shape == [1, 8, 16, 12])
        #expect(maps.style.allSatisfy { $0.min().item >= 0 })
        // Every filter has zero mean and unit norm; the same seed gives the same filters.
        for bank in features.filters {
            let rows = bank.reshaped([8, 75])
            #expect(rows.mean(axis: 1).abs().max().item < 1e-6)
            #expect((rows.square().sum(axis: 1) - 1).abs().max().item < 1e-5)
        }
        #expect(RandomMultiscaleFeatures(levels: 4, channels: 8, seed: 2).filters[3].scalars == features.filters[3].scalars)
        #expect(features.styleLayers == ["scale 1", "scale 1/2", "scale 1/4", "scale 1/8"] && features.contentLayer == "scale 1/2")
        #expect(features.summary.contains("random multi-scale ConvNet") && features.smallestSide == 8)
    }

    @Test func vgg16LayerNamesAreTorchvisionsIndices() {
        #expect(VGG16StyleFeatures.layerNames.count == VGG16.makeFeatures().count)
        #expect(
            VGG16StyleFeatures.styleIndices.map(VGG16StyleFeatures.layerName) == ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"])
        #expect(VGG16StyleFeatures.layerName(VGG16StyleFeatures.contentIndex) == "relu4_2")
        #expect(VGG16StyleFeatures.layerName(0) == "conv1_1" && VGG16StyleFeatures.layerName(30) == "pool5")
    }

    @Test func vgg16WeightsOfAnotherNetworkAreRefusedByName() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("style-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let other = folder.appendingPathComponent("lenet.safetensors")
        try SafeTensors.write([("conv1.weight", Tensor.zeros([6, 1, 5, 5]))], to: other)
        #expect(
            throws: StyleWeightsError(
                path: other.path, problem: "has no 'features.*' tensors, so it is not torchvision VGG16 weights (tensors: conv1.weight)")
        ) {
            try VGG16StyleFeatures(contentsOf: other)
        }
        let wrongShape = folder.appendingPathComponent("vgg-wrong.safetensors")
        try SafeTensors.write([("features.0.weight", Tensor.zeros([64, 1, 3, 3]))], to: wrongShape)
        #expect(throws: StyleWeightsError.self) { try VGG16StyleFeatures(contentsOf: wrongShape) }
        do {
            _ = try VGG16StyleFeatures(contentsOf: wrongShape)
        } catch {
            #expect(
                "\(error)".hasPrefix("\(wrongShape.path) is not VGG16's features: tensor 'features.0.weight' has shape [64, 1, 3, 3]"),
                "\(error)")
        }
    }

    @Test func vgg16FeaturesFromAWeightsFile() throws {
        // VGG16's features with random weights, saved as torchvision names them and read back.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("style-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("vgg16.safetensors")
        let network = VGG16.makeFeatures(generator: RandomGenerator(seed: 4))
        try SafeTensors.write(network.stateDict.map { ("features.\($0.0)", $0.1) }, to: url)
        let features = try VGG16StyleFeatures(contentsOf: url)
        #expect(features.features.stateDict.map(\.1.scalars) == network.stateDict.map(\.1.scalars))
        #expect(features.parameters.allSatisfy { !$0.requiresGrad })
        let maps = features.features(of: Tensor.rand([1, 3, 32, 32], generator: RandomGenerator(seed: 5)))
        #expect(maps.style.map(\.shape) == [[1, 64, 32, 32], [1, 128, 16, 16], [1, 256, 8, 8], [1, 512, 4, 4], [1, 512, 2, 2]])
        #expect(maps.content.shape == [1, 512, 4, 4])
        #expect(features.summary.contains("VGG16") && features.summary.contains(url.path))
    }
}

@Suite struct StyleTransferRunTests {
    @Test(arguments: StyleTransfer.Method.allCases)
    func bothOptimizersLowerTheLoss(_ method: StyleTransfer.Method) {
        let g = RandomGenerator(seed: 9)
        let (content, style) = (Tensor.rand([1, 3, 24, 24], generator: g), Tensor.rand([1, 3, 20, 28], generator: g) * 0.5)
        let features = RandomMultiscaleFeatures(levels: 3, channels: 16, seed: 0)
        let transfer = StyleTransfer(
            steps: 20, method: method, learningRate: 0.02, styleWeight: 10, contentWeight: 1, totalVariationWeight: 1)
        var reported: [Float] = []
        let result = transfer.run(from: content, content: content, style: style, features: features) { reported.append($0.losses.total) }
        #expect(result.steps == reported.count && result.steps <= 20 && result.steps >= 10)
        #expect(result.first.total == reported[0] && result.first.content == 0)
        #expect(result.last.total < 0.5 * result.first.total, "\(method): \(result.first.total) → \(result.last.total)")
        #expect(result.image.shape == [1, 3, 24, 24] && !result.image.requiresGrad)
        // The terms add up with their weights.
        let l = result.last
        #expect(Swift.abs(l.total - (10 * l.style + l.content + l.totalVariation)) <= 1e-5 * l.total)
    }
}
