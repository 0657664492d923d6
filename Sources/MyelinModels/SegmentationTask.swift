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
public final class SegmentationTask<Train: Dataset>: TrainingTask {
    public let model: UNet
    public let optimizer: Optimizer
    public let loss: UNet.Loss
    public let batches: DataLoader<Train>
    public let test: any Dataset
    /// The classes' names in the confusion matrix; class 0 is the background.
    public let classNames: [String]?
    public let state: TrainingCheckpoint

    public init(
        _ model: UNet, optimizer: Optimizer, loss: UNet.Loss, on batches: DataLoader<Train>, test: any Dataset,
        classNames: [String]? = nil
    ) {
        precondition(batches.generator != nil, "SegmentationTask: the loader needs a generator of its own, for the checkpoint")
        precondition(
            classNames == nil || classNames!.count == model.configuration.classes,
            "SegmentationTask: \(classNames!.count) class names for \(model.configuration.classes) classes")
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.batches = batches
        self.test = test
        self.classNames = classNames
        state = model.trainingCheckpoint(optimizer: optimizer, shuffling: batches.generator!)
    }

    public func step(_ batch: (inputs: Tensor, labels: Tensor), context: StepContext) throws -> StepOutput {
        if !model.isTraining { model.train() }
        let loss = self.loss(model.pixelLogits(batch.inputs), batch.labels)
        let value = try context.update(minimizing: loss, with: optimizer)
        return StepOutput(["loss": value], samples: batch.inputs.shape[0])
    }

    public func evaluate() throws -> Evaluation {
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
