import MyelinData
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// A U-Net's training for the Trainer: each step lowers `loss` on a batch of images [B, C, H, W]
/// and their pixel classes [B, H, W]; each evaluation labels every pixel of `test` and reports the
/// mean loss ("test loss"), the mean IoU over the classes other than the background ("test mean
/// IoU"), the background's IoU ("test background IoU"), the pixel accuracy ("test pixel accuracy")
/// and the pixels' confusion matrix (the history's `confusionMatrix`, from which
/// `SegmentationScores` gives every class's IoU and Dice).
public final class SegmentationTask<Train: Dataset>: ConfiguredModelTask<UNet, Train> {
    public let loss: UNet.Loss
    /// The classes' names in the confusion matrix; class 0 is the background.
    public let classNames: [String]?

    public init(
        _ model: UNet, optimizer: Optimizer, loss: UNet.Loss, on batches: DataLoader<Train>, test: any Dataset,
        classNames: [String]? = nil
    ) {
        precondition(
            classNames == nil || classNames!.count == model.configuration.classes,
            "SegmentationTask: \(classNames!.count) class names for \(model.configuration.classes) classes")
        self.loss = loss
        self.classNames = classNames
        super.init(model, optimizer: optimizer, on: batches, test: test)
    }

    override func batchLoss(_ batch: (inputs: Tensor, labels: Tensor)) -> Tensor {
        loss(model.pixelLogits(batch.inputs), batch.labels)
    }

    public override func evaluate() throws -> Evaluation {
        let (meanLoss, matrix) = measure(on: test)
        let scores = SegmentationScores(matrix, background: 0)
        return Evaluation(
            [
                ("test loss", meanLoss), ("test mean IoU", scores.meanIoU), ("test background IoU", scores.backgroundIoU ?? .nan),
                ("test pixel accuracy", scores.pixelAccuracy),
            ], confusionMatrix: matrix)
    }

    /// The mean loss per image over `data` and the confusion matrix of its pixels, in chunks of
    /// `chunk` images, in evaluation mode.
    public func measure(on data: any Dataset, chunk: Int = 100) -> (loss: Double, confusion: ConfusionMatrix) {
        let classes = model.configuration.classes
        var matrix = ConfusionMatrix(classes: classes, names: classNames)
        let total = model.evaluating {
            stride(from: 0, to: data.count, by: chunk).reduce(0.0) { total, start in
                let (images, labels) = data.batch(at: start..<min(start + chunk, data.count))
                let logits = model.pixelLogits(images)
                matrix.add(predictions: logits.reshaped([-1, classes]), labels: labels.reshaped([-1]))
                return total + Double(loss(logits, labels).item) * Double(images.shape[0])
            }
        }
        return (data.count == 0 ? .nan : total / Double(data.count), matrix)
    }
}
