import MyelinData
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// A convolutional autoencoder's training for the Trainer: each step lowers the reconstruction
/// loss of a batch; each evaluation measures it on `test` ("test loss") and, with
/// `anomalies`, the ROC AUC of reconstruction error for telling its unseen images apart
/// ("unseen-digit AUC").
public final class ConvAutoencoderTask<Train: Dataset>: TrainingTask {
    public let model: ConvAutoencoder
    public let optimizer: Optimizer
    public let loss: ConvAutoencoder.Loss
    public let batches: DataLoader<Train>
    public let test: any Dataset
    /// Images to score and which of them the model never learned (the positives).
    public let anomalies: (images: any Dataset, unseen: [Bool])?
    public let state: TrainingCheckpoint

    public init(
        _ model: ConvAutoencoder, optimizer: Optimizer, loss: ConvAutoencoder.Loss, on batches: DataLoader<Train>,
        test: any Dataset, anomalies: (images: any Dataset, unseen: [Bool])? = nil
    ) {
        precondition(batches.generator != nil, "ConvAutoencoderTask: the loader needs a generator of its own, for the checkpoint")
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.batches = batches
        self.test = test
        self.anomalies = anomalies
        state = model.trainingCheckpoint(optimizer: optimizer, shuffling: batches.generator!)
    }

    public func step(_ batch: (inputs: Tensor, labels: Tensor), context: StepContext) throws -> StepOutput {
        if !model.isTraining { model.train() }
        let loss = model.reconstructionLoss(batch.inputs, self.loss)
        let value = try context.update(minimizing: loss, with: optimizer)
        return StepOutput(["loss": value], samples: batch.inputs.shape[0])
    }

    public func evaluate() throws -> Evaluation {
        var evaluation: Evaluation = ["test loss": testLoss(on: test)]
        if let (images, unseen) = anomalies {
            evaluation.append("unseen-digit AUC", rocAUC(scores: reconstructionErrors(of: model, on: images), positives: unseen))
        }
        return evaluation
    }

    /// The mean reconstruction loss over `data`, in chunks of 1,000, in evaluation mode.
    public func testLoss(on data: any Dataset) -> Double {
        model.evaluating {
            stride(from: 0, to: data.count, by: 1000).reduce(0.0) { total, start in
                let images = data.batch(at: start..<min(start + 1000, data.count)).inputs
                return total + Double(model.reconstructionLoss(images, loss).item) * Double(images.shape[0])
            } / Double(data.count)
        }
    }
}
