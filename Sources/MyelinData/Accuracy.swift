import MyelinTensor

/// Fraction of `data`'s examples whose arg-max prediction is their label.
///
/// `predict` maps a batch of inputs [B, …] to scores [B, classes]; it runs batch by batch, in the
/// dataset's order, without recording gradients. Put a model in evaluation mode before calling.
public func classificationAccuracy<D: Dataset>(of predict: (Tensor) -> Tensor, on data: D, batchSize: Int = 1000) -> Double {
    precondition(batchSize > 0, "classificationAccuracy: batchSize must be positive, got \(batchSize)")
    guard data.count > 0 else { return 0 }
    var correct = 0
    withoutGrad {
        for start in stride(from: 0, to: data.count, by: batchSize) {
            let (inputs, labels) = data.batch(at: start..<Swift.min(start + batchSize, data.count))
            let predicted = predict(inputs).argmax(axis: 1).integers
            correct += zip(predicted, labels.integers).filter { $0 == $1 }.count
        }
    }
    return Double(correct) / Double(data.count)
}
