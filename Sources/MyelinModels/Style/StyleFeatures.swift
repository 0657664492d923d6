import MyelinTensor

/// What neural style transfer sees a picture with: a network's feature maps at a few layers, whose
/// Gram matrices stand for the style and one of which stands for the content. `VGG16StyleFeatures`
/// (Gatys et al.'s choice, with torchvision's trained weights) and `RandomMultiscaleFeatures` (random
/// filters, which need no weights) are the two kinds.
public protocol StyleFeatures: AnyObject {
    /// Which features these are, in words, for the user and for results.json: the network, where its
    /// weights came from, the layers.
    var summary: String { get }
    /// The names of the layers whose Gram matrices make the style, shallowest first.
    var styleLayers: [String] { get }
    /// The name of the layer whose maps make the content.
    var contentLayer: String { get }
    /// The smallest height and width a picture may have (the network's deepest layer must still see a pixel).
    var smallestSide: Int { get }
    /// The maps of `styleLayers` and of `contentLayer` for pictures with values in [0, 1].
    ///
    /// Shapes: [N, 3, H, W] → style maps [N, Cₗ, Hₗ, Wₗ] per layer, content [N, C, H', W'].
    func features(of images: Tensor) -> StyleFeatureMaps
}

/// A picture's feature maps as `StyleFeatures` gives them.
public struct StyleFeatureMaps {
    /// One map per style layer, shallowest first.
    public var style: [Tensor]
    public var content: Tensor

    public init(style: [Tensor], content: Tensor) {
        self.style = style
        self.content = content
    }
}
