/// Marks a module's tensor as a trainable parameter: `@Parameter var weight: Tensor`.
///
/// The module finds it by name for `parameters` and the state dict (`weight`, `layers.0.bias`),
/// and it always requires a gradient. An optional one (`@Parameter var bias: Tensor?`) that is nil
/// is absent: it is in neither `parameters` nor the state dict, as PyTorch's `bias=False`.
@propertyWrapper
public struct Parameter<Value: ModuleTensor> {
    public var wrappedValue: Value {
        didSet { wrappedValue.tensor?.requiresGrad = true }
    }

    public init(wrappedValue: Value) {
        wrappedValue.tensor?.requiresGrad = true
        self.wrappedValue = wrappedValue
    }
}

/// Marks a module's tensor as state that is saved but not trained (running statistics):
/// `@Buffer var runningMean: Tensor`. It appears in the state dict, not in `parameters`; an
/// optional one that is nil appears in neither.
@propertyWrapper
public struct Buffer<Value: ModuleTensor> {
    public var wrappedValue: Value

    public init(wrappedValue: Value) {
        self.wrappedValue = wrappedValue
    }
}

/// What `@Parameter` and `@Buffer` hold: a `Tensor`, or a `Tensor?` whose nil means "absent".
public protocol ModuleTensor {}

extension Tensor: ModuleTensor {}

extension Optional: ModuleTensor where Wrapped == Tensor {}

extension ModuleTensor {
    /// The tensor, or nil when an optional one is absent (a cast: `Tensor?` unwraps to `Tensor`).
    var tensor: Tensor? { self as? Tensor }
}

/// How `Module` finds the wrappers through reflection without knowing their `Value`.
protocol AnyParameter {
    var tensor: Tensor? { get }
}

protocol AnyBuffer {
    var tensor: Tensor? { get }
}

extension Parameter: AnyParameter {
    var tensor: Tensor? { wrappedValue.tensor }
}

extension Buffer: AnyBuffer {
    var tensor: Tensor? { wrappedValue.tensor }
}
