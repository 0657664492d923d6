import MyelinData

/// What an evaluation measured: figures by name, in order ("validation loss", "validation
/// accuracy"), and the confusion matrix when one was asked for (`Metric.confusionMatrix`).
///
/// ```swift
/// let evaluation: Evaluation = ["validation loss": 0.31]
/// ```
public struct Evaluation: Equatable, ExpressibleByDictionaryLiteral {
    public var values: [(name: String, value: Double)]
    public var confusionMatrix: ConfusionMatrix?

    /// Nothing measured.
    public init() {
        self.init([])
    }

    public init(_ values: [(name: String, value: Double)], confusionMatrix: ConfusionMatrix? = nil) {
        precondition(
            Set(values.map(\.name)).count == values.count,
            "Evaluation: the figures' names must differ, got \(values.map(\.name))")
        self.values = values
        self.confusionMatrix = confusionMatrix
    }

    public init(dictionaryLiteral elements: (String, Double)...) {
        self.init(elements.map { (name: $0.0, value: $0.1) })
    }

    /// The figure named `name`, if measured.
    public subscript(name: String) -> Double? { values.first { $0.name == name }?.value }

    /// Adds a figure (a name already present is a programmer error).
    public mutating func append(_ name: String, _ value: Double) {
        precondition(self[name] == nil, "Evaluation.append: \(name) is already measured")
        values.append((name, value))
    }

    public static func == (a: Evaluation, b: Evaluation) -> Bool {
        a.values.map(\.name) == b.values.map(\.name) && a.values.map(\.value) == b.values.map(\.value)
            && a.confusionMatrix == b.confusionMatrix
    }
}
