import MyelinData
import MyelinNN
import MyelinOptim
import MyelinTensor

/// Trains `model` on `train` for `epochs` (Keras's `fit`): a progress bar per epoch, the mean loss
/// and, with `validation`, the validation loss and `metrics` after each epoch; a non-finite loss
/// stops the run with its step number before the weights change. `callbacks` come after the
/// progress bar and the NaN guard (pass your own `ProgressLogger` or `TerminateOnNaN` to replace
/// them; `verbose: false` drops the bar). Returns the history.
///
/// ```swift
/// let history = try fit(model, optimizer: Adam(model.parameters, learningRate: 1e-3), loss: crossEntropy,
///                       on: DataLoader(train, batchSize: 64, shuffle: true), epochs: 5,
///                       validation: DataLoader(test, batchSize: 500), metrics: [.accuracy],
///                       callbacks: [EarlyStopping(monitor: "validation loss", patience: 2)])
/// print(history.last("validation accuracy")!)
/// ```
@discardableResult
public func fit<Train: Dataset>(
    _ model: Module, optimizer: Optimizer, loss: @escaping LossFunction, on train: DataLoader<Train>,
    epochs: Int, validation: (any Sequence<(inputs: Tensor, labels: Tensor)>)? = nil,
    metrics: [Metric] = [], callbacks: [TrainingCallback] = [], verbose: Bool = true
) throws -> TrainingHistory {
    let task = SupervisedTask(model, optimizer: optimizer, loss: loss, on: train, validation: validation, metrics: metrics)
    var standard: [TrainingCallback] = []
    if verbose && !callbacks.contains(where: { $0 is ProgressLogger }) { standard.append(ProgressLogger()) }
    if !callbacks.contains(where: { $0 is TerminateOnNaN }) { standard.append(TerminateOnNaN()) }
    return try Trainer(.epochs(epochs), state: task.state, callbacks: standard + callbacks).run(task)
}

/// `fit` with a loss of two arguments (a closure: `loss: { mseLoss($0, $1) }`).
@discardableResult
public func fit<Train: Dataset>(
    _ model: Module, optimizer: Optimizer, loss: @escaping (Tensor, Tensor) -> Tensor,
    on train: DataLoader<Train>, epochs: Int,
    validation: (any Sequence<(inputs: Tensor, labels: Tensor)>)? = nil, metrics: [Metric] = [],
    callbacks: [TrainingCallback] = [], verbose: Bool = true
) throws -> TrainingHistory {
    try fit(
        model, optimizer: optimizer, loss: lossFunction(loss), on: train, epochs: epochs, validation: validation,
        metrics: metrics, callbacks: callbacks, verbose: verbose)
}
