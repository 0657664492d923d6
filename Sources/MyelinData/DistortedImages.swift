import Foundation
import MyelinTensor

/// The images of `base` each placed on a larger black canvas, turned, scaled and moved at random:
/// the distorted MNIST of the spatial transformer paper (Jaderberg et al. 2015: rotation ±45°,
/// scale 0.7–1.2, 42×42). Every example's placement is drawn once, in order, from `seed`, so
/// example i is the same image in every run; the pictures are made batch by batch (`affineGrid`,
/// then bilinear `gridSample`), so no second copy of the data is kept.
///
/// An image of side S scaled by s fits the canvas of side C with (C − s·S)/2 pixels to spare on
/// each side; the translation is drawn within that, so the scaled frame, unturned, stays on the canvas.
///
/// Examples: input [channels, C, C] float32, the base's label. Batches: [B, channels, C, C] and [B, …].
public struct DistortedImages<Base: Dataset>: Dataset {
    /// How one image is placed: turned by `rotation` radians (clockwise on the screen, y pointing
    /// down), scaled by `scale` about its centre, and its centre moved `translation` pixels (x, y)
    /// from the canvas's.
    public struct Placement: Equatable, Sendable {
        public var rotation: Float
        public var scale: Float
        public var translation: (x: Float, y: Float)

        public static func == (a: Placement, b: Placement) -> Bool {
            a.rotation == b.rotation && a.scale == b.scale && a.translation == b.translation
        }
    }

    public let base: Base
    public let canvasSide: Int
    /// The largest turn either way, in degrees.
    public let maxRotation: Float
    public let scales: ClosedRange<Float>
    public let seed: UInt64
    /// The side of the base's (square) images.
    public let imageSide: Int
    private let placements: [Placement]

    public init(
        _ base: Base, canvasSide: Int = 42, maxRotation: Float = 45, scales: ClosedRange<Float> = 0.7...1.2, seed: UInt64
    ) {
        precondition(base.count > 0, "DistortedImages: the base data set is empty")
        let shape = base.example(at: 0).input.shape
        precondition(
            shape.count == 3 && shape[1] == shape[2],
            "DistortedImages: images must be square [C, S, S], got shape \(shape)")
        precondition(
            maxRotation >= 0 && maxRotation.isFinite && scales.lowerBound > 0 && scales.upperBound.isFinite,
            "DistortedImages: needs maxRotation ≥ 0 and positive scales, got \(maxRotation) and \(scales)")
        precondition(
            Float(canvasSide) >= scales.upperBound * Float(shape[1]),
            "DistortedImages: a canvas of \(canvasSide) cannot hold images of side \(shape[1]) scaled by \(scales.upperBound)")
        self.base = base
        self.canvasSide = canvasSide
        self.maxRotation = maxRotation
        self.scales = scales
        self.seed = seed
        imageSide = shape[1]
        let random = RandomGenerator(seed: seed)
        let maxRadians = maxRotation * .pi / 180
        placements = (0..<base.count).map { _ in
            let rotation = random.uniform(-maxRadians, maxRadians)
            let scale = random.uniform(scales.lowerBound, scales.upperBound)
            let room = (Float(canvasSide) - scale * Float(shape[1])) / 2
            return Placement(rotation: rotation, scale: scale, translation: (random.uniform(-room, room), random.uniform(-room, room)))
        }
    }

    public var count: Int { base.count }

    /// Where example `index`'s image goes on its canvas.
    public func placement(at index: Int) -> Placement { placements[index] }

    public func example(at index: Int) -> (input: Tensor, label: Tensor) {
        let batch = batch(at: [index])
        return (batch.inputs[0], batch.labels[0])
    }

    public func batch(at indices: [Int]) -> (inputs: Tensor, labels: Tensor) {
        let (images, labels) = base.batch(at: indices)
        let size = [indices.count, images.shape[1], canvasSide, canvasSide]
        let theta = Tensor(shape: [indices.count, 2, 3], scalars: indices.flatMap { sourceMatrix(placements[$0]) })
        let canvases = withoutGrad { gridSample(images, grid: affineGrid(theta: theta, size: size)) }
        return (canvases, labels)
    }

    /// The affine map from a canvas point to the image point it shows, both in `affineGrid`'s
    /// coordinates (−1…1 across each): a canvas point p pixels from the centre shows the image point
    /// R(−rotation)(p − translation) / scale pixels from the image's centre.
    private func sourceMatrix(_ placement: Placement) -> [Float] {
        let (c, s) = (cos(placement.rotation), sin(placement.rotation))
        let halfImage = Float(imageSide) / 2, halfCanvas = Float(canvasSide) / 2
        let k = halfCanvas / (placement.scale * halfImage), shift = 1 / (placement.scale * halfImage)
        let (tx, ty) = placement.translation
        return [k * c, k * s, -shift * (c * tx + s * ty), -k * s, k * c, -shift * (-s * tx + c * ty)]
    }
}
