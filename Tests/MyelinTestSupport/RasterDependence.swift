import MyelinTensor

/// For each pixel (r, c) of `output(input)` [1, C, H, W]: the gradient of its channels' sum with
/// respect to `input` [1, Ci, H, W], summed over the input channels' absolute values: [H·W] per pixel.
public func inputDependence(of output: (Tensor) -> Tensor, on input: Tensor) -> [[Float]] {
    let (height, width) = (input.shape[2], input.shape[3])
    return (0..<(height * width)).map { pixel in
        let slope = gradient(at: input) { x in
            output(x).narrowed(axis: 2, start: pixel / width, length: 1).narrowed(axis: 3, start: pixel % width, length: 1).sum()
        }
        return slope.abs().sum(axis: 1).flattened().scalars
    }
}
