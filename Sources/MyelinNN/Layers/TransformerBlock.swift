/// A pre-LN transformer block (GPT-2, as in the char-transformer benchmark): x + attention(ln1(x)), then that + fc2(GELU(fc1(ln2(·)))).
///
/// Shapes: [B, T, embedDim] → the same. The state dict is that of the benchmark's PyTorch `Block`, which holds
/// the attention's projections itself: `ln1`, `qkv`, `proj`, `ln2`, `fc1`, `fc2` (each `.weight`,
/// `.bias`). GELU is the exact (erf) one.
public final class TransformerBlock: Module {
    public let ln1: LayerNorm
    public let attention: MultiheadAttention
    public let ln2: LayerNorm
    public let fc1: Linear
    public let fc2: Linear

    public init(embedDim: Int, heads: Int, feedForward: Int, generator: RandomGenerator = .global) {
        ln1 = LayerNorm(embedDim)
        attention = MultiheadAttention(embedDim: embedDim, heads: heads, generator: generator)
        ln2 = LayerNorm(embedDim)
        fc1 = Linear(embedDim, feedForward, generator: generator)
        fc2 = Linear(feedForward, embedDim, generator: generator)
    }

    // The benchmark's names: the attention's qkv and proj sit directly in the block.
    public override var namedChildren: [(String, Module)] {
        [("ln1", ln1)] + attention.namedChildren + [("ln2", ln2), ("fc1", fc1), ("fc2", fc2)]
    }

    /// The block with attention over every position.
    public override func forward(_ input: Tensor) -> Tensor { forward(input, causal: false) }

    /// The block; with `causal`, position i attends to positions 0…i only (a language model).
    public func forward(_ input: Tensor, causal: Bool, keyPaddingMask: Tensor? = nil) -> Tensor {
        let x = input + attention.forward(ln1(input), causal: causal, keyPaddingMask: keyPaddingMask)
        // fc2(GELU(fc1(·))) as one op, whose backward pass multiplies by GELU's slope in a GEMM's epilogue.
        return x + feedForward(ln2(x), weight1: fc1.weight, bias1: fc1.bias, weight2: fc2.weight, bias2: fc2.bias)
    }
}
