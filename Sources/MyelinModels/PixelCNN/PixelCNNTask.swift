import Foundation
import MyelinData
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// A PixelCNN's training for the Trainer: each step lowers the mean negative log-likelihood of a
/// batch of binary images ("loss", nats per image); each evaluation measures it exactly on every
/// image of `test` ("test NLL", nats per image, and "test bits per pixel").
public final class PixelCNNTask<Train: Dataset>: TrainingTask {
    public let model: PixelCNN
    public let optimizer: Optimizer
    public let batches: DataLoader<Train>
    /// Binary images (their labels are not used).
    public let test: any Dataset
    public let state: TrainingCheckpoint

    public init(_ model: PixelCNN, optimizer: Optimizer, on batches: DataLoader<Train>, test: any Dataset) {
        precondition(batches.generator != nil, "PixelCNNTask: the loader needs a generator of its own, for the checkpoint")
        self.model = model
        self.optimizer = optimizer
        self.batches = batches
        self.test = test
        state = model.trainingCheckpoint(optimizer: optimizer, shuffling: batches.generator!)
    }

    public func step(_ batch: (inputs: Tensor, labels: Tensor), context: StepContext) throws -> StepOutput {
        if !model.isTraining { model.train() }
        let loss = model.meanNegativeLogLikelihood(batch.inputs)
        let value = try context.update(minimizing: loss, with: optimizer)
        return StepOutput(["loss": value], samples: batch.inputs.shape[0])
    }

    public func evaluate() throws -> Evaluation {
        let nats = model.meanNegativeLogLikelihood(on: test)
        let pixels = test.count > 0 ? test.example(at: 0).input.count : 1
        return ["test NLL": nats, "test bits per pixel": nats / (Double(pixels) * log(2))]
    }
}

extension PixelCNN {
    /// The exact mean of −log p(image) over every image of `data`, in nats per image, in chunks of
    /// 500, in evaluation mode (the sum per image in float32, the mean in double).
    public func meanNegativeLogLikelihood(on data: any Dataset) -> Double {
        evaluating {
            stride(from: 0, to: data.count, by: 500).reduce(0.0) { total, start in
                let images = data.batch(at: start..<min(start + 500, data.count)).inputs
                return total + negativeLogLikelihoods(images).scalars.reduce(0.0) { $0 + Double($1) }
            } / Double(data.count)
        }
    }
}
