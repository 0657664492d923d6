import MyelinTensor

/// A few integers a run keeps count of — transitions stored, environment steps, updates — held in
/// an int64 tensor, so that a `TrainingCheckpoint` saves and restores them with the run's other
/// tensors (exactly, at any size).
public final class TensorCounters {
    /// int64 [count].
    public let tensor: Tensor

    /// `count` counters, all 0.
    public init(count: Int) {
        precondition(count > 0, "TensorCounters: needs at least one counter, got \(count)")
        tensor = Tensor.zeros([count], dtype: .int64)
    }

    public subscript(index: Int) -> Int {
        get { tensor.withUnsafeMutableBytes { Int($0.withMemoryRebound(to: Int64.self) { $0[index] }) } }
        set { tensor.withUnsafeMutableBytes { $0.withMemoryRebound(to: Int64.self) { $0[index] = Int64(newValue) } } }
    }
}
