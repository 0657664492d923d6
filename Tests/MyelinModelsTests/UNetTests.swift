import Foundation
import Myelin
import MyelinModels
import Testing

/// `count` 32×32 canvases of 1–2 MNIST test digits resized to 12–18 pixels: small enough for a
/// test to train on for seconds.
func smallCanvases(_ count: Int, seed: UInt64) throws -> DigitCanvases {
    let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Data/mnist")
    return DigitCanvases(
        try MNIST(split: .test, directory: project), count: count, seed: seed,
        configuration: .init(side: 32, digitsPerCanvas: 1...2, digitSizes: 12...18))
}

/// A U-Net of width 4 and depth 2 learning `data` (`smallCanvases`) with Adam, 8 canvases a step,
/// tested on the first 8.
func segmentationTask(seed: UInt64, loss: UNet.Loss = .both, data: DigitCanvases) -> SegmentationTask<DigitCanvases> {
    let model = UNet(.init(width: 4, depth: 2), generator: RandomGenerator(seed: seed))
    return SegmentationTask(
        model, optimizer: Adam(model.parameters, learningRate: 1e-2), loss: loss,
        on: DataLoader(data, batchSize: 8, shuffle: true, generator: RandomGenerator(seed: seed &+ 1)),
        test: data.subset(Array(0..<8)), classNames: DigitCanvases.classNames)
}

@Suite struct UNetTests {
    @Test func shapesNamesAndParameterCount() {
        let model = UNet(generator: RandomGenerator(seed: 1))
        let images = Tensor.uniform([2, 1, 64, 64], low: 0, high: 1, generator: RandomGenerator(seed: 2))
        #expect(model(images).shape == [2, 11, 64, 64])
        #expect(model.pixelLogits(images).shape == [2, 64, 64, 11])
        // Fully convolutional: any sides that are multiples of 8 (its three poolings).
        let wide = Tensor.uniform([1, 1, 32, 96], low: 0, high: 1, generator: RandomGenerator(seed: 3))
        #expect(model(wide).shape == [1, 11, 32, 96])
        let classes = model.predictedClasses(wide)
        #expect(classes.shape == [1, 32, 96] && classes.dtype == .int64 && classes.integers.allSatisfy { (0..<11).contains($0) })
        #expect(model.isTraining, "predictedClasses puts the model back in the mode it was in")
        // Pixel logits are the output with the classes moved last.
        let output = model(images), logits = model.pixelLogits(images)
        #expect(output[1, 7, 5, 9] == logits[1, 5, 9, 7])
        #expect(
            Array(model.stateDict.map(\.0).prefix(8)) == [
                "encoder.0.0.weight", "encoder.0.1.weight", "encoder.0.1.bias", "encoder.0.1.running_mean",
                "encoder.0.1.running_var", "encoder.0.1.num_batches_tracked", "encoder.0.3.weight", "encoder.0.4.weight",
            ])
        #expect(model.stateDict.map(\.0).suffix(2) == ["head.weight", "head.bias"])
        #expect(model.namedParameters.contains { $0.0 == "upsampling.0.weight" && $0.1.shape == [128, 64, 2, 2] })
        // Per level: 3×3 convolutions without bias and 2 per channel of batch norm; 2×2 transposed
        // convolutions with bias; the 1×1 head. Encoder 2,512 + 13,952 + 55,552, bottleneck 221,696,
        // up and decoder 32,832 + 110,848, 8,224 + 27,776, 2,064 + 6,976, head 187.
        #expect(model.parameterCount == 482_619)
        #expect(UNet(.init(inputChannels: 3, classes: 2, width: 4, depth: 1))(Tensor.zeros([1, 3, 6, 10])).shape == [1, 2, 6, 10])
    }

    @Test func sidesThatAreNotMultiplesOfTheStrideAreRefused() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = UNet(.init(width: 2, depth: 2))(Tensor.zeros([1, 1, 30, 32]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("UNet: images must be [N, 1, H, W] with H and W multiples of 4, got shape [1, 1, 30, 32]"), "\(message)")
    }

    @Test(arguments: UNet.Loss.allCases)
    func aFewStepsLowerTheLoss(_ loss: UNet.Loss) throws {
        let task = segmentationTask(seed: 4, loss: loss, data: try smallCanvases(24, seed: 4))
        let (images, labels) = task.batches.dataset.batch(at: 0..<24)
        let before = task.model.evaluating { loss(task.model.pixelLogits(images), labels).item }
        // 30 epochs of 3 steps: a few seconds.
        let history = try Trainer(.epochs(30), state: task.state, evaluateEvery: .epochs(30)).run(task)
        let after = task.model.evaluating { loss(task.model.pixelLogits(images), labels).item }
        // Dice starts near 1 and falls more slowly: a class absent from the batch scores well only once
        // its probability is near 0 on every pixel (from 0.97 it reaches 0.81; the others fall below half).
        #expect(after < (loss == .dice ? 0.9 : 0.6) * before, "\(loss) went from \(before) to \(after)")
        // The evaluation's figures are those of its confusion matrix, and the background is mostly found.
        let matrix = try #require(history.confusionMatrix)
        let scores = SegmentationScores(matrix, background: 0)
        #expect(matrix.total == 8 * 32 * 32 && matrix.classNames == DigitCanvases.classNames)
        #expect(history.last("test mean IoU") == scores.meanIoU && history.last("test pixel accuracy") == matrix.accuracy)
        #expect(history.last("test background IoU") == scores.backgroundIoU && scores.backgroundIoU! > 0.8)
    }

    @Test func theCheckpointRebuildsTheTrainedModel() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("unet-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let task = segmentationTask(seed: 5, data: try smallCanvases(24, seed: 5))
        try Trainer(.epochs(1), state: task.state, metadata: task.model.checkpointMetadata, callbacks: [ModelCheckpoint(url)]).run(task)
        let loaded = try UNet(checkpoint: url)
        #expect(loaded.configuration == task.model.configuration && !loaded.isTraining)
        #expect(zip(loaded.stateDict, task.model.stateDict).allSatisfy { $0.0 == $1.0 && $0.1.scalars == $1.1.scalars })
        let images = try smallCanvases(2, seed: 6).batch(at: 0..<2).inputs
        #expect(loaded.predictedClasses(images).integers == task.model.predictedClasses(images).integers)

        let other = FileManager.default.temporaryDirectory.appendingPathComponent("other-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: other) }
        try TrainingCheckpoint(format: "myelin.autoencoder", modules: [("model", task.model)]).save(to: other)
        #expect { try UNet(checkpoint: other) } throws: { error in
            "\(error)" == "\(other.path): it is a myelin.autoencoder checkpoint, not myelin.segmentation"
        }
    }
}
