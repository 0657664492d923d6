import MyelinNN
import MyelinTensor

/// How a PixelCNN recomputes its logits between two pixels of a sample.
public enum PixelCNNSampling: String, Sendable, CaseIterable {
    /// Only the row being drawn, in every layer: each masked convolution keeps its input of the
    /// rows already fixed and convolves the row's neighbourhood alone; everything else works pixel
    /// by pixel. A pixel costs 1/H of a forward pass (with H = 28, the whole image 28 passes).
    case changedRow
    /// The whole network on the whole image at every pixel (H·W passes): the reference.
    case wholeImage
}

extension PixelCNN {
    /// `count` images of `height`×`width` drawn pixel by pixel in raster order, each pixel 1 with
    /// the probability the model gives it after the ones drawn before it: [count, 1, height, width].
    public func sample(
        count: Int, height: Int = 28, width: Int = 28, generator: RandomGenerator, sampling: PixelCNNSampling = .changedRow
    ) -> Tensor {
        complete(Tensor.zeros([count, 1, height, width]), fromRow: 0, generator: generator, sampling: sampling)
    }

    /// `images` [N, 1, H, W] with rows `fromRow` and below drawn anew given the rows above them
    /// (completing occluded images), as `sample` draws them. The images are not changed.
    public func complete(
        _ images: Tensor, fromRow firstRow: Int, generator: RandomGenerator, sampling: PixelCNNSampling = .changedRow
    ) -> Tensor {
        precondition(
            images.rank == 4 && images.shape[1] == 1 && (0...images.shape[2]).contains(firstRow),
            "PixelCNN.complete: images must be [N, 1, H, W] and the first row drawn 0…H, got shape \(images.shape) and row \(firstRow)")
        let canvas = images.contiguousCopy()
        let (count, height, width) = (canvas.shape[0], canvas.shape[2], canvas.shape[3])
        evaluating {
            // Every masked convolution's input over the whole image, so the rows above `firstRow` are in
            // place. The first layer's is the canvas itself, so a pixel is in it as soon as it is drawn: the
            // last pixel of a row reaches the rows below through it alone (nothing of its own row depends on it).
            var inputs = [ObjectIdentifier: Tensor]()
            if sampling == .changedRow {
                _ = logits(canvas) { layer, x in
                    inputs[ObjectIdentifier(layer)] = layer === input ? canvas : x.contiguousCopy()
                    return layer(x)
                }
            }
            for row in firstRow..<height {
                for column in 0..<width {
                    let rowLogits: Tensor  // [N, 1, 1, W]
                    switch sampling {
                    case .changedRow:
                        rowLogits = logits(canvas.narrowed(axis: 2, start: row, length: 1)) { layer, x in
                            let layerInput = inputs[ObjectIdentifier(layer)]!
                            if layerInput !== canvas { layerInput.narrowed(axis: 2, start: row, length: 1).assign(x) }
                            return layer.forward(row: row, of: layerInput)
                        }
                    case .wholeImage:
                        rowLogits = forward(canvas).narrowed(axis: 2, start: row, length: 1)
                    }
                    let probabilities = rowLogits.narrowed(axis: 3, start: column, length: 1).sigmoid().contiguous().scalars
                    let pixels = probabilities.map { generator.uniform() < $0 ? Float(1) : 0 }
                    canvas.narrowed(axis: 2, start: row, length: 1).narrowed(axis: 3, start: column, length: 1)
                        .assign(Tensor(shape: [count, 1, 1, 1], scalars: pixels))
                }
            }
        }
        return canvas
    }
}
