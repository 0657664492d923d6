// Sub-pixel rearrangement (Shi et al. 2016, ESPCN), PyTorch's layout: channel c·r² + i·r + j of
// pixel (h, w) becomes channel c of pixel (h·r + i, w·r + j). Both directions are a reshape, a
// permutation and a reshape, so their gradients come from the views': each is the other's adjoint.

/// Moves r² channels into an r×r block of pixels, as PyTorch's `F.pixel_shuffle`: a convolution
/// with C·r² output channels followed by this upsamples by r.
///
/// Shapes: [*, C·r², H, W] → [*, C, H·r, W·r].
public func pixelShuffle(_ input: Tensor, upscaleFactor r: Int) -> Tensor {
    precondition(r > 0, "pixelShuffle: upscaleFactor \(r) must be positive (input shape \(input.shape))")
    precondition(
        input.rank >= 3 && input.shape[input.rank - 3] % (r * r) == 0,
        "pixelShuffle: input shape \(input.shape) must be [*, C·r², H, W] with channels a multiple of upscaleFactor² = \(r * r)")
    let batch = Array(input.shape.dropLast(3)), b = batch.count
    let channels = input.shape[b] / (r * r), height = input.shape[b + 1], width = input.shape[b + 2]
    let blocks = input.reshaped(batch + [channels, r, r, height, width])
    return blocks.permuted(Array(0..<b) + [b, b + 3, b + 1, b + 4, b + 2]).reshaped(batch + [channels, height * r, width * r])
}

/// Moves each r×r block of pixels into r² channels, as PyTorch's `F.pixel_unshuffle`: the inverse
/// of `pixelShuffle`.
///
/// Shapes: [*, C, H·r, W·r] → [*, C·r², H, W].
public func pixelUnshuffle(_ input: Tensor, downscaleFactor r: Int) -> Tensor {
    precondition(r > 0, "pixelUnshuffle: downscaleFactor \(r) must be positive (input shape \(input.shape))")
    precondition(
        input.rank >= 3 && input.shape[input.rank - 2] % r == 0 && input.shape[input.rank - 1] % r == 0,
        "pixelUnshuffle: input shape \(input.shape) must be [*, C, H·r, W·r] with height and width multiples of downscaleFactor \(r)")
    let batch = Array(input.shape.dropLast(3)), b = batch.count
    let channels = input.shape[b], height = input.shape[b + 1] / r, width = input.shape[b + 2] / r
    let blocks = input.reshaped(batch + [channels, height, r, width, r])
    return blocks.permuted(Array(0..<b) + [b, b + 2, b + 4, b + 1, b + 3]).reshaped(batch + [channels * r * r, height, width])
}
