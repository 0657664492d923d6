import Foundation
import MyelinData
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// A PixelCNN's training for the Trainer: each step lowers the mean negative log-likelihood of a
/// batch of binary images ("loss", nats per image); each evaluation measures it exactly on every
/// image of `test` ("test NLL", nats per image, and "test bits per pixel").
public final class PixelCNNTask<Train: Dataset>: ConfiguredModelTask<PixelCNN, Train> {
    /// `test` holds binary images (their labels are not used).
    public override init(_ model: PixelCNN, optimizer: Optimizer, on batches: DataLoader<Train>, test: any Dataset) {
        super.init(model, optimizer: optimizer, on: batches, test: test)
    }

    override func batchLoss(_ batch: (inputs: Tensor, labels: Tensor)) -> Tensor {
        model.meanNegativeLogLikelihood(batch.inputs)
    }

    public override func evaluate() throws -> Evaluation {
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
