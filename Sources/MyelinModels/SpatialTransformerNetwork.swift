import MyelinNN
import MyelinTensor

/// A spatial transformer network (Jaderberg et al. 2015) for digits on a square canvas: a
/// localisation network looks at the image and predicts an affine map (starting at the identity),
/// the `SpatialTransformer` resamples the image through it — turning, zooming and centring the
/// digit as the loss prefers — and a small ConvNet, `convNet`, classifies what comes out.
///
/// ```
/// localisation: 1×S×S → Conv 7×7 → 8 → MaxPool 2 → Conv 5×5 → 10 → MaxPool 2 → Linear 32 → Linear 6 (θ)
/// classifier:   1×S×S → Conv 5×5 → 16 → MaxPool 2 → Conv 5×5 → 32 → MaxPool 2 → Linear 64 → Linear classes
/// ```
/// (ReLU after every convolution, fused into it, and after each hidden linear layer.)
///
/// Shapes: [N, 1, S, S] → logits [N, classes]; `rectify` gives the transformed images [N, 1, S, S].
/// State-dict names: `transformer.localization.0.weight`, …, `classifier.6.bias`.
public final class SpatialTransformerNetwork: Module {
    public let side: Int
    public let transformer: SpatialTransformer
    public let classifier: Sequential

    /// The classifier's weights come from `generator` — so `convNet(side:classes:generator:)` with
    /// a generator of the same seed makes the very same ConvNet without the transformer — and the
    /// localisation network's from `localizationGenerator`.
    public init(side: Int = 42, classes: Int = 10, generator: RandomGenerator, localizationGenerator: RandomGenerator) {
        self.side = side
        classifier = Self.convNet(side: side, classes: classes, generator: generator)
        let features = Self.featureSide(side, kernels: (7, 5))
        precondition(features > 0, "SpatialTransformerNetwork: images of side \(side) are too small for the localisation network")
        transformer = SpatialTransformer(
            localization: Sequential {
                Conv2d(1, 8, kernelSize: 7, generator: localizationGenerator); ReLU(); MaxPool2d(2)
                Conv2d(8, 10, kernelSize: 5, generator: localizationGenerator); ReLU(); MaxPool2d(2)
                Flatten()
                Linear(10 * features * features, 32, generator: localizationGenerator); ReLU()
                // Zero weights and the identity as bias: training starts from the image as it is.
                SpatialTransformer.identityHead(inFeatures: 32)
            })
    }

    /// The ConvNet that classifies the rectified images, and alone is the comparison without the
    /// transformer: [N, 1, side, side] → logits [N, classes].
    public static func convNet(side: Int = 42, classes: Int = 10, generator: RandomGenerator) -> Sequential {
        let features = featureSide(side, kernels: (5, 5))
        precondition(features > 0, "SpatialTransformerNetwork.convNet: images of side \(side) are too small")
        return Sequential {
            Conv2d(1, 16, kernelSize: 5, generator: generator); ReLU(); MaxPool2d(2)
            Conv2d(16, 32, kernelSize: 5, generator: generator); ReLU(); MaxPool2d(2)
            Flatten()
            Linear(32 * features * features, 64, generator: generator); ReLU()
            Linear(64, classes, generator: generator)
        }
    }

    /// The side after two valid convolutions of these kernels, each followed by pooling by 2.
    private static func featureSide(_ side: Int, kernels: (Int, Int)) -> Int {
        ((side - kernels.0 + 1) / 2 - kernels.1 + 1) / 2
    }

    /// The images as the classifier sees them: resampled through the predicted affine maps.
    public func rectify(_ images: Tensor) -> Tensor {
        precondition(
            images.rank == 4 && Array(images.shape.dropFirst()) == [1, side, side],
            "SpatialTransformerNetwork: images must be [N, 1, \(side), \(side)], got shape \(images.shape)")
        return transformer(images)
    }

    public override func forward(_ images: Tensor) -> Tensor { classifier(rectify(images)) }
}
