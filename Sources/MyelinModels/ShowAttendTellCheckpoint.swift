import Foundation
import MyelinData
import MyelinTensor
import MyelinTraining

/// How a captioning run is saved (see `ConfiguredModelCheckpoint`): tensors under `model.`
/// (`model.encoder.0.weight`, …), the configuration, and the vocabulary the decoder writes in
/// (metadata `myelin.vocabulary`). `myelin train captioning` writes it after every epoch; `myelin
/// caption` rebuilds the trained model from it.
extension ShowAttendTell: ConfiguredModelCheckpoint {
    /// The `myelin.format` of a captioning run's checkpoint.
    public static let checkpointFormat = "myelin.captioning"
    /// The metadata key of the vocabulary (`WordVocabulary`'s JSON).
    public static let vocabularyKey = "myelin.vocabulary"

    /// In evaluation mode, with weights from a generator of its own: they are overwritten at once.
    public convenience init(rebuilding configuration: Configuration) {
        self.init(configuration, generator: RandomGenerator(seed: 0))
        eval()
    }

    /// The checkpoint's metadata for a model that writes in `vocabulary`.
    public func checkpointMetadata(vocabulary: WordVocabulary) -> [String: String] {
        precondition(
            vocabulary.count == configuration.vocabularySize,
            "ShowAttendTell: a vocabulary of \(vocabulary.count) words for a model of \(configuration.vocabularySize)")
        return checkpointMetadata.merging([Self.vocabularyKey: String(decoding: vocabulary.jsonData(), as: UTF8.self)]) { $1 }
    }

    /// The trained model of the checkpoint at `url` and its vocabulary; errors name the file.
    public static func trained(from url: URL) throws -> (model: ShowAttendTell, vocabulary: WordVocabulary) {
        let file = try TrainingCheckpoint.read(url, format: checkpointFormat)
        guard let text = file.metadata[vocabularyKey] else {
            throw CheckpointError(path: url.path, message: "it has no vocabulary (metadata \(vocabularyKey))")
        }
        let vocabulary = try WordVocabulary(jsonData: Data(text.utf8), path: url.path)
        let model = try ShowAttendTell(checkpoint: url)
        guard vocabulary.count == model.configuration.vocabularySize else {
            throw CheckpointError(
                path: url.path,
                message: "its vocabulary has \(vocabulary.count) words but the model writes \(model.configuration.vocabularySize)")
        }
        return (model, vocabulary)
    }
}

extension ShowAttendTell.Configuration: ValidatedConfiguration {}
