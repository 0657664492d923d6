import Foundation
import MyelinNN
import MyelinTestSupport
import Testing

/// Fixtures/attention.json, made by Tools/make_attention_fixtures.py with PyTorch.
// The names are the fixture's JSON keys, written by PyTorch-side Python (a key strategy would rename state-dict names too).
// swift-format-ignore: AlwaysUseLowerCamelCase
struct AttentionFixture: Decodable {
    struct Values: Decodable {
        let shape: [Int]
        let values: [Float]
        var tensor: Tensor { Tensor(shape: shape, scalars: values) }
    }
    struct Case: Decodable {
        let state_dict: [String: Values]
        let query, keys, values, mask, context, weights, grad_query, grad_keys, grad_values: Values
        let grads: [String: Values]
    }
    let additive_one_query, additive_queries, dot_one_query, general_queries: Case

    static func load() throws -> AttentionFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/attention.json")
        return try JSONDecoder().decode(AttentionFixture.self, from: Data(contentsOf: url))
    }
}

/// L = Σ f(k)·y_k, the script's loss.
private func weighted(_ y: Tensor, _ f: (Double) -> Double) -> Tensor {
    (y * Tensor(shape: y.shape, scalars: (0..<y.count).map { Float(f(Double($0))) })).sum()
}

@Suite struct AttentionLayerTests {
    let g = RandomGenerator(seed: 41)

    /// Runs `attend` on the fixture's inputs and compares outputs and every gradient with PyTorch's.
    func expectPyTorch(_ f: AttentionFixture.Case, module: Module, _ attend: (Tensor, Tensor, Tensor, Tensor) -> AttentionOutput) throws {
        try module.loadStateDict(f.state_dict.mapValues(\.tensor))
        let (q, k, v) = (leaf(f.query.tensor), leaf(f.keys.tensor), leaf(f.values.tensor))
        let out = attend(q, k, v, f.mask.tensor)
        #expect(out.context.shape == f.context.shape && out.weights.shape == f.weights.shape)
        #expect(close(out.context.scalars, f.context.values, 1e-5), "context")
        #expect(close(out.weights.scalars, f.weights.values, 1e-6), "weights")
        (weighted(out.context, sin) + weighted(out.weights, cos)).backward()
        #expect(close(q.grad!.scalars, f.grad_query.values, 1e-5), "query gradient")
        #expect(close(k.grad!.scalars, f.grad_keys.values, 1e-5), "keys gradient")
        #expect(close(v.grad!.scalars, f.grad_values.values, 1e-5), "values gradient")
        #expect(module.namedParameters.count == f.grads.count)
        for (name, p) in module.namedParameters {
            #expect(close(p.grad!.scalars, f.grads[name]!.values, 1e-5), "gradient of \(name)")
        }
    }

    @Test(arguments: KernelPath.supported)
    func additiveAttentionMatchesPyTorch(path: KernelPath) throws {
        try KernelPath.withPath(path) {
            let fixture = try AttentionFixture.load()
            for f in [fixture.additive_one_query, fixture.additive_queries] {
                let attention = AdditiveAttention(querySize: 3, keySize: 4, attentionSize: 6)
                try expectPyTorch(f, module: attention) { attention(query: $0, keys: $1, values: $2, mask: $3) }
            }
        }
    }

    @Test(arguments: KernelPath.supported)
    func dotAndGeneralAttentionMatchPyTorch(path: KernelPath) throws {
        try KernelPath.withPath(path) {
            let fixture = try AttentionFixture.load()
            let dot = DotProductAttention()
            try expectPyTorch(fixture.dot_one_query, module: dot) { dot(query: $0, keys: $1, values: $2, mask: $3) }
            let general = DotProductAttention(querySize: 3, keySize: 4, scale: 0.5)
            try expectPyTorch(fixture.general_queries, module: general) { general(query: $0, keys: $1, values: $2, mask: $3) }
        }
    }

    @Test func namesAndShapes() {
        let additive = AdditiveAttention(querySize: 3, keySize: 5, attentionSize: 7)
        #expect(additive.stateDict.map(\.0) == ["query.weight", "key.weight", "key.bias", "score.weight"])
        #expect(additive.parameterCount == 7 * 3 + 7 * 5 + 7 + 7)
        #expect(DotProductAttention().stateDict.isEmpty)
        #expect(DotProductAttention(querySize: 3, keySize: 5).stateDict.map(\.0) == ["query.weight"])
        let out = additive(query: uniform([2, 3], g), keys: uniform([2, 4, 5], g), values: uniform([2, 4, 6], g))
        #expect(out.context.shape == [2, 6] && out.weights.shape == [2, 4])
        let many = additive(query: uniform([2, 8, 3], g), keys: uniform([2, 4, 5], g), values: uniform([2, 4, 6], g))
        #expect(many.context.shape == [2, 8, 6] && many.weights.shape == [2, 8, 4])
    }

    @Test func gradientsMatchFiniteDifferences() {
        // Example 0 has two real keys of four: its padded keys and values must get no gradient,
        // which the finite differences confirm (they change nothing).
        let mask = Tensor(shape: [2, 4], scalars: [1, 1, 0, 0, 1, 1, 1, 1])
        let additive = AdditiveAttention(querySize: 3, keySize: 5, attentionSize: 4, generator: RandomGenerator(seed: 2))
        let general = DotProductAttention(querySize: 3, keySize: 5, generator: RandomGenerator(seed: 3))
        for queries in [[2, 3], [2, 2, 3]] {
            let (q, k, v) = (uniform(queries, g), uniform([2, 4, 5], g), uniform([2, 4, 2], g))
            // Context and weights together, so both are checked.
            func both(_ o: AttentionOutput) -> Tensor {
                concatenate([o.context.reshaped([-1]), o.weights.reshaped([-1])])
            }
            checkGradients([q, k, v]) { both(additive(query: $0[0], keys: $0[1], values: $0[2], mask: mask)) }
            GradientCheck().check(additive.parameters) { both(additive(query: q, keys: k, values: v, mask: mask)) }
            checkGradients([q, k, v]) { both(general(query: $0[0], keys: $0[1], values: $0[2], mask: mask)) }
            GradientCheck().check(general.parameters) { both(general(query: q, keys: k, values: v, mask: mask)) }
            checkGradients([k, v]) { both(DotProductAttention(scale: 0.7)(query: $0[0], keys: $0[0], values: $0[1], mask: mask)) }
        }
    }

    @Test func paddingGetsNoWeightAndChangesNothing() {
        let attention = AdditiveAttention(querySize: 3, keySize: 5, attentionSize: 4, generator: RandomGenerator(seed: 4))
        let mask = Tensor(shape: [2, 4], scalars: [1, 1, 1, 0, 1, 1, 1, 1])
        let (q, k, v) = (uniform([2, 3], g), uniform([2, 4, 5], g), uniform([2, 4, 6], g))
        let out = attention(query: q, keys: k, values: v, mask: mask)
        let w = out.weights.scalars
        #expect(w[3] == 0 && w.allSatisfy { $0 >= 0 })
        #expect(abs(w[0..<4].reduce(0, +) - 1) < 1e-6 && abs(w[4..<8].reduce(0, +) - 1) < 1e-6)
        // Other values in the padded slot, and the first example alone with its three real keys: the same.
        let (k2, v2) = (k.contiguousCopy(), v.contiguousCopy())
        k2.narrowed(axis: 1, start: 3, length: 1)[0].assign(Tensor(scalar: 40))
        v2.narrowed(axis: 1, start: 3, length: 1)[0].assign(Tensor(scalar: -40))
        #expect(close(attention(query: q, keys: k2, values: v2, mask: mask).context.scalars, out.context.scalars, 1e-6))
        let first = { (t: Tensor) in t[0..<1].narrowed(axis: 1, start: 0, length: 3) }
        let alone = attention(query: q[0..<1], keys: first(k), values: first(v))
        #expect(close(alone.context.scalars, Array(out.context.scalars[0..<6]), 1e-6))
        #expect(close(alone.weights.scalars, Array(w[0..<3]), 1e-6))
    }

    @Test func manyQueriesAreEachQueryAlone() {
        let attention = AdditiveAttention(querySize: 3, keySize: 5, attentionSize: 4, generator: RandomGenerator(seed: 5))
        let dot = DotProductAttention(scale: 0.5)
        let mask = Tensor(shape: [2, 4], scalars: [1, 1, 0, 0, 1, 1, 1, 1])
        let (q, k, v) = (uniform([2, 3, 3], g), uniform([2, 4, 5], g), uniform([2, 4, 6], g))
        let qDot = uniform([2, 3, 5], g)
        let many = attention(query: q, keys: k, values: v, mask: mask), manyDot = dot(query: qDot, keys: k, values: v, mask: mask)
        for t in 0..<3 {
            let at = { (x: Tensor) in x.narrowed(axis: 1, start: t, length: 1).squeezed(axis: 1).contiguous() }
            let one = attention(query: at(q), keys: k, values: v, mask: mask)
            #expect(close(one.context.scalars, at(many.context).scalars, 1e-6))
            #expect(close(one.weights.scalars, at(many.weights).scalars, 1e-6))
            let oneDot = dot(query: at(qDot), keys: k, values: v, mask: mask)
            #expect(close(oneDot.context.scalars, at(manyDot.context).scalars, 1e-6))
        }
    }
}
