import MyelinTensor

/// How a segmentation run is saved (see `ConfiguredModelCheckpoint`): tensors under `model.`
/// (`model.encoder.0.0.weight`, …). `myelin train segmentation` writes it after every epoch;
/// `myelin segment` rebuilds the trained model from it.
extension UNet: ConfiguredModelCheckpoint {
    /// The `myelin.format` of a segmentation run's checkpoint.
    public static let checkpointFormat = "myelin.segmentation"

    /// In evaluation mode: a rebuilt U-Net is there to label pictures. Its weights are drawn from a
    /// generator of its own, not the global one, since they are overwritten at once.
    public convenience init(rebuilding configuration: Configuration) {
        self.init(configuration, generator: RandomGenerator(seed: 0))
        eval()
    }
}

extension UNet.Configuration: ValidatedConfiguration {}
