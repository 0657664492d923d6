import MyelinTensor

/// Whether a watched figure should fall (a loss) or rise (an accuracy).
public enum MonitorMode: String, Codable, Sendable {
    case min, max
}

/// The figure a callback watches, by its name in the run ("validation loss"): taken from the
/// evaluation just made, or from the history at the current step ("mean loss" at an epoch's end).
struct MonitoredFigure {
    let name: String
    let owner: String

    func value(_ evaluation: Evaluation, trainer: Trainer) -> Double? {
        evaluation[name] ?? trainer.history.value(name, atStep: trainer.progress.step)
    }

    /// The value, or a precondition failure naming what the run does measure: a misspelt name
    /// would otherwise never stop anything.
    func require(_ evaluation: Evaluation, trainer: Trainer) -> Double {
        guard let value = value(evaluation, trainer: trainer) else {
            preconditionFailure(
                "\(owner): the run measures no \"\(name)\" at step \(trainer.progress.step); it has \(trainer.history.names.map { "\"\($0)\"" }.joined(separator: ", "))"
            )
        }
        return value
    }
}

/// A stateful callback's JSON state from the checkpoint at `path`, or an error naming the file.
func decodeCallbackState<State: Decodable>(_ type: State.Type, from json: String, callback name: String, path: String) throws -> State {
    guard let state = CheckpointMetadata.decode(State.self, from: json) else {
        throw CheckpointError(
            path: path, message: "its state of the callback \(name) (metadata \(Trainer.callbackKeyPrefix)\(name)) is unreadable")
    }
    return state
}
