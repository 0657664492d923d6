import MyelinTensor

/// Fraction of `data`'s examples whose arg-max prediction is their label.
///
/// `predict` maps a batch of inputs [B, …] to scores [B, classes]; it runs batch by batch, in the
/// dataset's order, without recording gradients. Put a model in evaluation mode before calling.
/// It is the accuracy of `ConfusionMatrix(of:on:batchSize:)`, which shows the mistakes too.
public func classificationAccuracy<D: Dataset>(of predict: (Tensor) -> Tensor, on data: D, batchSize: Int = 1000) -> Double {
    ConfusionMatrix(of: predict, on: data, batchSize: batchSize).accuracy
}
