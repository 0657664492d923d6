import MyelinData
import MyelinNN
import MyelinOptim
import MyelinTensor

/// The common case: a model learns to map inputs to labels by one loss, one optimizer, on the
/// batches of a `DataLoader`, and is evaluated on held-out batches by its loss and `metrics`.
/// `fit` trains one; so do `myelin train mlp|lenet|cnn|vgg-mini` and `myelin demo`.
public final class SupervisedTask<Train: Dataset>: TrainingTask {
    public let model: Module
    public let optimizer: Optimizer
    public let loss: LossFunction
    public let batches: DataLoader<Train>
    public let validation: (any Sequence<(inputs: Tensor, labels: Tensor)>)?
    public let metrics: [Metric]
    /// How the evaluation's figures are named: "validation loss", "test accuracy".
    public let prefix: String
    /// Adversarial training: what each training batch is replaced by before its step (an attack
    /// on the model, run in evaluation mode); nil trains on the batches as they are.
    public let adversary: ((_ inputs: Tensor, _ labels: Tensor) -> Tensor)?
    public let state: TrainingCheckpoint

    /// The checkpoint keeps the model (under its own names), the optimizer (`optimizer.model.…`),
    /// the loader's generator, the global one (dropout draws from it unless given its own) and
    /// `generators` (the model's own, an adversary's) — all an exact resume needs.
    public init(
        _ model: Module, optimizer: Optimizer, loss: @escaping LossFunction, on batches: DataLoader<Train>,
        validation: (any Sequence<(inputs: Tensor, labels: Tensor)>)? = nil, metrics: [Metric] = [],
        prefix: String = "validation ", generators: [(name: String, generator: RandomGenerator)] = [],
        adversary: ((_ inputs: Tensor, _ labels: Tensor) -> Tensor)? = nil, format: String = "myelin.supervised"
    ) {
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.batches = batches
        self.validation = validation
        self.metrics = metrics
        self.prefix = prefix
        self.adversary = adversary
        var saved = generators + [("global", .global)]
        if let data = batches.generator, data !== RandomGenerator.global { saved.insert(("data", data), at: 0) }
        state = TrainingCheckpoint(format: format, modules: [("", model)], optimizers: [("model", optimizer)], generators: saved)
    }

    public func step(_ batch: (inputs: Tensor, labels: Tensor), context: StepContext) throws -> StepOutput {
        let inputs = adversary.map { attack in model.evaluating { attack(batch.inputs, batch.labels) } } ?? batch.inputs
        if !model.isTraining { model.train() }
        let loss = self.loss(model(inputs), batch.labels, .mean)
        let value = try context.update(minimizing: loss, with: optimizer)
        return StepOutput(["loss": value], samples: batch.labels.shape.first ?? 1)
    }

    public func evaluate() throws -> Evaluation {
        guard let validation else { return Evaluation() }
        return MyelinTraining.evaluate(model, on: validation, loss: loss, metrics: metrics, prefix: prefix)
    }
}

/// A loss written for two arguments, as a `LossFunction`: its mean, or the mean times the labels
/// counted for `.sum` (what `evaluate` sums).
public func lossFunction(_ loss: @escaping (Tensor, Tensor) -> Tensor) -> LossFunction {
    { outputs, labels, reduction in
        let mean = loss(outputs, labels)
        switch reduction {
        case .mean: return mean
        case .sum: return mean * Float(labels.count)
        case .none: preconditionFailure("a loss of two arguments gives only its mean; write it with a Reduction for .none")
        }
    }
}
