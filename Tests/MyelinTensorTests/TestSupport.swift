import MyelinTensor
import Testing

// The gradient checker and the inputs it is fed live in MyelinTestSupport (shared with MyelinNNTests).

// MARK: - Comparing values

/// Expects two float arrays to agree elementwise within `tolerance` (absolute + relative).
func expectClose(
    _ actual: [Float], _ expected: [Float], tolerance: Float = 1e-5,
    _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record(
            "\(comment.map { "\($0): " } ?? "")\(actual.count) values, expected \(expected.count)",
            sourceLocation: sourceLocation)
        return
    }
    for (i, (a, e)) in zip(actual, expected).enumerated()
    where !(Swift.abs(a - e) <= tolerance * Swift.max(1, Swift.abs(e))) {
        Issue.record(
            "\(comment.map { "\($0): " } ?? "")element \(i): \(a), expected \(e)",
            sourceLocation: sourceLocation)
        return
    }
}

/// Expects a tensor's shape and values.
func expectTensor(
    _ t: Tensor, shape: [Int], _ values: [Float], tolerance: Float = 1e-5,
    _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(t.shape == shape, comment, sourceLocation: sourceLocation)
    expectClose(t.scalars, values, tolerance: tolerance, comment, sourceLocation: sourceLocation)
}
