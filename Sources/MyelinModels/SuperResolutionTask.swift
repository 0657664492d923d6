import MyelinData
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// A super-resolution network's training for the Trainer: each step lowers the mean squared error
/// between the upscaled low-resolution inputs of a batch and their high-resolution targets; each
/// evaluation measures on `test` the same error ("test loss") and the mean PSNR of the output
/// clamped to 0…1 ("test PSNR", dB).
public final class SuperResolutionTask<Train: Dataset>: ConfiguredModelTask<SuperResolutionNet, Train> {
    /// `test` holds (low-resolution input, high-resolution target) pairs, as `DownsampledImages` makes them.
    public override init(_ model: SuperResolutionNet, optimizer: Optimizer, on batches: DataLoader<Train>, test: any Dataset) {
        super.init(model, optimizer: optimizer, on: batches, test: test)
    }

    override func batchLoss(_ batch: (inputs: Tensor, labels: Tensor)) -> Tensor {
        mseLoss(model(batch.inputs), batch.labels)
    }

    public override func evaluate() throws -> Evaluation {
        let (loss, psnr) = model.evaluating { upscalingScores(on: test) { model($0) } }
        return ["test loss": loss, "test PSNR": psnr]
    }
}

/// How well `upscale` turns the low-resolution inputs of `data` into their targets: the mean
/// squared error of its raw output and the mean PSNR (dB, peak 1) of its output clamped to 0…1,
/// as a picture would show it, over every example, in chunks of 1,000, recording nothing.
/// The same measure for a network and for plain upsampling, so the two compare.
public func upscalingScores(on data: any Dataset, upscale: (Tensor) -> Tensor) -> (mse: Double, psnr: Double) {
    var squares = 0.0, decibels = 0.0
    withoutGrad {
        for start in stride(from: 0, to: data.count, by: 1000) {
            let (inputs, targets) = data.batch(at: start..<min(start + 1000, data.count))
            let outputs = upscale(inputs)
            precondition(
                outputs.shape == targets.shape,
                "upscalingScores: the upscaled shape \(outputs.shape) is not the targets' \(targets.shape)")
            squares += Double(mseLoss(outputs, targets).item) * Double(inputs.shape[0])
            decibels += peakSignalToNoiseRatios(outputs.clamped(min: 0, max: 1), targets).reduce(0, +)
        }
    }
    return (squares / Double(data.count), decibels / Double(data.count))
}
