/// How a VAE's training run is saved (see `ConfiguredModelCheckpoint`): tensors under `model.`
/// (`model.encoder.0.weight`, …), Adam's, the data shuffle's generator and the noise's. `myelin
/// train vae` writes it after every epoch; anyone can rebuild the trained model from it.
extension VariationalAutoencoder: ConfiguredModelCheckpoint {
    /// The `myelin.format` of a VAE run's checkpoint.
    public static let checkpointFormat = "myelin.vae"

    public convenience init(rebuilding configuration: Configuration) { self.init(configuration) }
}

extension VariationalAutoencoder.Configuration: ValidatedConfiguration {}
