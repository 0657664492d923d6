import MyelinData

/// Everything a run measured, as named series of (step, value): every figure a step reported
/// ("loss", "D loss"), each epoch's means ("mean loss", at the epoch's last step) and every
/// evaluation's figures ("validation loss", "validation accuracy"). The Trainer records it, saves
/// it in every checkpoint and reads it back on resume, so a resumed run's history is whole.
///
/// ```swift
/// history.last("validation accuracy")     // 0.9812
/// history.points("loss")                  // [(step: 1, value: 2.31), …]
/// ```
public struct TrainingHistory: Codable, Equatable {
    /// One figure's values and the steps (counted from 1) they were measured at, in step order.
    public struct Series: Codable, Equatable {
        public internal(set) var steps: [Int] = []
        public internal(set) var values: [Double] = []
    }

    /// The series' names, in the order they first appeared.
    public private(set) var names: [String] = []
    private var series: [String: Series] = [:]
    /// The step at which each completed epoch ended.
    public internal(set) var epochEnds: [Int] = []
    /// The last evaluation's confusion matrix, when the evaluation made one.
    public internal(set) var confusionMatrix: ConfusionMatrix?

    public init() {}

    /// Adds `value` of `name` at `step` (steps only grow within a series).
    public mutating func record(_ name: String, _ value: Double, atStep step: Int) {
        if series[name] == nil { names.append(name) }
        precondition(
            step > (series[name]?.steps.last ?? 0),
            "TrainingHistory.record: \(name) already has a value at step \(series[name]?.steps.last ?? 0), got step \(step)")
        series[name, default: Series()].steps.append(step)
        series[name, default: Series()].values.append(value)
    }

    /// The series named `name`, if any value of it was recorded.
    public func series(_ name: String) -> Series? { series[name] }

    /// The values of `name` in step order (empty when never recorded).
    public func values(_ name: String) -> [Double] { series[name]?.values ?? [] }

    /// The (step, value) points of `name`, for plots.
    public func points(_ name: String) -> [(step: Int, value: Double)] {
        guard let s = series[name] else { return [] }
        return zip(s.steps, s.values).map { (step: $0, value: $1) }
    }

    /// The latest value of `name`.
    public func last(_ name: String) -> Double? { series[name]?.values.last }

    /// The value of `name` recorded at `step`, if one was.
    public func value(_ name: String, atStep step: Int) -> Double? {
        guard let s = series[name] else { return nil }
        var low = 0, high = s.steps.count
        while low < high {
            let middle = (low + high) / 2
            if s.steps[middle] < step { low = middle + 1 } else { high = middle }
        }
        return low < s.steps.count && s.steps[low] == step ? s.values[low] : nil
    }

    // MARK: Codable, checked: a checkpoint may hold anything.

    private enum CodingKeys: String, CodingKey { case names, series, epochEnds, confusionMatrix }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        names = try container.decode([String].self, forKey: .names)
        series = try container.decode([String: Series].self, forKey: .series)
        epochEnds = try container.decode([Int].self, forKey: .epochEnds)
        confusionMatrix = try container.decodeIfPresent(ConfusionMatrix.self, forKey: .confusionMatrix)
        func corrupt(_ why: String) -> DecodingError {
            DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: why))
        }
        guard Set(names) == Set(series.keys), names.count == series.count else {
            throw corrupt("the series' names do not match the series")
        }
        for (name, s) in series {
            guard s.steps.count == s.values.count, zip(s.steps, s.steps.dropFirst()).allSatisfy({ $0 < $1 }),
                s.steps.allSatisfy({ $0 > 0 })
            else {
                throw corrupt("series \(name) has steps that are not increasing, or not one per value")
            }
        }
        guard zip(epochEnds, epochEnds.dropFirst()).allSatisfy({ $0 < $1 }), epochEnds.allSatisfy({ $0 > 0 }) else {
            throw corrupt("the epochs' ends are not increasing")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(names, forKey: .names)
        try container.encode(series, forKey: .series)
        try container.encode(epochEnds, forKey: .epochEnds)
        try container.encodeIfPresent(confusionMatrix, forKey: .confusionMatrix)
    }
}
