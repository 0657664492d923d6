import MyelinTensor

// The three losses of neural style transfer (Gatys, Ecker and Bethge 2015/2016): style as the
// correlations between feature maps, content as the feature maps themselves, and a smoothness prior.

/// The Gram matrix of feature maps: G[n, i, j] = Σₚ F[n, i, p]·F[n, j, p] / P over the P = H·W
/// positions, the correlation of channels i and j averaged over the picture. Dividing by P makes
/// it independent of the picture's size, so a style shown at one size applies at another.
///
/// Shapes: [N, C, H, W] → [N, C, C].
public func gramMatrix(_ features: Tensor) -> Tensor {
    precondition(features.rank == 4, "gramMatrix: features must be [N, C, H, W], got \(features.shape)")
    let (n, c, positions) = (features.shape[0], features.shape[1], features.shape[2] * features.shape[3])
    let flat = features.reshaped([n, c, positions])
    return matmul(flat, flat.transposed(1, 2)) / Float(positions)
}

/// The style loss of one layer: the mean squared difference between the Gram matrices of
/// `features` and the style's (`targetGram`, computed once). Zero when the picture has the
/// style's channel correlations, wherever in the picture its features lie.
///
/// Shapes: features [N, C, H, W], targetGram [N, C, C] or [1, C, C] → a scalar.
public func styleLoss(_ features: Tensor, targetGram: Tensor) -> Tensor {
    (gramMatrix(features) - targetGram).square().mean()
}

/// The content loss of one layer: the mean squared difference between the feature maps.
///
/// Shapes: features and target [N, C, H, W] → a scalar.
public func contentLoss(_ features: Tensor, target: Tensor) -> Tensor {
    precondition(features.shape == target.shape, "contentLoss: features \(features.shape) and target \(target.shape) differ")
    return (features - target).square().mean()
}

/// Total variation, the squared form (Mahendran and Vedaldi's β = 2): the mean squared difference
/// between vertically adjacent pixels plus that between horizontally adjacent ones. It keeps the
/// optimised picture from the high-frequency noise the features cannot see; squared rather than
/// absolute, so that it is smooth everywhere, as L-BFGS's line search wants.
///
/// Shapes: [N, C, H, W] with H, W ≥ 2 → a scalar.
public func totalVariationLoss(_ images: Tensor) -> Tensor {
    precondition(
        images.rank == 4 && images.shape[2] >= 2 && images.shape[3] >= 2,
        "totalVariationLoss: images must be [N, C, H, W] with H, W ≥ 2, got \(images.shape)")
    let (h, w) = (images.shape[2], images.shape[3])
    let vertical = images.narrowed(axis: 2, start: 1, length: h - 1) - images.narrowed(axis: 2, start: 0, length: h - 1)
    let horizontal = images.narrowed(axis: 3, start: 1, length: w - 1) - images.narrowed(axis: 3, start: 0, length: w - 1)
    return vertical.square().mean() + horizontal.square().mean()
}
