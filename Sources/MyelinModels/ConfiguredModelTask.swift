import MyelinData
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// What the training tasks of one `ConfiguredModelCheckpoint` model on a `DataLoader` share: the
/// model, its optimizer, the loader, the test set, the checkpoint (the model's own, with the
/// loader's generator), and a step that lowers `batchLoss` ("loss"). A task names its loss and its
/// evaluation; the PixelCNN, super-resolution, autoencoder and segmentation tasks are written so.
public class ConfiguredModelTask<Model: ConfiguredModelCheckpoint, Train: Dataset>: TrainingTask {
    public let model: Model
    public let optimizer: Optimizer
    public let batches: DataLoader<Train>
    public let test: any Dataset
    public let state: TrainingCheckpoint

    init(_ model: Model, optimizer: Optimizer, on batches: DataLoader<Train>, test: any Dataset) {
        precondition(batches.generator != nil, "\(Self.self): the loader needs a generator of its own, for the checkpoint")
        self.model = model
        self.optimizer = optimizer
        self.batches = batches
        self.test = test
        state = model.trainingCheckpoint(optimizer: optimizer, shuffling: batches.generator!)
    }

    /// The loss of a batch that a step lowers; every task overrides it.
    func batchLoss(_ batch: (inputs: Tensor, labels: Tensor)) -> Tensor {
        preconditionFailure("\(Self.self) must override batchLoss(_:)")
    }

    public func step(_ batch: (inputs: Tensor, labels: Tensor), context: StepContext) throws -> StepOutput {
        if !model.isTraining { model.train() }
        let value = try context.update(minimizing: batchLoss(batch), with: optimizer)
        return StepOutput(["loss": value], samples: batch.inputs.shape[0])
    }

    public func evaluate() throws -> Evaluation { Evaluation() }
}
