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

    /// Runs `body` without recording operations (results do not require gradients).
    public static func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
        try $disabled.withValue(true, operation: body)
    }
}

/// Runs `body` without recording operations, like PyTorch's `with torch.no_grad():`.
public func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.withoutGrad(body)
}
