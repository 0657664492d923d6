import MyelinNN

// The gradient checker and the inputs it is fed live in MyelinTestSupport (shared with MyelinTensorTests).

/// Whether two float arrays agree elementwise within `tolerance` (absolute).
func close(_ a: [Float], _ b: [Float], _ tolerance: Float = 1e-6) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance }
}
