/// How a super-resolution run is saved (see `ConfiguredModelCheckpoint`): tensors under `model.`
/// (`model.body.0.weight`, …), so that `init(checkpoint:)` rebuilds the trained model.
extension SuperResolutionNet: ConfiguredModelCheckpoint {
    /// The `myelin.format` of a super-resolution run's checkpoint.
    public static let checkpointFormat = "myelin.superres"

    public convenience init(rebuilding configuration: Configuration) { self.init(configuration) }
}

extension SuperResolutionNet.Configuration: ValidatedConfiguration {}
