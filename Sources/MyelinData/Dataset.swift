import MyelinTensor

/// A finite, indexable collection of (input, label) examples that `DataLoader` batches.
///
/// `example(at:)` gives one example with its own shape (MNIST: input [1, 28, 28], label []).
/// `batch(at:)` stacks examples along a new first dimension (inputs [B, 1, 28, 28], labels [B]).
/// In-memory datasets implement `batch(at:)` as one copy of each row into a new tensor; the default
/// implementation stacks `example(at:)` results, for datasets that compute examples on demand.
public protocol Dataset {
    /// Number of examples.
    var count: Int { get }
    /// Example `index` (0 ..< count).
    func example(at index: Int) -> (input: Tensor, label: Tensor)
    /// Examples `indices`, stacked: inputs [B, ...input shape], labels [B, ...label shape].
    func batch(at indices: [Int]) -> (inputs: Tensor, labels: Tensor)
}

extension Dataset {
    /// Stacks `example(at:)` for each index (a value copy per example; in-memory datasets do better).
    public func batch(at indices: [Int]) -> (inputs: Tensor, labels: Tensor) {
        precondition(!indices.isEmpty, "Dataset.batch(at:): no indices (an empty batch has no shape to infer)")
        let examples = indices.map { example(at: $0) }
        return (Self.stack(examples.map(\.input), what: "inputs"), Self.stack(examples.map(\.label), what: "labels"))
    }

    /// Examples `range`, stacked.
    public func batch(at range: Range<Int>) -> (inputs: Tensor, labels: Tensor) {
        batch(at: Array(range))
    }

    /// Every example stacked into two tensors (for evaluation on a whole test set).
    public func all() -> (inputs: Tensor, labels: Tensor) {
        batch(at: Array(0..<count))
    }

    /// A view of the examples at `indices`, in that order (no copy of the data).
    public func subset(_ indices: [Int]) -> Subset<Self> {
        Subset(self, indices: indices)
    }

    /// A seeded random split: `ceil(testFraction × count)` examples for the test part, the rest
    /// for training, each kept in dataset order. The same seed gives the same split.
    public func randomSplit(testFraction: Double, seed: UInt64 = 0) -> (train: Subset<Self>, test: Subset<Self>) {
        let (train, test) = splitIndices(count: count, testFraction: testFraction, seed: seed)
        return (subset(train), subset(test))
    }

    private static func stack(_ tensors: [Tensor], what: String) -> Tensor {
        let first = tensors[0]
        for t in tensors where t.shape != first.shape || t.dtype != first.dtype {
            preconditionFailure(
                "Dataset.batch(at:): \(what) differ in shape or dtype: \(first.shape) \(first.dtype) vs \(t.shape) \(t.dtype)")
        }
        let shape = [tensors.count] + first.shape
        if first.dtype == .float32 {
            return Tensor(shape: shape, scalars: tensors.flatMap(\.scalars))
        }
        return Tensor(shape: shape, integers: tensors.flatMap(\.integers), dtype: first.dtype)
    }
}

/// The examples of `base` at chosen indices, in that order: a view, not a copy.
public struct Subset<Base: Dataset>: Dataset {
    public let base: Base
    /// Indices into `base`.
    public let indices: [Int]

    public init(_ base: Base, indices: [Int]) {
        for i in indices where i < 0 || i >= base.count {
            preconditionFailure("Subset: index \(i) is out of range for a dataset of \(base.count) examples")
        }
        self.base = base
        self.indices = indices
    }

    public var count: Int { indices.count }

    public func example(at index: Int) -> (input: Tensor, label: Tensor) {
        base.example(at: indices[index])
    }

    public func batch(at batchIndices: [Int]) -> (inputs: Tensor, labels: Tensor) {
        base.batch(at: batchIndices.map { indices[$0] })
    }
}

/// Train/test indices for a seeded split; both sorted.
func splitIndices(count: Int, testFraction: Double, seed: UInt64) -> (train: [Int], test: [Int]) {
    precondition(testFraction >= 0 && testFraction <= 1, "randomSplit: testFraction \(testFraction) is not in 0...1")
    let order = RandomGenerator(seed: seed).permutation(count)
    let testCount = Int((testFraction * Double(count)).rounded(.up))
    return (Array(order[testCount...]).sorted(), Array(order[..<testCount]).sorted())
}

/// Values for one side of an in-memory dataset (inputs or labels): all rows in one array.
///
/// Batch assembly copies whole rows, so a batch is one allocation and B row copies.
struct ExampleColumn {
    enum Values {
        case floats([Float])
        case integers([Int], DType)
    }

    var values: Values
    /// Shape of one example's value ([] for a class label).
    var rowShape: [Int]
    let count: Int

    var rowSize: Int { rowShape.reduce(1, *) }

    init(floats: [Float], count: Int, rowShape: [Int]) {
        precondition(
            floats.count == count * rowShape.reduce(1, *),
            "dataset: \(floats.count) values do not make \(count) rows of shape \(rowShape)")
        values = .floats(floats)
        self.count = count
        self.rowShape = rowShape
    }

    init(integers: [Int], dtype: DType, count: Int, rowShape: [Int]) {
        precondition(dtype != .float32, "dataset: integer values need an integer dtype, not float32")
        precondition(
            integers.count == count * rowShape.reduce(1, *),
            "dataset: \(integers.count) values do not make \(count) rows of shape \(rowShape)")
        values = .integers(integers, dtype)
        self.count = count
        self.rowShape = rowShape
    }

    /// All the values of a tensor whose first dimension counts the rows.
    init(_ tensor: Tensor) {
        precondition(tensor.rank >= 1, "TensorDataset: a tensor of shape \(tensor.shape) has no first (example) dimension")
        let rowShape = Array(tensor.shape.dropFirst())
        if tensor.dtype == .float32 {
            self.init(floats: tensor.scalars, count: tensor.shape[0], rowShape: rowShape)
        } else {
            self.init(integers: tensor.integers, dtype: tensor.dtype, count: tensor.shape[0], rowShape: rowShape)
        }
    }

    var dtype: DType {
        switch values {
        case .floats: return .float32
        case .integers(_, let dtype): return dtype
        }
    }

    /// Reshapes each row, keeping its size (e.g. [784] ↔ [1, 28, 28]).
    mutating func setRowShape(_ shape: [Int], what: String) {
        precondition(
            shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == rowSize,
            "\(what): shape \(shape) does not hold \(rowSize) values per example (was \(rowShape))")
        rowShape = shape
    }

    /// Rows `indices`, stacked: [indices.count] + rowShape.
    func gather(_ indices: [Int], what: String) -> Tensor {
        let size = rowSize
        for i in indices where i < 0 || i >= count {
            preconditionFailure("\(what): index \(i) is out of range for a dataset of \(count) examples")
        }
        let shape = [indices.count] + rowShape
        switch values {
        case .floats(let all):
            return all.withUnsafeBufferPointer { source in
                Tensor(uninitializedShape: shape) { destination in
                    guard let from = source.baseAddress, let to = destination.baseAddress else { return }
                    gatherRows(indices, of: from, width: size, into: to)
                }
            }
        case .integers(let all, let dtype):
            var picked = [Int]()
            picked.reserveCapacity(indices.count * size)
            for i in indices { picked += all[(i * size)..<((i + 1) * size)] }
            return Tensor(shape: shape, integers: picked, dtype: dtype)
        }
    }

    /// Row `index` with its own shape.
    func row(_ index: Int, what: String) -> Tensor {
        precondition(index >= 0 && index < count, "\(what): index \(index) is out of range for a dataset of \(count) examples")
        let size = rowSize
        switch values {
        case .floats(let all):
            return Tensor(shape: rowShape, scalars: Array(all[(index * size)..<((index + 1) * size)]))
        case .integers(let all, let dtype):
            return Tensor(shape: rowShape, integers: Array(all[(index * size)..<((index + 1) * size)]), dtype: dtype)
        }
    }

    /// The float values (inputs are float32 for every built-in dataset).
    var floats: [Float] {
        switch values {
        case .floats(let all): return all
        case .integers(let all, _): return all.map(Float.init)
        }
    }

    var integers: [Int] {
        switch values {
        case .floats(let all): return all.map { Int($0) }
        case .integers(let all, _): return all
        }
    }

    func tensor() -> Tensor { gather(Array(0..<count), what: "dataset") }

    mutating func transformFloats(what: String, _ body: (inout [Float]) -> Void) {
        guard case .floats(var all) = values else {
            preconditionFailure("\(what): cannot normalise integer (\(dtype)) values")
        }
        values = .floats([])  // drop the old reference so `all` is uniquely owned and mutates in place
        body(&all)
        values = .floats(all)
    }
}

/// An in-memory dataset over two tensors whose first dimension indexes the examples.
///
/// inputs [N, ...], labels [N, ...] (class labels: [N] int64). Batches are [B, ...] and [B, ...],
/// assembled by copying rows; dtypes are kept.
public struct TensorDataset: Dataset {
    var inputColumn: ExampleColumn
    var labelColumn: ExampleColumn

    /// Copies the values of `inputs` and `labels` (any layout) into row-major storage.
    public init(inputs: Tensor, labels: Tensor) {
        precondition(
            inputs.rank >= 1 && labels.rank >= 1 && inputs.shape[0] == labels.shape[0],
            "TensorDataset: inputs \(inputs.shape) and labels \(labels.shape) need the same first (example) dimension")
        inputColumn = ExampleColumn(inputs)
        labelColumn = ExampleColumn(labels)
    }

    /// Float features, `count` rows of `featureShape`, with integer class labels.
    public init(features: [Float], featureShape: [Int], labels: [Int], labelDType: DType = .int64) {
        labelColumn = ExampleColumn(integers: labels, dtype: labelDType, count: labels.count, rowShape: [])
        inputColumn = ExampleColumn(floats: features, count: labels.count, rowShape: featureShape)
    }

    /// Float features with float targets (regression), `count` rows each (counted from the targets
    /// when a target has values, as labels count the rows of a classification dataset).
    public init(features: [Float], featureShape: [Int], targets: [Float], targetShape: [Int] = []) {
        let featureSize = featureShape.reduce(1, *), targetSize = targetShape.reduce(1, *)
        let count = targetSize != 0 ? targets.count / targetSize : featureSize != 0 ? features.count / featureSize : 0
        inputColumn = ExampleColumn(floats: features, count: count, rowShape: featureShape)
        labelColumn = ExampleColumn(floats: targets, count: count, rowShape: targetShape)
    }

    public var count: Int { inputColumn.count }
    /// Shape of one input (settable to any shape of the same size, e.g. [784] ↔ [1, 28, 28]).
    public var inputShape: [Int] {
        get { inputColumn.rowShape }
        set { inputColumn.setRowShape(newValue, what: "TensorDataset.inputShape") }
    }
    /// Shape of one label.
    public var labelShape: [Int] { labelColumn.rowShape }
    /// All inputs, [N, ...] (a new tensor).
    public var inputs: Tensor { inputColumn.tensor() }
    /// All labels, [N, ...] (a new tensor).
    public var labels: Tensor { labelColumn.tensor() }

    public func example(at index: Int) -> (input: Tensor, label: Tensor) {
        (inputColumn.row(index, what: "TensorDataset"), labelColumn.row(index, what: "TensorDataset"))
    }

    public func batch(at indices: [Int]) -> (inputs: Tensor, labels: Tensor) {
        (inputColumn.gather(indices, what: "TensorDataset"), labelColumn.gather(indices, what: "TensorDataset"))
    }

    /// Applies fitted normalisation statistics to the (float) inputs in place.
    public mutating func normalizeInputs<N: FeatureNormalizer>(with normalizer: N) {
        inputColumn.transformFloats(what: "TensorDataset.normalizeInputs") { normalizer.apply(to: &$0) }
    }
}
