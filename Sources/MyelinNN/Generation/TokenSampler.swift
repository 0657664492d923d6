#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Picks the next token from a model's logits: the most likely one, or a seeded draw from
/// softmax(logits / temperature), optionally among the k largest logits only.
///
/// Shapes: logits [V] → one token id in 0..<V; logits [B, V] → B ids, one per row.
public struct TokenSampler: Sendable, Equatable {
    /// How a token is chosen.
    public enum Strategy: Sendable, Equatable {
        /// The argmax (the lowest index among equal largest logits).
        case greedy
        /// A draw from softmax(logits / temperature) over the `topK` largest logits (all when nil).
        case sampling(temperature: Float, topK: Int?)
    }

    public let strategy: Strategy

    /// Always the most likely token.
    public static let greedy = TokenSampler(strategy: .greedy)

    /// Draws from softmax(logits / temperature) (below 1 sharper, above 1 flatter), among the
    /// `topK` largest logits when given; ties at the k-th place keep the lower indices.
    public init(temperature: Float = 1, topK: Int? = nil) {
        precondition(
            temperature > 0 && temperature.isFinite,
            "TokenSampler: temperature must be positive and finite, got \(temperature)")
        if let topK { precondition(topK >= 1, "TokenSampler: topK must be at least 1, got \(topK)") }
        self.init(strategy: .sampling(temperature: temperature, topK: topK))
    }

    private init(strategy: Strategy) { self.strategy = strategy }

    /// One token id from one row of logits.
    public func sample(logits: [Float], generator: RandomGenerator = .global) -> Int {
        logits.withUnsafeBufferPointer { pick($0, generator) }
    }

    /// One token id from a 1-D tensor of logits [V].
    public func sample(logits: Tensor, generator: RandomGenerator = .global) -> Int {
        precondition(logits.rank == 1, "TokenSampler: expected logits of shape [V], got \(logits.shape)")
        return sampleEachRow(of: logits.reshaped([1, logits.count]), generator: generator)[0]
    }

    /// One token id per row of logits [B, V], drawn row after row from `generator`.
    public func sampleEachRow(of logits: Tensor, generator: RandomGenerator = .global) -> [Int] {
        precondition(
            logits.rank == 2 && logits.dtype == .float32,
            "TokenSampler: expected float32 logits of shape [B, V], got \(logits.dtype) of shape \(logits.shape)")
        let width = logits.shape[1]
        return logits.contiguous().withUnsafeScalars { all in
            (0..<logits.shape[0]).map { b in
                pick(UnsafeBufferPointer(rebasing: all[b * width..<(b + 1) * width]), generator)
            }
        }
    }

    private func pick(_ logits: UnsafeBufferPointer<Float>, _ generator: RandomGenerator) -> Int {
        precondition(!logits.isEmpty, "TokenSampler: no logits to choose from")
        if let i = logits.firstIndex(where: \.isNaN) {
            preconditionFailure("TokenSampler: logit \(i) of \(logits.count) is NaN")
        }
        guard case .sampling(let temperature, let topK) = strategy else {
            var best = 0
            for i in 1..<logits.count where logits[i] > logits[best] { best = i }
            return best
        }
        // The candidates: every index, or the k largest logits (ties to the lower index).
        var candidates = Array(logits.indices)
        if let topK, topK < logits.count {
            candidates.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
            candidates.removeSubrange(topK...)
        }
        // Stable softmax in Double: exp((x − max) / T) ≤ 1, so no temperature can overflow it.
        // A −∞ logit has probability 0; +∞ logits share all of it.
        let maximum = candidates.map { Double(logits[$0]) }.max()!
        precondition(maximum > -.infinity, "TokenSampler: every candidate logit is -inf")
        let t = Double(temperature)
        let weights = candidates.map { i -> Double in
            let x = Double(logits[i])
            return maximum == .infinity ? (x == .infinity ? 1 : 0) : exp((x - maximum) / t)
        }
        let total = weights.reduce(0, +)
        // u uniform in [0, total) with 53 random bits; the last positive weight takes rounding's leftovers.
        let u = Double(generator.next() >> 11) * 0x1p-53 * total
        var cumulative = 0.0, chosen = candidates[0]
        for (i, w) in zip(candidates, weights) where w > 0 {
            chosen = i
            cumulative += w
            if u < cumulative { break }
        }
        return chosen
    }
}
