import Foundation
import MyelinNN
import MyelinTestSupport
import Testing

/// Fixtures/transformer.json, made by Tools/make_transformer_fixtures.py with PyTorch.
// The names are the fixture's JSON keys, written by PyTorch-side Python (a key strategy would rename state-dict names too).
// swift-format-ignore: AlwaysUseLowerCamelCase
struct TransformerFixture: Decodable {
    struct Values: Decodable {
        let shape: [Int]
        let values: [Float]
        var tensor: Tensor { Tensor(shape: shape, scalars: values) }
    }
    struct GPT: Decodable {
        let vocabulary, context, embed_dim, heads, layers, feed_forward, batch, steps: Int
        let state_dict: [String: Values]
        let ids, targets: [Int]
        let logits: Values
        let loss: Float
        let grads: [String: Values]
    }
    struct Layer: Decodable {
        let state_dict: [String: Values]
        let input, output, grad_input: Values
        let key_padding_mask: [Bool]?
        let grads: [String: Values]
    }
    let gpt: GPT
    let block, multihead_attention: Layer

    static func load() throws -> TransformerFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/transformer.json")
        return try JSONDecoder().decode(TransformerFixture.self, from: Data(contentsOf: url))
    }
}

/// L = Σ sin(k)·y_k, the script's loss for a layer's output.
private func sineWeights(_ shape: [Int]) -> Tensor {
    Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { Float(sin(Double($0))) })
}

/// The char-transformer benchmark's GPT assembled from the layers, under the names of the PyTorch module.
private final class TinyGPT: Module {
    let tok: Embedding, pos: Embedding
    let blocks: [TransformerBlock]
    let lnf: LayerNorm
    let head: Linear

    init(_ f: TransformerFixture.GPT) {
        tok = Embedding(f.vocabulary, f.embed_dim)
        pos = Embedding(f.context, f.embed_dim)
        blocks = (0..<f.layers).map { _ in TransformerBlock(embedDim: f.embed_dim, heads: f.heads, feedForward: f.feed_forward) }
        lnf = LayerNorm(f.embed_dim)
        head = Linear(f.embed_dim, f.vocabulary)
    }

    override func forward(_ ids: Tensor) -> Tensor {
        var x = tok(ids) + pos(Tensor(integers: Array(0..<ids.shape[1])))
        for block in blocks { x = block.forward(x, causal: true) }
        return head(lnf(x))
    }
}

@Suite struct TransformerFixtureTests {
    @Test(arguments: KernelPath.supported)
    func gptMatchesPyTorchLogitsLossAndGradients(path: KernelPath) throws {
        try KernelPath.withPath(path) {
            let f = try TransformerFixture.load().gpt
            let model = TinyGPT(f)
            // The state dict maps 1:1 (loading fails on any missing, extra or misshapen name).
            try model.loadStateDict(f.state_dict.mapValues(\.tensor))
            let logits = model(Tensor(shape: [f.batch, f.steps], integers: f.ids))
            #expect(logits.shape == f.logits.shape)
            #expect(close(logits.scalars, f.logits.values, 1e-5), "logits")
            let loss = crossEntropy(logits, Tensor(shape: [f.batch, f.steps], integers: f.targets))
            #expect(abs(loss.item - f.loss) < 1e-5)
            loss.backward()
            #expect(model.namedParameters.count == f.grads.count)
            for (name, p) in model.namedParameters {
                #expect(close(p.grad!.scalars, f.grads[name]!.values, 1e-4), "gradient of \(name)")
            }
        }
    }

    @Test(arguments: KernelPath.supported)
    func blockMatchesPyTorch(path: KernelPath) throws {
        try KernelPath.withPath(path) {
            let f = try TransformerFixture.load().block
            let block = TransformerBlock(embedDim: 12, heads: 3, feedForward: 24)
            try block.loadStateDict(f.state_dict.mapValues(\.tensor))
            let x = leaf(f.input.tensor)
            let y = block.forward(x, causal: true)
            #expect(close(y.scalars, f.output.values, 1e-5), "output")
            (y * sineWeights(y.shape)).sum().backward()
            #expect(close(x.grad!.scalars, f.grad_input.values, 1e-4), "input gradient")
            for (name, p) in block.namedParameters {
                #expect(close(p.grad!.scalars, f.grads[name]!.values, 1e-4), "gradient of \(name)")
            }
        }
    }

    @Test(arguments: KernelPath.supported)
    func multiheadAttentionWithPaddingMatchesPyTorchsModule(path: KernelPath) throws {
        try KernelPath.withPath(path) {
            let f = try TransformerFixture.load().multihead_attention
            let attention = MultiheadAttention(embedDim: 12, heads: 3, names: .pytorch)
            try attention.loadStateDict(f.state_dict.mapValues(\.tensor))
            let x = leaf(f.input.tensor)
            let mask = Tensor(shape: [2, 6], integers: f.key_padding_mask!.map { $0 ? 1 : 0 }, dtype: .bool)
            let y = attention.forward(x, causal: false, keyPaddingMask: mask)
            #expect(close(y.scalars, f.output.values, 1e-5), "output")
            (y * sineWeights(y.shape)).sum().backward()
            #expect(close(x.grad!.scalars, f.grad_input.values, 1e-4), "input gradient")
            for (name, p) in attention.namedParameters {
                #expect(close(p.grad!.scalars, f.grads[name]!.values, 1e-4), "gradient of \(name)")
            }
        }
    }
}

@Suite struct TransformerLayerTests {
    let g = RandomGenerator(seed: 31)

    @Test(arguments: KernelPath.supported)
    func layerNormIsTorchsLayerNorm(path: KernelPath) {
        KernelPath.withPath(path) {
            let ln = LayerNorm(5)
            #expect(ln.stateDict.map(\.0) == ["weight", "bias"])
            #expect(ln.weight!.scalars == [1, 1, 1, 1, 1] && ln.bias!.scalars == [0, 0, 0, 0, 0])
            let plain = LayerNorm(5, elementwiseAffine: false)
            #expect(plain.weight == nil && plain.bias == nil && plain.stateDict.isEmpty && !plain.elementwiseAffine)
            let x = uniform([3, 2, 5], g)
            ln.weight!.assign(uniform([5], g))
            ln.bias!.assign(uniform([5], g))
            #expect(ln(x).scalars == layerNorm(x, features: 5, weight: ln.weight, bias: ln.bias).scalars)
            GradientCheck().check(ln.parameters) { ln(x) }
        }
    }

    @Test func multiheadAttentionNamesAndShapes() {
        let fused = MultiheadAttention(embedDim: 8, heads: 2)
        #expect(fused.stateDict.map(\.0) == ["qkv.weight", "qkv.bias", "proj.weight", "proj.bias"])
        #expect(fused.qkv.weight.shape == [24, 8] && fused.parameterCount == 24 * 8 + 24 + 8 * 8 + 8)
        let torch = MultiheadAttention(embedDim: 8, heads: 2, names: .pytorch)
        #expect(torch.stateDict.map(\.0) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        #expect(
            MultiheadAttention(embedDim: 8, heads: 2, bias: false, names: .pytorch).stateDict.map(\.0)
                == ["in_proj_weight", "out_proj.weight"])
        #expect(fused(uniform([2, 3, 8], g)).shape == [2, 3, 8])
    }

    @Test(arguments: KernelPath.supported)
    func multiheadAttentionIsItsDefinition(path: KernelPath) {
        KernelPath.withPath(path) {
            // Causal self-attention spelled out with linear, per-head softmax and matmul.
            let attention = MultiheadAttention(embedDim: 6, heads: 2, generator: RandomGenerator(seed: 3))
            let x = uniform([2, 4, 6], g)
            let qkv = attention.qkv(x)
            var heads: [Tensor] = []
            for h in 0..<2 {
                let part = { (i: Int) in qkv.narrowed(axis: 2, start: 6 * i + 3 * h, length: 3) }
                let scores = matmul(part(0), part(1).transposed(1, 2)) / Float(3).squareRoot()
                let causal = Tensor(shape: [4, 4], scalars: (0..<16).map { $0 % 4 > $0 / 4 ? -Float.infinity : 0 })
                heads.append(matmul((scores + causal).softmax(axis: -1), part(2)))
            }
            let expected = attention.proj(concatenate(heads, axis: 2))
            #expect(close(attention.forward(x, causal: true).scalars, expected.scalars, 1e-6))
        }
    }

    @Test func blockNamesFollowTheBenchmarkAndGradientsMatchFiniteDifferences() {
        let block = TransformerBlock(embedDim: 4, heads: 2, feedForward: 6, generator: RandomGenerator(seed: 5))
        #expect(
            block.stateDict.map(\.0) == [
                "ln1.weight", "ln1.bias", "qkv.weight", "qkv.bias", "proj.weight", "proj.bias",
                "ln2.weight", "ln2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias",
            ])
        #expect(block.parameterCount == 2 * 8 + (4 * 12 + 12) + (4 * 4 + 4) + (4 * 6 + 6) + (6 * 4 + 4))
        let x = uniform([2, 3, 4], g)
        GradientCheck().check(block.parameters) { block.forward(x, causal: true) }
        checkGradients([x]) { block.forward($0[0], causal: true) }
    }

    @Test func sinusoidalPositions() {
        let encoding = SinusoidalPositionalEncoding(5, 4)
        #expect(encoding.parameterCount == 0 && encoding.stateDict.isEmpty)
        let y = encoding(Tensor(integers: [0, 1, 3]))
        #expect(y.shape == [3, 4])
        // Position 0 is (0, 1, 0, 1); position p has sin and cos of p and of p/100 (10000^(2/4) = 100).
        let expected: [Float] =
            [0, 1, 0, 1] + [1.0, 0.01].flatMap { [Float(sin($0)), Float(cos($0))] }
            + [3.0, 0.03].flatMap { [Float(sin($0)), Float(cos($0))] }
        #expect(close(y.scalars, expected, 1e-7))
    }
}
