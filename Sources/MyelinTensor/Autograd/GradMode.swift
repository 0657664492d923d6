/// Whether operations record themselves for `backward()`.
///
/// Recording is on by default; `withoutGrad` turns it off for evaluation and for optimizer steps,
/// like PyTorch's `torch.no_grad()`.
public enum GradMode {
    nonisolated(unsafe) private static var disabledDepth = 0

    /// True when new operations are recorded.
    public static var isEnabled: Bool { disabledDepth == 0 }

    /// Runs `body` without recording operations (results do not require gradients).
    public static func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
        disabledDepth += 1
        defer { disabledDepth -= 1 }
        return try body()
    }
}

/// Runs `body` without recording operations, like PyTorch's `with torch.no_grad():`.
public func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.withoutGrad(body)
}
