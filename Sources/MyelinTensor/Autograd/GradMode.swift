/// Whether operations record themselves for `backward()`.
///
/// Recording is on by default; `withoutGrad` turns it off for evaluation and for optimizer steps,
/// like PyTorch's `torch.no_grad()`. The setting belongs to the current thread (task-local), as
/// PyTorch's grad mode is thread-local: a `withoutGrad` block or a `backward()` running on one
/// thread does not stop another thread's operations from being recorded.
public enum GradMode {
    @TaskLocal private static var disabled = false

    /// True when new operations are recorded.
    public static var isEnabled: Bool { !disabled }

    /// Whether an operation on `inputs` is recorded now (what `differentiable` records): an op whose
    /// backward pass needs something extra from its forward pass computes it only then.
    public static func records(_ inputs: [Tensor?]) -> Bool {
        isEnabled && inputs.contains { $0?.requiresGrad == true }
    }

    /// Runs `body` without recording operations (results do not require gradients).
    public static func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
        try $disabled.withValue(true, operation: body)
    }

    /// The only leaves that may require a gradient, inside `gradient(at:of:)`; nil elsewhere.
    @TaskLocal private static var onlyLeaves: Set<ObjectIdentifier>? = nil

    /// Whether `leaf` may require a gradient here: always, but inside `gradient(at:of:)`, where
    /// only its points may.
    static func differentiates(_ leaf: Tensor) -> Bool {
        onlyLeaves.map { $0.contains(ObjectIdentifier(leaf)) } ?? true
    }

    /// Runs `body` recording operations (even inside `withoutGrad`), with only `leaves` requiring
    /// gradients among the leaves.
    static func differentiating<R>(only leaves: [Tensor], _ body: () throws -> R) rethrows -> R {
        try $disabled.withValue(false) {
            try $onlyLeaves.withValue(Set(leaves.map(ObjectIdentifier.init)), operation: body)
        }
    }
}

/// Runs `body` without recording operations, like PyTorch's `with torch.no_grad():`.
public func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.withoutGrad(body)
}
