import MyelinTensor

/// How far a run has got: the one progress record a checkpoint keeps (metadata `myelin.progress`),
/// from which a resumed run goes on — at an epoch's end or in the middle of one.
public struct TrainingProgress: Codable, Equatable {
    /// Training steps taken.
    public internal(set) var step = 0
    /// Epochs completed.
    public internal(set) var epoch = 0
    /// Steps taken in the epoch under way (0 at an epoch's start).
    public internal(set) var stepInEpoch = 0
    /// Batches per epoch of the run's data, when it has epochs; a resumed run must have as many.
    public internal(set) var batchesPerEpoch: Int?
    /// Seconds spent training, every session of the run together.
    public internal(set) var seconds = 0.0
    /// Why the run stopped before its length (a callback such as `EarlyStopping` stopped it).
    public internal(set) var stopReason: String?

    /// The state of the data's generator when the epoch under way began (hexadecimal words): a run
    /// resumed mid-epoch draws that epoch's order again from it.
    var epochStartGenerator: [String]?
    /// The epoch under way's sums so far, for its means.
    var epochSums = EpochSums()

    public init() {}

    /// Whether the numbers can describe a run (a checkpoint may hold anything).
    var isConsistent: Bool {
        step >= 0 && epoch >= 0 && stepInEpoch >= 0 && stepInEpoch <= step && seconds >= 0
            && (batchesPerEpoch.map { $0 > 0 && stepInEpoch < $0 && epoch * $0 + stepInEpoch == step } ?? true)
            && epochSums.isConsistent
            && (epochStartGenerator?.allSatisfy { UInt64($0, radix: 16) != nil } ?? true)
    }

    var epochStartSnapshot: [UInt64]? {
        get { epochStartGenerator?.compactMap { UInt64($0, radix: 16) } }
        set { epochStartGenerator = newValue?.map { String($0, radix: 16) } }
    }
}

/// The running sums of an epoch's step figures, each weighted by its step's samples, so that the
/// means are per example (a smaller last batch counts for less).
struct EpochSums: Codable, Equatable {
    var names: [String] = []
    var weightedSums: [Double] = []
    var samples = 0

    mutating func add(_ output: StepOutput) {
        for figure in output.values {
            let weighted = Double(figure.value) * Double(output.samples)
            if let k = names.firstIndex(of: figure.name) {
                weightedSums[k] += weighted
            } else {
                names.append(figure.name)
                weightedSums.append(weighted)
            }
        }
        samples += output.samples
    }

    /// Each figure's mean per example over the epoch so far (NaN before any example).
    var means: [(name: String, value: Double)] {
        zip(names, weightedSums).map { name, sum in (name, sum / Double(samples)) }
    }

    var isConsistent: Bool { names.count == weightedSums.count && samples >= 0 }
}
