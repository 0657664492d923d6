extension Tensor {
    /// Computes the gradient of this tensor with respect to every leaf that requires one, and adds
    /// it to that leaf's `grad` (gradients accumulate across calls until `zeroGrad()`).
    ///
    /// `gradient` is d(something)/d(self); it defaults to 1 for a one-element tensor (a loss).
    public func backward(_ gradient: Tensor? = nil) {
        precondition(requiresGrad, "backward: this tensor does not require a gradient (no input of it requires one)")
        let seed: Tensor
        if let gradient {
            precondition(
                gradient.shape == shape,
                "backward: gradient shape \(gradient.shape) does not match tensor shape \(shape)")
            seed = gradient
        } else {
            precondition(count == 1, "backward: a gradient must be given for a non-scalar tensor of shape \(shape)")
            seed = Tensor.ones(shape)
        }
        let observer = Tensor.backwardObserver
        GradMode.withoutGrad { propagate(seed, observer: observer) }
        observer?.backwardDidEnd()
    }

    /// Visits the graph in reverse topological order so that each tensor's gradient is complete
    /// (every use has contributed) before it flows further down.
    private func propagate(_ seed: Tensor, observer: BackwardObserver?) {
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        // Storages already handed to a leaf's .grad: never hand one out twice, since grads are
        // accumulated in place later.
        var adopted: Set<ObjectIdentifier> = [ObjectIdentifier(seed.storage)]
        for tensor in topologicalOrder().reversed() {
            guard let grad = pending.removeValue(forKey: ObjectIdentifier(tensor)) else { continue }
            if let node = tensor.gradFn {
                // An op that adds them itself is handed the inputs' gradients so far (each input once).
                var collected = [Tensor?](repeating: nil, count: node.inputs.count)
                if !node.addsCollected.isEmpty {
                    var seen: Set<ObjectIdentifier> = []
                    for (i, input) in node.inputs.enumerated() where input.requiresGrad {
                        let key = ObjectIdentifier(input)
                        if seen.insert(key).inserted && node.addsCollected[i] { collected[i] = pending[key] }
                    }
                }
                let inputGrads = node.backward(grad, collected)
                precondition(
                    inputGrads.count == node.inputs.count,
                    "backward of \(node.name): returned \(inputGrads.count) gradients for \(node.inputs.count) inputs")
                for (i, (input, g)) in zip(node.inputs, inputGrads).enumerated() where input.requiresGrad {
                    guard let g else { continue }
                    precondition(
                        g.shape == input.shape,
                        "backward of \(node.name): gradient shape \(g.shape) does not match input shape \(input.shape)")
                    let key = ObjectIdentifier(input)
                    pending[key] = collected[i] != nil ? g : pending[key].map { $0 + g } ?? g
                }
            } else {
                tensor.accumulateGrad(grad, adopted: &adopted)
                // A leaf is visited once, after every use of it: its gradient is final.
                observer?.gradientIsFinal(tensor)
            }
        }
    }

    private func accumulateGrad(_ g: Tensor, adopted: inout Set<ObjectIdentifier>) {
        if let existing = grad {
            existing.addInPlace(g)
        } else if g.isContiguous && g.offset == 0 && g.storage.count == g.count && g.dtype == .float32
            && !g.requiresGrad && !adopted.contains(ObjectIdentifier(g.storage))
        {
            grad = g
        } else {
            grad = g.contiguousCopy()
        }
        adopted.insert(ObjectIdentifier(grad!.storage))
    }

    /// Tensors reachable from this one through recorded operations, inputs before their users.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited: Set<ObjectIdentifier> = []
        // Iterative depth-first search: deep graphs (long RNN unrolls) must not overflow the stack.
        var stack: [(Tensor, Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (tensor, next) = stack.popLast() {
            let inputs = tensor.gradFn?.inputs ?? []
            if next < inputs.count {
                stack.append((tensor, next + 1))
                let input = inputs[next]
                if input.requiresGrad && visited.insert(ObjectIdentifier(input)).inserted {
                    stack.append((input, 0))
                }
            } else {
                order.append(tensor)
            }
        }
        return order
    }

    /// Forgets the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() { grad = nil }

    /// The same values, cut off from the recorded graph (shares storage, requires no gradient).
    public func detached() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    }
}

/// Watches the backward passes run by the current task (or thread): told as each leaf's gradient
/// becomes final (every use of the leaf has contributed, in `backward()`'s reverse topological
/// order) and when the pass is over. Data-parallel training starts averaging a bucket of gradients
/// across processes at the first and finishes at the second, so the gradients are averaged when
/// `backward()` returns.
public protocol BackwardObserver: AnyObject, Sendable {
    func gradientIsFinal(_ leaf: Tensor)
    func backwardDidEnd()
}

extension Tensor {
    /// The observer of the backward passes run inside `Tensor.$backwardObserver.withValue(observer) { … }`.
    @TaskLocal public static var backwardObserver: BackwardObserver?
}
