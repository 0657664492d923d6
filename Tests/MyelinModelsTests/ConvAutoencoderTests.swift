import Foundation
import Myelin
import MyelinModels
import Testing

/// `count` 28×28 images of one bright bar each (rows or columns at seeded places): structure an
/// autoencoder can learn in a few steps, unlike noise.
func barImages(_ count: Int, seed: UInt64) -> Tensor {
    let random = RandomGenerator(seed: seed)
    var pixels = [Float](repeating: 0, count: count * 784)
    for n in 0..<count {
        let vertical = random.integer(below: 2) == 1, start = 4 + random.integer(below: 18)
        for i in 0..<28 {
            for j in start..<(start + 4) { pixels[n * 784 + (vertical ? i * 28 + j : j * 28 + i)] = 1 }
        }
    }
    return Tensor(shape: [count, 1, 28, 28], scalars: pixels)
}

/// Returns zeros of its input's shape: its reconstruction error is the mean square of each image.
private final class Blank: Module {
    override func forward(_ input: Tensor) -> Tensor { Tensor.zeros(input.shape) }
}

/// Returns its input.
private final class Identity: Module {
    override func forward(_ input: Tensor) -> Tensor { input }
}

@Suite struct ConvAutoencoderTests {
    @Test func shapesNamesAndParameterCount() {
        let model = ConvAutoencoder(.init(codeSize: 16), generator: RandomGenerator(seed: 1))
        let images = barImages(3, seed: 2)
        #expect(model.encode(images).shape == [3, 16])
        #expect(model(images).shape == [3, 1, 28, 28])
        #expect(model.decode(Tensor.zeros([5, 16])).shape == [5, 1, 28, 28])
        let output = model(images).scalars
        #expect(output.allSatisfy { $0 > 0 && $0 < 1 }, "the sigmoid output must lie in (0, 1)")
        #expect(
            model.stateDict.map(\.0) == [
                "encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias", "encoder.4.weight", "encoder.4.bias",
                "decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias", "decoder.4.weight", "decoder.4.bias",
            ])
        // Encoder 1·16·9 + 16, 16·32·9 + 32, 32·16·49 + 16; decoder 16·32·49 + 32, 32·16·9 + 16, 16·1·9 + 1.
        #expect(model.parameterCount == 160 + 4_640 + 25_104 + 25_120 + 4_624 + 145)
        #expect(ConvAutoencoder(.init(codeSize: 2, channels: [4, 8])).encode(images).shape == [3, 2])
    }

    @Test func lossesAreThoseOfTheOutput() {
        let model = ConvAutoencoder(.init(codeSize: 4, channels: [4, 8]), generator: RandomGenerator(seed: 3))
        let images = barImages(4, seed: 4)
        let output = model(images)
        #expect(abs(model.reconstructionLoss(images, .mse).item - mseLoss(output, images).item) < 1e-7)
        // BCE on the logits is BCE of the sigmoid's probabilities (away from saturation).
        #expect(abs(model.reconstructionLoss(images, .bce).item - binaryCrossEntropy(output, images).item) < 1e-5)
    }

    @Test func reconstructionErrorsAreMeanSquaresPerImage() {
        // Image 0: a quarter of its pixels 1 (mean square 0.25); image 1: every pixel 0.1 (0.01);
        // image 2: all 0.
        var pixels = [Float](repeating: 0, count: 3 * 784)
        for i in 0..<196 { pixels[i] = 1 }
        for i in 784..<1568 { pixels[i] = 0.1 }
        let data = TensorDataset(inputs: Tensor(shape: [3, 1, 28, 28], scalars: pixels), labels: Tensor(integers: [0, 1, 2]))
        let errors = reconstructionErrors(of: Blank(), on: data, batchSize: 2)
        #expect(errors.count == 3)
        #expect(abs(errors[0] - 0.25) < 1e-7 && abs(errors[1] - 0.01) < 1e-7 && errors[2] == 0)
        #expect(reconstructionErrors(of: Identity(), on: data) == [0, 0, 0])

        // A model's scores are its own MSE per image, in evaluation mode, and its mode is kept.
        let model = ConvAutoencoder(.init(codeSize: 4, channels: [4, 8]), generator: RandomGenerator(seed: 5))
        let images = barImages(2, seed: 6)
        let scores = reconstructionErrors(of: model, images: images)
        #expect(model.isTraining)
        for n in 0..<2 {
            let one = images.narrowed(axis: 0, start: n, length: 1)
            #expect(abs(scores[n] - mseLoss(model(one), one).item) < 1e-7)
        }
    }

    @Test func aFewStepsLearnMoreThanTheMeanImage() throws {
        let model = ConvAutoencoder(.init(codeSize: 8, channels: [8, 16]), generator: RandomGenerator(seed: 7))
        let images = barImages(16, seed: 8)
        // What a model that knows only the average image would score: no code at all.
        let meanImage = images.mean(axis: 0, keepingDimensions: true).expanded(to: images.shape)
        let baseline = mseLoss(meanImage, images).item
        let first = model.reconstructionLoss(images, .mse).item
        let data = TensorDataset(inputs: images, labels: Tensor(integers: Array(0..<16)))
        let task = ConvAutoencoderTask(
            model, optimizer: Adam(model.parameters, learningRate: 1e-2), loss: .mse,
            on: DataLoader(data, batchSize: 16, generator: RandomGenerator(seed: 1)), test: data)
        let history = try Trainer(.epochs(100), state: task.state, evaluateEvery: .epochs(100)).run(task)
        let last = model.evaluating { model.reconstructionLoss(images, .mse).item }
        #expect(history.last("test loss").map { abs($0 - Double(last)) < 1e-6 } == true)
        // After 100 steps it scores about 0.007; a model that learned no code would stay near 0.107.
        #expect(last < 0.25 * baseline, "MSE went from \(first) to \(last) in 100 steps; the mean image scores \(baseline)")
    }

    @Test func theCheckpointRebuildsTheTrainedModel() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("autoencoder-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let task = autoencoderTask(seed: 9)
        try Trainer(.epochs(1), state: task.state, metadata: task.model.checkpointMetadata, callbacks: [ModelCheckpoint(url)]).run(task)
        let loaded = try ConvAutoencoder(checkpoint: url)
        #expect(loaded.configuration == task.model.configuration)
        #expect(zip(loaded.parameters, task.model.parameters).allSatisfy { $0.scalars == $1.scalars })
    }

    @Test func anotherKindOfCheckpointIsRefusedByName() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("other-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let model = ConvAutoencoder(.init(codeSize: 4, channels: [4, 8]))
        try TrainingCheckpoint(format: "myelin.gan", modules: [("model", model)]).save(to: url)
        #expect { try ConvAutoencoder(checkpoint: url) } throws: { error in
            "\(error)" == "\(url.path): it is a myelin.gan checkpoint, not myelin.autoencoder"
        }
        // Right kind, but no configuration.
        try TrainingCheckpoint(format: ConvAutoencoder.checkpointFormat, modules: [("model", model)]).save(to: url)
        #expect { try ConvAutoencoder(checkpoint: url) } throws: { error in
            "\(error)".hasPrefix(url.path) && "\(error)".contains("configuration (metadata myelin.configuration) is missing")
        }
    }
}

/// An autoencoder's training on 24 bar images in shuffled batches of 8 (3 steps an epoch).
func autoencoderTask(seed: UInt64) -> ConvAutoencoderTask<TensorDataset> {
    let model = ConvAutoencoder(.init(codeSize: 4, channels: [4, 8]), generator: RandomGenerator(seed: seed))
    let data = TensorDataset(inputs: barImages(24, seed: 11), labels: Tensor(integers: Array(0..<24)))
    return ConvAutoencoderTask(
        model, optimizer: Adam(model.parameters, learningRate: 1e-2), loss: .mse,
        on: DataLoader(data, batchSize: 8, shuffle: true, generator: RandomGenerator(seed: seed &+ 1)),
        test: data.subset(Array(0..<8)))
}
