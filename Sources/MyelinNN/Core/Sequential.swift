/// Builds a list of modules from a `{ … }` block: one module per statement, with `if` and `for`.
@resultBuilder
public enum ModuleBuilder {
    public static func buildExpression(_ module: Module) -> [Module] { [module] }
    public static func buildExpression(_ modules: [Module]) -> [Module] { modules }
    public static func buildBlock(_ parts: [Module]...) -> [Module] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [Module]?) -> [Module] { part ?? [] }
    public static func buildEither(first: [Module]) -> [Module] { first }
    public static func buildEither(second: [Module]) -> [Module] { second }
    public static func buildArray(_ parts: [[Module]]) -> [Module] { parts.flatMap { $0 } }
}

/// A layer that can apply an activation inside its own kernel, while the output is still in cache.
public protocol ActivationFusing: Module {
    /// The layer followed by `activation`, in one pass.
    func forward(_ input: Tensor, activation: FusedActivation) -> Tensor
}

/// Modules applied one after another; children are named `0`, `1`, … as in PyTorch.
///
/// ```swift
/// let model = Sequential {
///     Flatten()
///     Linear(784, 256); ReLU()
///     Linear(256, 10)
/// }
/// ```
/// A `Linear` or `Conv2d` directly followed by `ReLU` runs as one fused GEMM with a ReLU epilogue.
public final class Sequential: Module {
    public private(set) var layers: [Module]

    /// Layer `index`; setting it replaces the layer (a new head for fine-tuning:
    /// `model.classifier[5] = Linear(84, 5)`, as PyTorch's `model.classifier[6] = nn.Linear(…)`).
    public subscript(index: Int) -> Module {
        get { layers[index] }
        set {
            precondition(layers.indices.contains(index), "Sequential: no layer \(index) among \(layers.count)")
            layers[index] = newValue
        }
    }

    public init(@ModuleBuilder _ build: () -> [Module]) {
        layers = build()
    }

    public init(_ layers: [Module]) {
        self.layers = layers
    }

    public override var namedChildren: [(String, Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }

    public override func forward(_ input: Tensor) -> Tensor {
        var x = input
        var i = 0
        while i < layers.count {
            if let fusing = layers[i] as? ActivationFusing, i + 1 < layers.count, layers[i + 1] is ReLU {
                x = fusing.forward(x, activation: .relu)
                i += 2
            } else {
                x = layers[i](x)
                i += 1
            }
        }
        return x
    }

    public var count: Int { layers.count }
}
