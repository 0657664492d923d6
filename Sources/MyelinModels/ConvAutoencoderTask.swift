import MyelinData
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// A convolutional autoencoder's training for the Trainer: each step lowers the reconstruction
/// loss of a batch; each evaluation measures it on `test` ("test loss") and, with
/// `anomalies`, the ROC AUC of reconstruction error for telling its unseen images apart
/// ("unseen-digit AUC").
public final class ConvAutoencoderTask<Train: Dataset>: ConfiguredModelTask<ConvAutoencoder, Train> {
    public let loss: ConvAutoencoder.Loss
    /// Images to score and which of them the model never learned (the positives).
    public let anomalies: (images: any Dataset, unseen: [Bool])?

    public init(
        _ model: ConvAutoencoder, optimizer: Optimizer, loss: ConvAutoencoder.Loss, on batches: DataLoader<Train>,
        test: any Dataset, anomalies: (images: any Dataset, unseen: [Bool])? = nil
    ) {
        self.loss = loss
        self.anomalies = anomalies
        super.init(model, optimizer: optimizer, on: batches, test: test)
    }

    override func batchLoss(_ batch: (inputs: Tensor, labels: Tensor)) -> Tensor {
        model.reconstructionLoss(batch.inputs, loss)
    }

    public override func evaluate() throws -> Evaluation {
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
