import MyelinData
import MyelinNN
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// Several classifiers trained side by side for the Trainer, each by its own optimizer on the very
/// same batches, so that a comparison between them (a ConvNet with a spatial transformer and
/// without) differs in the model alone. Each step reports "NAME loss" per classifier; each
/// evaluation measures every one on `test` ("NAME test loss", "NAME test accuracy").
///
/// The checkpoint keeps every model under its name, every optimizer (`optimizer.NAME.…`), the
/// loader's generator and the global one: one file resumes the whole comparison.
public final class ClassifierComparisonTask<Train: Dataset>: TrainingTask {
    public let classifiers: [(name: String, model: Module, optimizer: Optimizer)]
    public let batches: DataLoader<Train>
    public let test: (any Sequence<(inputs: Tensor, labels: Tensor)>)?
    public let state: TrainingCheckpoint

    public init(
        _ classifiers: [(name: String, model: Module, optimizer: Optimizer)], on batches: DataLoader<Train>,
        test: (any Sequence<(inputs: Tensor, labels: Tensor)>)? = nil, format: String
    ) {
        precondition(!classifiers.isEmpty, "ClassifierComparisonTask: no classifiers to train")
        precondition(
            Set(classifiers.map(\.name)).count == classifiers.count,
            "ClassifierComparisonTask: the classifiers' names must differ, got \(classifiers.map(\.name))")
        precondition(batches.generator != nil, "ClassifierComparisonTask: the loader needs a generator of its own, for the checkpoint")
        self.classifiers = classifiers
        self.batches = batches
        self.test = test
        state = TrainingCheckpoint(
            format: format, modules: classifiers.map { ($0.name, $0.model) }, optimizers: classifiers.map { ($0.name, $0.optimizer) },
            generators: [("data", batches.generator!), ("global", .global)])
    }

    public func step(_ batch: (inputs: Tensor, labels: Tensor), context: StepContext) throws -> StepOutput {
        let losses = classifiers.map { classifier -> Tensor in
            if !classifier.model.isTraining { classifier.model.train() }
            return crossEntropy(classifier.model(batch.inputs), batch.labels)
        }
        let figures = zip(classifiers, losses).map { StepOutput.Figure(name: "\($0.name) loss", value: $1.item) }
        try context.beforeUpdate(figures)
        for (classifier, loss) in zip(classifiers, losses) {
            classifier.optimizer.zeroGrad()
            loss.backward()
            classifier.optimizer.step()
        }
        return StepOutput(figures, samples: batch.labels.shape[0])
    }

    public func evaluate() throws -> Evaluation {
        guard let test else { return Evaluation() }
        var evaluation = Evaluation()
        for classifier in classifiers {
            let figures = MyelinTraining.evaluate(
                classifier.model, on: test, loss: crossEntropy, metrics: [.accuracy], prefix: "\(classifier.name) test ")
            for (name, value) in figures.values { evaluation.append(name, value) }
        }
        return evaluation
    }
}
