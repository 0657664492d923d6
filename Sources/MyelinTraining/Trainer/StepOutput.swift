/// What one training step reports: its figures by name, in the order given ("loss"; a GAN's
/// "D loss" and "G loss"), and how many examples it learned from (for speeds and epoch means).
///
/// ```swift
/// return StepOutput(["loss": loss.item], samples: labels.shape[0])
/// ```
public struct StepOutput: Equatable {
    public var values: [Figure]
    public var samples: Int

    public init(_ values: KeyValuePairs<String, Float>, samples: Int) {
        self.init(values.map { Figure(name: $0.key, value: $0.value) }, samples: samples)
    }

    public init(_ values: [Figure], samples: Int) {
        precondition(samples >= 0, "StepOutput: samples must not be negative, got \(samples)")
        precondition(
            Set(values.map(\.name)).count == values.count,
            "StepOutput: the figures' names must differ, got \(values.map(\.name))")
        self.values = values
        self.samples = samples
    }

    /// The figure named `name`, if the step reported one.
    public subscript(name: String) -> Float? { values.first { $0.name == name }?.value }

    /// A named number a step reports.
    public struct Figure: Equatable {
        public var name: String
        public var value: Float

        public init(name: String, value: Float) {
            self.name = name
            self.value = value
        }
    }
}
