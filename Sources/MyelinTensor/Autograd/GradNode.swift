/// One recorded operation: its inputs and the function that maps the gradient of its result to a
/// gradient for each input.
public final class GradNode {
    /// The operation's name, for error messages and debugging (`"matmul"`, `"add"`, …).
    public let name: String
    public private(set) var inputs: [Tensor]
    /// Gradient of the result and, per input, the gradient already collected for it (nil where there
    /// is none or the op does not add it) ↦ gradients of the inputs (nil where an input needs none).
    /// Where a collected gradient was given, the one returned includes it.
    private(set) var backward: (Tensor, [Tensor?]) -> [Tensor?]
    /// Per input, whether `backward` is given its gradient so far and adds it itself (empty: none is;
    /// see `differentiable(_:_:result:addingCollectedTo:backward:)`).
    let addsCollected: [Bool]

    init(name: String, inputs: [Tensor], addsCollected: [Bool], backward: @escaping (Tensor, [Tensor?]) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.addsCollected = addsCollected
        self.backward = backward
    }

    /// Frees the graphs of `nodes` one node at a time (called by `Tensor.deinit`).
    ///
    /// Left to reference counting, a chain of thousands of recorded ops (an unrolled RNN) is freed
    /// by one nested deinit per node and overflows a thread's stack. Instead, a node that is about
    /// to die takes the nodes of the inputs that would die with it onto this explicit stack first,
    /// so those inputs are freed without a graph to recurse into.
    static func release(_ nodes: inout [GradNode]) {
        while var node = nodes.popLast() {
            // Still used elsewhere: it survives, and nothing below it is freed now.
            guard isKnownUniquelyReferenced(&node) else { continue }
            // Drop the closure's captures (usually the inputs again) and duplicate inputs (x * x),
            // so that an input referenced by nothing else is held exactly once, here.
            node.backward = { _, _ in [] }
            var inputs = node.inputs
            if inputs.count > 1 {
                var seen = Set<ObjectIdentifier>()
                inputs = inputs.filter { seen.insert(ObjectIdentifier($0)).inserted }
            }
            node.inputs = []
            for i in inputs.indices where inputs[i].gradFn != nil && isKnownUniquelyReferenced(&inputs[i]) {
                nodes.append(inputs[i].gradFn!)
                inputs[i].gradFn = nil
            }
        }  // `node` and `inputs` are freed here, with no graph left beneath them
    }
}

/// Records `result` as the output of an operation on `inputs`, so `backward()` can differentiate it.
///
/// This is how every op in Myelin is made differentiable, and how a user defines their own:
/// compute the result without autograd, then give the derivative right beside it.
/// `backward` receives the gradient of the result (same shape) and returns one gradient per input
/// (same shape as that input, or nil). An input may be nil — an optional operand that was not
/// given, such as a missing bias — and its gradient is then ignored, so the closure can return
/// `bias.map { … }` in its place. Nothing is recorded when no input requires a gradient or inside
/// `withoutGrad`. The closure must not capture `result` itself (capture `result.detached()`
/// instead), or the graph would keep itself alive.
@discardableResult
public func differentiable(
    _ name: String, _ inputs: [Tensor?], result: Tensor,
    backward: @escaping (_ gradient: Tensor) -> [Tensor?]
) -> Tensor {
    record(name, inputs, result: result, adding: []) { gradient, _ in backward(gradient) }
}

/// `differentiable`, for an op whose backward pass adds the gradient already collected for some of
/// its inputs (`positions`) to the one it makes, in the same pass: a layer norm's dx, where a
/// residual connection has already given its input a gradient. `collected[i]` is input i's gradient
/// so far: nil where there is none yet, where i is not in `positions`, where the input was not
/// given, or for a repeated input after its first place. Where it is given, the gradient returned
/// for input i must include it. This saves the separate pass that would add the two; the sum is the
/// same, one addition per element.
@discardableResult
func differentiable(
    _ name: String, _ inputs: [Tensor?], result: Tensor, addingCollectedTo positions: Set<Int>,
    backward: @escaping (_ gradient: Tensor, _ collected: [Tensor?]) -> [Tensor?]
) -> Tensor {
    record(name, inputs, result: result, adding: positions, backward: backward)
}

private func record(
    _ name: String, _ inputs: [Tensor?], result: Tensor, adding positions: Set<Int>,
    backward: @escaping (Tensor, [Tensor?]) -> [Tensor?]
) -> Tensor {
    guard GradMode.records(inputs) else { return result }
    // The node holds the given inputs only: their places among `inputs`.
    let kept = inputs.indices.filter { inputs[$0] != nil }
    var recorded = backward
    if kept.count < inputs.count {
        // Drop the gradients of the missing inputs (and give them no collected gradient).
        let count = inputs.count
        recorded = { gradient, collected in
            var spread = [Tensor?](repeating: nil, count: count)
            for (slot, value) in zip(kept, collected) { spread[slot] = value }
            let all = backward(gradient, spread)
            precondition(all.count == count, "backward of \(name): returned \(all.count) gradients for \(count) inputs")
            return kept.map { all[$0] }
        }
    }
    let adds = positions.isEmpty ? [] : kept.map { positions.contains($0) }
    result.gradFn = GradNode(name: name, inputs: kept.map { inputs[$0]! }, addsCollected: adds, backward: recorded)
    result.requiresGrad = true
    return result
}
