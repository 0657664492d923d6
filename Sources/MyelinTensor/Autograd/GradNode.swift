/// One recorded operation: its inputs and the function that maps the gradient of its result to a
/// gradient for each input.
public final class GradNode {
    /// The operation's name, for error messages and debugging (`"matmul"`, `"add"`, …).
    public let name: String
    public let inputs: [Tensor]
    /// Gradient of the result ↦ gradients of the inputs (nil where an input needs none).
    let backward: (Tensor) -> [Tensor?]

    init(name: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }
}

/// Records `result` as the output of an operation on `inputs`, so `backward()` can differentiate it.
///
/// This is how every op in Myelin is made differentiable, and how a user defines their own:
/// compute the result without autograd, then give the derivative right beside it.
/// `backward` receives the gradient of the result (same shape) and returns one gradient per input
/// (same shape as that input, or nil). Nothing is recorded when no input requires a gradient or
/// inside `withoutGrad`. The closure must not capture `result` itself (capture
/// `result.detached()` instead), or the graph would keep itself alive.
@discardableResult
public func differentiable(_ name: String, _ inputs: [Tensor], result: Tensor,
                           backward: @escaping (_ gradient: Tensor) -> [Tensor?]) -> Tensor {
    guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return result }
    result.gradFn = GradNode(name: name, inputs: inputs, backward: backward)
    result.requiresGrad = true
    return result
}
