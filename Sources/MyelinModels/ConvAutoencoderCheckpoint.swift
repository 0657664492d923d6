/// How an autoencoder's training run is saved (see `ConfiguredModelCheckpoint`): tensors under
/// `model.` (`model.encoder.0.weight`, …). `myelin train autoencoder` writes it after every epoch;
/// anyone can rebuild the trained model from it.
extension ConvAutoencoder: ConfiguredModelCheckpoint {
    /// The `myelin.format` of an autoencoder run's checkpoint.
    public static let checkpointFormat = "myelin.autoencoder"

    public convenience init(rebuilding configuration: Configuration) { self.init(configuration) }
}

extension ConvAutoencoder.Configuration: ValidatedConfiguration {}
