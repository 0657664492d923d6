/// Flattens dimensions `startAxis…endAxis` into one; by default every dimension but the batch.
///
/// Shapes: [N, d1, d2, …] → [N, d1·d2·…].
public final class Flatten: Module {
    public let startAxis: Int, endAxis: Int

    public init(startAxis: Int = 1, endAxis: Int = -1) {
        self.startAxis = startAxis
        self.endAxis = endAxis
    }

    public override func forward(_ input: Tensor) -> Tensor {
        input.flattened(startAxis: startAxis, endAxis: endAxis)
    }
}

/// Reshapes each example to `shape` (the batch dimension is kept). Shapes: [N, …] → [N] + shape.
public final class Reshape: Module {
    public let shape: [Int]

    public init(_ shape: [Int]) { self.shape = shape }

    public override func forward(_ input: Tensor) -> Tensor {
        input.reshaped([input.shape[0]] + shape)
    }
}
