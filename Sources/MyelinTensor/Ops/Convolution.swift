import CMyelinKernels

// 2-D convolution and its transpose, NCHW as PyTorch. The work is done by the C kernels in
// CMyelinKernels/convolution.c (im2col + SGEMM, split over the thread pool), or winograd.c for 3×3
// convolutions of stride 1 with many channels (see ConvolutionAlgorithm); this file
// checks shapes and records the gradients. A transposed convolution is the input gradient of a
// convolution, so the two kernels — forward, and backward (input, weight and bias gradients) —
// serve both.

/// Cross-correlation of `input` with `weight`, as PyTorch's `conv2d`, then `activation`.
///
/// Shapes: input [N, Cin, H, W] (or [Cin, H, W]), weight [Cout, Cin/groups, kH, kW], bias [Cout]
/// → [N, Cout, OH, OW] with OH = (H + 2·padding − dilation·(kH − 1) − 1) / stride + 1.
public func conv2d(
    _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Size2D = 1, padding: Size2D = 0,
    dilation: Size2D = 1, groups: Int = 1, activation: FusedActivation = .none
) -> Tensor {
    let batched = input.rank == 3 ? input.unsqueezed(axis: 0) : input
    precondition(batched.rank == 4, "conv2d: input must be [N, C, H, W] or [C, H, W], got shape \(input.shape)")
    let kernel = ConvolutionKernel("conv2d", weight: weight, groups: groups)
    checkBias("conv2d", bias, channels: kernel.outChannels, weight: weight)
    let s = batched.shape
    precondition(
        s[1] == kernel.inChannels,
        "conv2d: input shape \(input.shape) has \(s[1]) channels but weight shape \(weight.shape) with groups \(groups) expects \(kernel.inChannels)"
    )
    // Checked before the output size, which divides by the stride.
    checkSpacing("conv2d", stride: stride, padding: padding, dilation: dilation)
    let outHeight = convolvedSize(s[2], weight.shape[2], stride.height, padding.height, dilation.height)
    let outWidth = convolvedSize(s[3], weight.shape[3], stride.width, padding.width, dilation.width)
    precondition(
        outHeight > 0 && outWidth > 0,
        "conv2d: kernel \(weight.shape[2])×\(weight.shape[3]) (dilation \(dilation)) does not fit input shape \(input.shape) with padding \(padding)"
    )
    var geometry = kernel.geometry(
        batch: s[0], inputSize: (s[2], s[3]), outputSize: (outHeight, outWidth),
        stride: stride, padding: padding, dilation: dilation)

    let x = batched.denseData(for: "conv2d"), w = weight.denseData(for: "conv2d"), b = bias?.denseData(for: "conv2d")
    let y = Tensor(empty: [s[0], kernel.outChannels, outHeight, outWidth])
    myelin_conv2d_forward(
        &geometry, x.floatPointer, w.floatPointer, b?.floatPointer, y.storage.floats,
        activation.kernelValue)
    let yd = y.detached()
    let result = differentiable("conv2d", [batched, weight, bias], result: y) { g in
        let (dx, dw, db) = kernel.backward(
            &geometry, input: x, weight: w, gradOutput: g.denseData(for: "conv2d"),
            reluOutput: activation == .relu ? yd : nil,
            inputGradientShape: batched.requiresGrad ? x.shape : nil,
            weightGradient: weight.requiresGrad, biasGradient: bias?.requiresGrad == true)
        return [dx, dw, db]
    }
    return input.rank == 3 ? result.squeezed(axis: 0) : result
}

/// The transpose (adjoint) of `conv2d`, as PyTorch's `conv_transpose2d`: each input pixel scatters
/// a weighted copy of the kernel into the output. Upsamples by `stride`.
///
/// Shapes: input [N, Cin, H, W] (or [Cin, H, W]), weight [Cin, Cout/groups, kH, kW], bias [Cout]
/// → [N, Cout, OH, OW] with OH = (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1.
public func convTranspose2d(
    _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Size2D = 1,
    padding: Size2D = 0, outputPadding: Size2D = 0, dilation: Size2D = 1,
    groups: Int = 1
) -> Tensor {
    let batched = input.rank == 3 ? input.unsqueezed(axis: 0) : input
    precondition(batched.rank == 4, "convTranspose2d: input must be [N, C, H, W] or [C, H, W], got shape \(input.shape)")
    let kernel = ConvolutionKernel("convTranspose2d", weight: weight, groups: groups)
    checkBias("convTranspose2d", bias, channels: kernel.inChannels, weight: weight)
    let s = batched.shape
    precondition(
        s[1] == weight.shape[0],
        "convTranspose2d: input shape \(input.shape) has \(s[1]) channels but weight shape \(weight.shape) expects \(weight.shape[0])")
    checkSpacing("convTranspose2d", stride: stride, padding: padding, dilation: dilation)
    precondition(
        outputPadding.height >= 0 && outputPadding.width >= 0 && outputPadding.height < Swift.max(stride.height, dilation.height)
            && outputPadding.width < Swift.max(stride.width, dilation.width),
        "convTranspose2d: output padding \(outputPadding) must be smaller than the stride \(stride) or the dilation \(dilation)")
    let outHeight = (s[2] - 1) * stride.height - 2 * padding.height + dilation.height * (weight.shape[2] - 1) + outputPadding.height + 1
    let outWidth = (s[3] - 1) * stride.width - 2 * padding.width + dilation.width * (weight.shape[3] - 1) + outputPadding.width + 1
    precondition(
        outHeight > 0 && outWidth > 0,
        "convTranspose2d: padding \(padding) leaves no output for input shape \(input.shape) and weight shape \(weight.shape)")
    let outChannels = kernel.inChannels
    var geometry = kernel.geometry(
        batch: s[0], inputSize: (outHeight, outWidth), outputSize: (s[2], s[3]),
        stride: stride, padding: padding, dilation: dilation)

    let x = batched.denseData(for: "convTranspose2d"), w = weight.denseData(for: "convTranspose2d")
    let y = kernel.backward(
        &geometry, input: nil, weight: w, gradOutput: x,
        inputGradientShape: [s[0], outChannels, outHeight, outWidth]
    ).input!
    if let bias {
        // Named, and kept alive across the loop: a strided bias's dense copy would otherwise be freed
        // as soon as its pointer was taken.
        let dense = bias.denseData(for: "convTranspose2d"), plane = outHeight * outWidth
        withExtendedLifetime(dense) {
            let b = dense.floatPointer
            parallelFor(s[0] * outChannels, grain: Swift.max(1, 16_384 / Swift.max(plane, 1))) { begin, end in
                for image in begin..<end {
                    let row = y.storage.floats + image * plane, value = b[image % outChannels]
                    for p in 0..<plane { row[p] += value }
                }
            }
        }
    }
    let result = differentiable("convTranspose2d", [batched, weight, bias], result: y) { g in
        let gy = g.denseData(for: "convTranspose2d")
        var dx: Tensor?
        if batched.requiresGrad {
            dx = Tensor(empty: x.shape)
            myelin_conv2d_forward(
                &geometry, gy.floatPointer, w.floatPointer, nil, dx!.storage.floats,
                MYELIN_ACTIVATION_NONE)
        }
        let dw = weight.requiresGrad ? kernel.backward(&geometry, input: gy, weight: nil, gradOutput: x, weightGradient: true).weight : nil
        let db = bias?.requiresGrad == true ? gy.sum(axes: [0, 2, 3]) : nil
        return [dx, dw, db]
    }
    return input.rank == 3 ? result.squeezed(axis: 0) : result
}

private func checkSpacing(_ op: String, stride: Size2D, padding: Size2D, dilation: Size2D) {
    precondition(
        stride.height > 0 && stride.width > 0 && dilation.height > 0 && dilation.width > 0 && padding.height >= 0 && padding.width >= 0,
        "\(op): stride \(stride) and dilation \(dilation) must be positive and padding \(padding) not negative")
}

private func checkBias(_ op: String, _ bias: Tensor?, channels: Int, weight: Tensor) {
    guard let bias else { return }
    precondition(
        bias.shape == [channels], "\(op): bias shape \(bias.shape) does not match weight shape \(weight.shape) (expected [\(channels)])")
}

/// Output length of a convolution along one dimension.
func convolvedSize(_ size: Int, _ kernel: Int, _ stride: Int, _ padding: Int, _ dilation: Int) -> Int {
    let span = size + 2 * padding - dilation * (kernel - 1) - 1
    return span < 0 ? 0 : span / stride + 1
}

/// A checked convolution weight [Cout, Cin/groups, kH, kW] and the calls into the C kernels that
/// both `conv2d` and `convTranspose2d` make (for a transposed convolution, those of the convolution
/// it transposes: its weight [Cin, Cout/groups, kH, kW] has the same layout seen from there).
struct ConvolutionKernel {
    let weightShape: [Int]
    let groups: Int
    var outChannels: Int { weightShape[0] }
    var inChannels: Int { weightShape[1] * groups }

    init(_ op: String, weight: Tensor, groups: Int) {
        precondition(
            weight.rank == 4 && weight.dtype == .float32,
            "\(op): weight must be 4-D float32, got shape \(weight.shape) of \(weight.dtype)")
        precondition(
            groups > 0 && weight.shape[0] % groups == 0,
            "\(op): weight shape \(weight.shape) does not split into \(groups) groups")
        self.init(weightShape: weight.shape, groups: groups)
    }

    init(weightShape: [Int], groups: Int) {
        self.weightShape = weightShape
        self.groups = groups
    }

    /// The C geometry of the convolution.
    func geometry(
        batch: Int, inputSize: (Int, Int), outputSize: (Int, Int), stride: Size2D, padding: Size2D,
        dilation: Size2D
    ) -> myelin_conv2d_shape {
        myelin_conv2d_shape(
            batch: Int64(batch), in_channels: Int64(inChannels), in_height: Int64(inputSize.0), in_width: Int64(inputSize.1),
            out_channels: Int64(outChannels), out_height: Int64(outputSize.0), out_width: Int64(outputSize.1),
            kernel_height: Int64(weightShape[2]), kernel_width: Int64(weightShape[3]),
            stride_height: Int64(stride.height), stride_width: Int64(stride.width),
            padding_height: Int64(padding.height), padding_width: Int64(padding.width),
            dilation_height: Int64(dilation.height), dilation_width: Int64(dilation.width), groups: Int64(groups))
    }

    /// The gradients a backward pass asks for, from dense tensors: of the input (of
    /// `inputGradientShape`; needs `weight`), of the weight and of the bias (need `input`). With
    /// `reluOutput`, the forward output of a fused ReLU, `gradOutput` is first masked by it.
    func backward(
        _ geometry: inout myelin_conv2d_shape, input: Tensor?, weight: Tensor?, gradOutput: Tensor,
        reluOutput: Tensor? = nil, inputGradientShape: [Int]? = nil, weightGradient: Bool = false,
        biasGradient: Bool = false
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let dx = inputGradientShape.map { Tensor(empty: $0) }
        let dw = weightGradient ? Tensor(empty: weightShape) : nil
        let db = biasGradient ? Tensor(empty: [outChannels]) : nil
        myelin_conv2d_backward(
            &geometry, input?.floatPointer, weight?.floatPointer, gradOutput.floatPointer,
            reluOutput?.floatPointer, dx?.storage.floats, dw?.storage.floats, db?.storage.floats)
        return (dx, dw, db)
    }
}

extension Tensor {
    /// This tensor's values as a dense float32 tensor (itself when already dense), for the C kernels
    /// and the pooling loops; `op` names the caller in the message for any other dtype.
    func denseData(for op: String) -> Tensor {
        precondition(dtype == .float32, "\(op): expected a float32 tensor, got \(dtype) of shape \(shape)")
        return isContiguous ? self : contiguousCopy()
    }
}
