/// Marks a module's tensor as a trainable parameter: `@Parameter var weight: Tensor`.
///
/// The module finds it by name for `parameters` and the state dict (`weight`, `layers.0.bias`),
/// and it always requires a gradient.
@propertyWrapper
public struct Parameter {
    public var wrappedValue: Tensor {
        didSet { wrappedValue.requiresGrad = true }
    }

    public init(wrappedValue: Tensor) {
        wrappedValue.requiresGrad = true
        self.wrappedValue = wrappedValue
    }
}

/// Marks a module's tensor as state that is saved but not trained (running statistics):
/// `@Buffer var runningMean: Tensor`. It appears in the state dict, not in `parameters`.
@propertyWrapper
public struct Buffer {
    public var wrappedValue: Tensor

    public init(wrappedValue: Tensor) {
        self.wrappedValue = wrappedValue
    }
}
