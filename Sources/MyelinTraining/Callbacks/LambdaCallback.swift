/// A callback made of closures, for what a run does once and needs no type of its own: drawing
/// samples after each epoch, say.
///
/// ```swift
/// LambdaCallback(epochDidEnd: { trainer in try drawSamples(epoch: trainer.progress.epoch) })
/// ```
public final class LambdaCallback: TrainingCallback {
    private let onTrainingWillStart: ((Trainer) throws -> Void)?
    private let onEpochDidEnd: ((Trainer) throws -> Void)?
    private let onEvaluationDidEnd: ((Evaluation, Trainer) throws -> Void)?
    private let onTrainingDidEnd: ((Trainer) throws -> Void)?

    public init(
        trainingWillStart: ((Trainer) throws -> Void)? = nil, evaluationDidEnd: ((Evaluation, Trainer) throws -> Void)? = nil,
        epochDidEnd: ((Trainer) throws -> Void)? = nil, trainingDidEnd: ((Trainer) throws -> Void)? = nil
    ) {
        onTrainingWillStart = trainingWillStart
        onEvaluationDidEnd = evaluationDidEnd
        onEpochDidEnd = epochDidEnd
        onTrainingDidEnd = trainingDidEnd
    }

    public func trainingWillStart(_ trainer: Trainer) throws { try onTrainingWillStart?(trainer) }
    public func evaluationDidEnd(_ evaluation: Evaluation, trainer: Trainer) throws { try onEvaluationDidEnd?(evaluation, trainer) }
    public func epochDidEnd(_ trainer: Trainer) throws { try onEpochDidEnd?(trainer) }
    public func trainingDidEnd(_ trainer: Trainer) throws { try onTrainingDidEnd?(trainer) }
}
