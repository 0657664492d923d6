/// How a PixelCNN run is saved (see `ConfiguredModelCheckpoint`): tensors under `model.`
/// (`model.input.weight`, …), so that `init(checkpoint:)` rebuilds the trained model.
extension PixelCNN: ConfiguredModelCheckpoint {
    /// The `myelin.format` of a PixelCNN run's checkpoint.
    public static let checkpointFormat = "myelin.pixelcnn"

    public convenience init(rebuilding configuration: Configuration) { self.init(configuration) }
}

extension PixelCNN.Configuration: ValidatedConfiguration {}
