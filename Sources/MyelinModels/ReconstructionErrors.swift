import MyelinData
import MyelinNN
import MyelinTensor

/// Per image of `images` [N, …], the mean over its values of (x − x̂)², where x̂ = `autoencoder(x)`
/// is its reconstruction: the anomaly score of an autoencoder, high where it has not learned to
/// draw what it sees.
///
/// Runs in evaluation mode without recording gradients, and leaves the model in the mode it found.
public func reconstructionErrors(of autoencoder: Module, images: Tensor) -> [Float] {
    precondition(
        images.rank >= 2 && images.shape[0] > 0,
        "reconstructionErrors: images must be [N, …] with N ≥ 1, got shape \(images.shape)")
    return autoencoder.evaluating {
        let reconstructions = autoencoder(images)
        precondition(
            reconstructions.shape == images.shape,
            "reconstructionErrors: reconstructions \(reconstructions.shape) differ in shape from images \(images.shape)")
        let difference = reconstructions - images
        return (difference * difference).reshaped([images.shape[0], -1]).mean(axis: 1).scalars
    }
}

/// `reconstructionErrors(of:images:)` of every example of `data`, in the dataset's order, `batchSize`
/// images at a time.
public func reconstructionErrors<D: Dataset>(of autoencoder: Module, on data: D, batchSize: Int = 1000) -> [Float] {
    precondition(batchSize > 0, "reconstructionErrors(of:on:): batchSize must be positive, got \(batchSize)")
    return stride(from: 0, to: data.count, by: batchSize).flatMap { start in
        reconstructionErrors(of: autoencoder, images: data.batch(at: start..<min(start + batchSize, data.count)).inputs)
    }
}
