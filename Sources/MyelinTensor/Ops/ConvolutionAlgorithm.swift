import CMyelinKernels

/// How `conv2d` (and its gradients) computes a convolution.
///
/// - `gemm`: the input is lowered to columns (im2col) and multiplied by the weight with the SGEMM.
///   Any shape.
/// - `winograd`: Winograd's minimal filtering F(2×2, 3×3), for 3×3 kernels of stride 1 (no
///   dilation, one group, padding at most 2): 16 multiply-adds for every 36, plus transforms that
///   cost about as much as reading the input and writing the output four times over. Results differ
///   from the SGEMM's by rounding only (about 1e-6 relative).
/// - `automatic` (the default): Winograd where it is faster — many channels and enough 2×2 tiles,
///   as in ResNet's and VGG's 3×3 layers — else the SGEMM.
///
/// The environment variable `MYELIN_CONV` (`gemm`, `winograd` or `automatic`) sets the whole
/// process's choice, as `MYELIN_CPU` sets its kernel path; any other value stops the process with a
/// message naming it. `with(_:_:)` overrides it on one thread.
///
/// ```swift
/// ConvolutionAlgorithm.with(.gemm) { model(images) }   // this thread's convolutions through the SGEMM
/// ```
public enum ConvolutionAlgorithm: String, CaseIterable, Sendable, CustomStringConvertible {
    case automatic, gemm, winograd

    /// Runs `body` with the convolutions it calls on this thread (forward and backward) computed by
    /// `algorithm` where the shape allows it (`automatic`: as `MYELIN_CONV` says, else by shape),
    /// then puts the previous setting back.
    public static func with<Result>(_ algorithm: ConvolutionAlgorithm, _ body: () throws -> Result) rethrows -> Result {
        let previous = myelin_conv2d_set_algorithm(algorithm.kernelValue)
        defer { myelin_conv2d_set_algorithm(previous) }
        return try body()
    }

    /// The algorithm (`gemm` or `winograd`) that `conv2d` of an input of `inputShape` [N, C, H, W]
    /// with a weight of `weightShape` runs with when called from this thread.
    public static func chosen(
        inputShape: [Int], weightShape: [Int], stride: Size2D = 1, padding: Size2D = 0, dilation: Size2D = 1,
        groups: Int = 1
    ) -> ConvolutionAlgorithm {
        precondition(
            inputShape.count == 4 && weightShape.count == 4,
            "ConvolutionAlgorithm.chosen: input shape \(inputShape) and weight shape \(weightShape) must both be 4-D")
        var shape = ConvolutionKernel(weightShape: weightShape, groups: groups).geometry(
            batch: inputShape[0], inputSize: (inputShape[2], inputShape[3]),
            outputSize: (
                convolvedSize(inputShape[2], weightShape[2], stride.height, padding.height, dilation.height),
                convolvedSize(inputShape[3], weightShape[3], stride.width, padding.width, dilation.width)
            ),
            stride: stride, padding: padding, dilation: dilation)
        return ConvolutionAlgorithm(myelin_conv2d_algorithm_for(&shape))
    }

    public var description: String { rawValue }

    var kernelValue: myelin_conv2d_algorithm {
        switch self {
        case .automatic: MYELIN_CONV2D_AUTOMATIC
        case .gemm: MYELIN_CONV2D_GEMM
        case .winograd: MYELIN_CONV2D_WINOGRAD
        }
    }

    init(_ algorithm: myelin_conv2d_algorithm) {
        switch algorithm {
        case MYELIN_CONV2D_WINOGRAD: self = .winograd
        case MYELIN_CONV2D_GEMM: self = .gemm
        default: self = .automatic
        }
    }
}
