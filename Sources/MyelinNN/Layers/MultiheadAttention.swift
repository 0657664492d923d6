/// Multi-head self-attention with one fused input projection: qkv = x·W_qkvᵀ + b holds every
/// position's query, key and value (in that order), each split into `heads` heads; the heads attend
/// (scaled dot product, one fused kernel) and `proj` mixes their outputs.
///
/// Shapes: input [B, T, embedDim] → [B, T, embedDim]; keyPaddingMask bool [B, T], true where a
/// position is padding. State-dict names are nanoGPT's and the char-transformer benchmark's (`qkv.weight` [3·embedDim, embedDim],
/// `proj.weight`), or with `names: .pytorch` those of PyTorch's `nn.MultiheadAttention`
/// (`in_proj_weight`, `in_proj_bias`, `out_proj.weight`, `out_proj.bias`), which packs q, k, v the
/// same way. Initialised as two PyTorch `Linear` layers.
public final class MultiheadAttention: Module {
    /// How the parameters are named in the state dict.
    public enum ParameterNames: Sendable {
        /// `qkv.weight`, `qkv.bias`, `proj.weight`, `proj.bias`.
        case fused
        /// `in_proj_weight`, `in_proj_bias`, `out_proj.weight`, `out_proj.bias`.
        case pytorch
    }

    public let qkv: Linear
    public let proj: Linear
    public let heads: Int
    public let names: ParameterNames

    public init(
        embedDim: Int, heads: Int, bias: Bool = true, names: ParameterNames = .fused,
        generator: RandomGenerator = .global
    ) {
        precondition(
            embedDim > 0 && heads > 0 && embedDim % heads == 0,
            "MultiheadAttention: embedDim \(embedDim) must be a positive multiple of heads (\(heads))")
        qkv = Linear(embedDim, 3 * embedDim, bias: bias, generator: generator)
        proj = Linear(embedDim, embedDim, bias: bias, generator: generator)
        self.heads = heads
        self.names = names
    }

    public var embedDim: Int { proj.outFeatures }

    public override var namedChildren: [(String, Module)] {
        names == .fused ? [("qkv", qkv), ("proj", proj)] : [("out_proj", proj)]
    }

    public override var ownParameters: [(String, Tensor)] {
        guard names == .pytorch else { return [] }
        return [("in_proj_weight", qkv.weight)] + (qkv.bias.map { [("in_proj_bias", $0)] } ?? [])
    }

    /// Attention where every position sees every other.
    public override func forward(_ input: Tensor) -> Tensor { forward(input, causal: false) }

    /// Attention where, with `causal`, position i sees positions 0…i only, and no position sees the
    /// padding that `keyPaddingMask` marks.
    public func forward(_ input: Tensor, causal: Bool, keyPaddingMask: Tensor? = nil) -> Tensor {
        precondition(
            input.rank == 3 && input.shape[2] == embedDim,
            "MultiheadAttention: input shape \(input.shape) is not [batch, steps, \(embedDim)]")
        return proj(
            scaledDotProductAttention(
                packed: qkv(input), heads: heads, causal: causal,
                keyPaddingMask: keyPaddingMask))
    }
}
