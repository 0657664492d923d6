import MyelinData
import MyelinDistributed
import MyelinNN
import MyelinTensor

/// A loss as the losses of MyelinNN are written: (outputs, targets, reduction) → loss, so that
/// `crossEntropy`, `nllLoss`, `mseLoss` and the binary cross-entropies can be passed by name.
public typealias LossFunction = (Tensor, Tensor, Reduction) -> Tensor

/// A figure measured over a whole evaluation set, batch by batch: pass them to `fit` or
/// `evaluate` (`metrics: [.accuracy, .topK(5)]`). Outputs are scores with the classes on their
/// last axis ([N, C], or [N, T, C] with labels [N, T]).
public struct Metric {
    /// The figure's name in an evaluation, after the evaluation's prefix ("validation accuracy").
    public let name: String
    let makeAccumulator: () -> MetricAccumulator

    init(name: String, _ makeAccumulator: @escaping () -> MetricAccumulator) {
        self.name = name
        self.makeAccumulator = makeAccumulator
    }

    /// A metric that is a mean over examples: `perBatch` gives a batch's total and how many examples
    /// it counted; the metric is Σ total / Σ count.
    public init(name: String, perBatch: @escaping (_ outputs: Tensor, _ labels: Tensor) -> (total: Double, count: Int)) {
        self.init(name: name) { MeanAccumulator(perBatch) }
    }

    /// The fraction of examples whose highest score is their label's.
    public static let accuracy = topK(1, name: "accuracy")

    /// The fraction of examples whose label is among their `k` highest scores ("top-5 accuracy").
    public static func topK(_ k: Int) -> Metric { topK(k, name: "top-\(k) accuracy") }

    /// The loss's mean over the examples (the loss `fit` or `evaluate` is given). `fit` always measures it.
    public static let meanLoss = Metric(name: "loss") { LossAccumulator() }

    /// The confusion matrix of the arg-max predictions: no figure, but `Evaluation.confusionMatrix`
    /// (and the history's `confusionMatrix`, from the last evaluation).
    public static let confusionMatrix = Metric(name: "confusion matrix") { ConfusionAccumulator() }

    /// The area under the ROC curve of a binary classifier: scores are the logit of class 1 (one
    /// output per example, or the difference of two), positives the examples labelled 1.
    public static let rocAUC = Metric(name: "ROC AUC") { ROCAccumulator() }

    private static func topK(_ k: Int, name: String) -> Metric {
        precondition(k > 0, "Metric.topK: k must be positive, got \(k)")
        return Metric(
            name: name,
            perBatch: { outputs, labels in
                let (scores, classes) = scoreRows(outputs, labels, "Metric \(name)")
                let ids = labels.integers
                var hits = 0
                for (row, label) in ids.enumerated() {
                    precondition(label >= 0 && label < classes, "Metric \(name): label \(label) is outside the \(classes) classes")
                    let own = scores[row * classes + label]
                    var above = 0
                    for c in 0..<classes where scores[row * classes + c] > own { above += 1 }
                    if above < k { hits += 1 }
                }
                return (Double(hits), ids.count)
            })
    }
}

/// Measures `model` on every batch of `data` in evaluation mode, recording nothing: the mean
/// `loss` (when given) and each metric, named with `prefix` ("validation loss", "validation accuracy").
public func evaluate(
    _ model: Module, on data: any Sequence<(inputs: Tensor, labels: Tensor)>, loss: LossFunction? = nil,
    metrics: [Metric] = [], prefix: String = "validation "
) -> Evaluation {
    var all = metrics
    if loss != nil && !all.contains(where: { $0.name == Metric.meanLoss.name }) { all.insert(.meanLoss, at: 0) }
    let accumulators = all.map { $0.makeAccumulator() }
    // In data-parallel training each process measures its share of the batches, and the figures
    // are combined across the processes: every one gets the whole set's.
    let group = DataParallel.evaluationGroup
    model.evaluating {
        var k = -1
        for (inputs, labels) in data {
            k += 1
            guard k % group.size == group.rank else { continue }
            let outputs = model(inputs)
            let lossSum = loss.map { Double($0(outputs, labels, .sum).item) }
            for accumulator in accumulators { accumulator.add(outputs: outputs, labels: labels, lossSum: lossSum) }
        }
    }
    if group.isDistributed {
        for accumulator in accumulators { accumulator.combine(across: group) }
    }
    var evaluation = Evaluation()
    for (metric, accumulator) in zip(all, accumulators) {
        if let value = accumulator.value { evaluation.append(prefix + metric.name, value) }
        if let matrix = (accumulator as? ConfusionAccumulator)?.matrix { evaluation.confusionMatrix = matrix }
    }
    return evaluation
}

/// Scores as rows of classes (the last axis), with the labels one per row.
private func scoreRows(_ outputs: Tensor, _ labels: Tensor, _ what: String) -> (scores: [Float], classes: Int) {
    precondition(
        outputs.rank >= 1 && Array(outputs.shape.dropLast()) == labels.shape,
        "\(what): scores \(outputs.shape) need labels of shape \(Array(outputs.shape.dropLast())), got \(labels.shape)")
    return (outputs.scalars, outputs.shape.last!)
}

// MARK: Accumulators

protocol MetricAccumulator: AnyObject {
    func add(outputs: Tensor, labels: Tensor, lossSum: Double?)
    /// Adds up what every process of `group` accumulated on its part of the data.
    func combine(across group: ProcessGroup)
    /// The figure, or nil when there was nothing to measure.
    var value: Double? { get }
}

private final class MeanAccumulator: MetricAccumulator {
    let perBatch: (Tensor, Tensor) -> (total: Double, count: Int)
    var total = 0.0, count = 0

    init(_ perBatch: @escaping (Tensor, Tensor) -> (total: Double, count: Int)) { self.perBatch = perBatch }

    func add(outputs: Tensor, labels: Tensor, lossSum: Double?) {
        let (t, c) = perBatch(outputs, labels)
        total += t
        count += c
    }

    var value: Double? { count > 0 ? total / Double(count) : nil }

    func combine(across group: ProcessGroup) { (total, count) = combinedSums(total, count, across: group) }
}

/// `total` and `count` summed over the processes of `group`.
private func combinedSums(_ total: Double, _ count: Int, across group: ProcessGroup) -> (Double, Int) {
    let sums = group.allReduced([total, Double(count)])
    return (sums[0], Int(sums[1]))
}

/// The loss summed over the batches, divided by the labels counted (so a mean per label, as the
/// losses' `.mean` reduction).
private final class LossAccumulator: MetricAccumulator {
    var total = 0.0, count = 0

    func add(outputs: Tensor, labels: Tensor, lossSum: Double?) {
        precondition(lossSum != nil, "Metric.meanLoss: evaluate was given no loss")
        total += lossSum!
        count += labels.count
    }

    var value: Double? { count > 0 ? total / Double(count) : nil }

    func combine(across group: ProcessGroup) { (total, count) = combinedSums(total, count, across: group) }
}

private final class ConfusionAccumulator: MetricAccumulator {
    var matrix: ConfusionMatrix?

    func add(outputs: Tensor, labels: Tensor, lossSum: Double?) {
        let (_, classes) = scoreRows(outputs, labels, "Metric.confusionMatrix")
        if matrix == nil { matrix = ConfusionMatrix(classes: classes) }
        matrix!.add(predictions: outputs.reshaped([-1, classes]), labels: labels.reshaped([-1]))
    }

    var value: Double? { nil }

    func combine(across group: ProcessGroup) {
        // A process that saw no batch knows no class count: the largest is everyone's.
        let classes = group.allReduced(matrix?.classCount ?? 0, .max)
        guard classes > 0 else { return }
        var counts = (matrix ?? ConfusionMatrix(classes: classes)).counts.flatMap { $0 }
        group.allReduce(&counts)
        matrix = ConfusionMatrix(
            counts: (0..<classes).map { Array(counts[($0 * classes)..<(($0 + 1) * classes)]) }, names: matrix?.classNames)
    }
}

private final class ROCAccumulator: MetricAccumulator {
    var scores: [Float] = [], positives: [Bool] = []

    func add(outputs: Tensor, labels: Tensor, lossSum: Double?) {
        let n = labels.count
        precondition(
            outputs.count == n || outputs.count == 2 * n,
            "Metric.rocAUC: scores \(outputs.shape) need one or two outputs per label (labels \(labels.shape))")
        let values = outputs.scalars
        // Two outputs: the logit of class 1 against class 0, which orders examples as softmax's p₁ does.
        scores += outputs.count == n ? values : (0..<n).map { values[2 * $0 + 1] - values[2 * $0] }
        positives += labels.dtype.isFloatingPoint ? labels.scalars.map { $0 > 0.5 } : labels.integers.map { $0 == 1 }
    }

    var value: Double? { scores.isEmpty ? nil : rocAUC(scores: scores, positives: positives) }

    /// Every process's scores, in rank order (the AUC does not depend on the order).
    func combine(across group: ProcessGroup) {
        let longest = group.allReduced(scores.count, .max)
        guard longest > 0 else { return }
        // All-gather takes equal lengths: each pads to the longest and says how many are real.
        let counts = group.allGather([scores.count])
        let padded = group.allGather(scores + Array(repeating: 0, count: longest - scores.count))
        let flags = group.allGather(positives.map { UInt8($0 ? 1 : 0) } + Array(repeating: 0, count: longest - scores.count))
        scores = counts.indices.flatMap { padded[($0 * longest)..<($0 * longest + counts[$0])] }
        positives = counts.indices.flatMap { flags[($0 * longest)..<($0 * longest + counts[$0])].map { $0 == 1 } }
    }
}
