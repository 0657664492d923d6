import CMyelinKernels

// Max and average pooling over the last two dimensions of [N, C, H, W] (or [C, H, W]), PyTorch's
// semantics. Every pooling op is a window of input rows × a window of input columns per output
// pixel; `PoolingWindows` checks the arguments and lists the windows once per call. Max pooling,
// the one in every ConvNet's hot path, runs in C (CMyelinKernels/pooling.c); the averages walk the
// windows here, plane by plane over the thread pool.

/// Max pooling: each output is the largest input in its window (NaN wins, as in PyTorch). The
/// gradient goes to the position of that maximum.
///
/// Shapes: [N, C, H, W] → [N, C, OH, OW] with OH = (H + 2·padding − kernel) / stride + 1 (rounded up
/// with `ceilMode`). `stride` defaults to the kernel size; padding is at most half the kernel.
public func maxPool2d(
    _ input: Tensor, kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0,
    ceilMode: Bool = false
) -> Tensor {
    let stride = stride ?? kernelSize
    let windows = PoolingWindows(
        "maxPool2d", input, kernelSize: kernelSize, stride: stride, padding: padding,
        ceilMode: ceilMode, countIncludingPadding: false)
    var shape = myelin_pool2d_shape(
        planes: Int64(windows.planes), in_height: Int64(input.shape[input.rank - 2]), in_width: Int64(windows.inputWidth),
        out_height: Int64(windows.rows.count), out_width: Int64(windows.columns.count),
        kernel_height: Int64(kernelSize.height), kernel_width: Int64(kernelSize.width),
        stride_height: Int64(stride.height), stride_width: Int64(stride.width),
        padding_height: Int64(padding.height), padding_width: Int64(padding.width))
    let x = input.denseData(for: "maxPool2d")
    let y = Tensor(empty: windows.outputShape)
    let argmax = Tensor(empty: windows.outputShape, dtype: .int32)
    myelin_max_pool2d_forward(&shape, x.floatPointer, y.storage.floats, argmax.storage.base.assumingMemoryBound(to: Int32.self))
    return differentiable("maxPool2d", [input], result: y) { g in
        let dx = Tensor(empty: windows.inputShape)
        // Read through `argmax` here, so the closure keeps it alive as long as the graph.
        myelin_max_pool2d_backward(
            &shape, g.denseData(for: "maxPool2d").floatPointer,
            argmax.storage.base.assumingMemoryBound(to: Int32.self), dx.storage.floats)
        return [dx]
    }
}

/// Average pooling: each output is the mean of its window. With `countIncludingPadding` (PyTorch's
/// default) padded zeros count towards the mean.
///
/// Shapes: [N, C, H, W] → [N, C, OH, OW] as `maxPool2d`.
public func avgPool2d(
    _ input: Tensor, kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0,
    ceilMode: Bool = false, countIncludingPadding: Bool = true
) -> Tensor {
    averagePooling(
        "avgPool2d", input,
        PoolingWindows(
            "avgPool2d", input, kernelSize: kernelSize,
            stride: stride ?? kernelSize, padding: padding, ceilMode: ceilMode,
            countIncludingPadding: countIncludingPadding))
}

/// Adaptive average pooling to a fixed output size: output row i averages input rows
/// ⌊i·H/OH⌋ ..< ⌈(i+1)·H/OH⌉ (and likewise for columns), so any input size maps to `outputSize`.
///
/// Shapes: [N, C, H, W] → [N, C, outputSize.height, outputSize.width].
public func adaptiveAvgPool2d(_ input: Tensor, outputSize: Size2D) -> Tensor {
    averagePooling("adaptiveAvgPool2d", input, PoolingWindows("adaptiveAvgPool2d", input, outputSize: outputSize))
}

/// The mean over each window, and its gradient: each input in a window gets g / divisor.
private func averagePooling(_ op: String, _ input: Tensor, _ windows: PoolingWindows) -> Tensor {
    let x = input.denseData(for: op)
    let y = Tensor(empty: windows.outputShape)
    let source = x.floatPointer, output = y.storage.floats
    windows.forEachPlane { inPlane, outPlane in
        windows.forEachWindow { o, rows, columns, scale in
            var sum: Float = 0
            for r in rows {
                let row = source + inPlane + r * windows.inputWidth
                for c in columns { sum += row[c] }
            }
            output[outPlane + o] = sum * scale
        }
    }
    return differentiable(op, [input], result: y) { g in
        let gy = g.denseData(for: op), dx = Tensor.zeros(windows.inputShape)
        let upstream = gy.floatPointer, grad = dx.storage.floats
        windows.forEachPlane { inPlane, outPlane in
            windows.forEachWindow { o, rows, columns, scale in
                let share = upstream[outPlane + o] * scale
                for r in rows {
                    let row = grad + inPlane + r * windows.inputWidth
                    for c in columns { row[c] += share }
                }
            }
        }
        return [dx]
    }
}

/// The input window of every output row and column of a pooling op, clipped to the image, with
/// the factor each contributes to an average's divisor.
private struct PoolingWindows {
    let inputShape: [Int]
    let outputShape: [Int]
    let rows: [(range: Range<Int>, divisor: Int)]
    let columns: [(range: Range<Int>, divisor: Int)]

    var inputWidth: Int { inputShape[inputShape.count - 1] }
    var inputPlaneSize: Int { inputShape[inputShape.count - 2] * inputWidth }
    var outputPlaneSize: Int { rows.count * columns.count }
    var planes: Int { inputShape.dropLast(2).reduce(1, *) }

    /// Sliding windows of `kernelSize` every `stride`, over the input padded by `padding` each side.
    init(
        _ op: String, _ input: Tensor, kernelSize: Size2D, stride: Size2D, padding: Size2D, ceilMode: Bool,
        countIncludingPadding: Bool
    ) {
        Self.checkInput(op, input)
        precondition(
            kernelSize.height > 0 && kernelSize.width > 0 && stride.height > 0 && stride.width > 0,
            "\(op): kernel size \(kernelSize) and stride \(stride) must be positive")
        precondition(
            padding.height >= 0 && padding.width >= 0 && 2 * padding.height <= kernelSize.height && 2 * padding.width <= kernelSize.width,
            "\(op): padding \(padding) must be between 0 and half the kernel size \(kernelSize)")
        func windows(_ size: Int, _ kernel: Int, _ stride: Int, _ padding: Int) -> [(range: Range<Int>, divisor: Int)] {
            let span = size + 2 * padding - kernel
            precondition(span >= 0, "\(op): kernel size \(kernelSize) is larger than input shape \(input.shape) padded by \(padding)")
            var count = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
            // With ceilMode the last window must still start inside the input or its left padding.
            if ceilMode && (count - 1) * stride >= size + padding { count -= 1 }
            return (0..<count).map { o in
                let start = o * stride - padding, end = Swift.min(start + kernel, size + padding)
                let clipped = Swift.max(start, 0)..<Swift.min(end, size)
                return (clipped, countIncludingPadding ? end - start : clipped.count)
            }
        }
        let h = input.shape[input.rank - 2], w = input.shape[input.rank - 1]
        self.init(
            input.shape, rows: windows(h, kernelSize.height, stride.height, padding.height),
            columns: windows(w, kernelSize.width, stride.width, padding.width))
    }

    /// Adaptive windows: output i of n over a size-s dimension covers ⌊i·s/n⌋ ..< ⌈(i+1)·s/n⌉.
    init(_ op: String, _ input: Tensor, outputSize: Size2D) {
        Self.checkInput(op, input)
        precondition(outputSize.height > 0 && outputSize.width > 0, "\(op): output size \(outputSize) must be positive")
        func windows(_ size: Int, _ count: Int) -> [(range: Range<Int>, divisor: Int)] {
            (0..<count).map { o in
                let range = (o * size / count)..<(((o + 1) * size + count - 1) / count)
                return (range, range.count)
            }
        }
        let h = input.shape[input.rank - 2], w = input.shape[input.rank - 1]
        self.init(input.shape, rows: windows(h, outputSize.height), columns: windows(w, outputSize.width))
    }

    private init(
        _ inputShape: [Int], rows: [(range: Range<Int>, divisor: Int)],
        columns: [(range: Range<Int>, divisor: Int)]
    ) {
        self.inputShape = inputShape
        self.outputShape = inputShape.dropLast(2) + [rows.count, columns.count]
        self.rows = rows
        self.columns = columns
    }

    private static func checkInput(_ op: String, _ input: Tensor) {
        precondition(input.rank == 3 || input.rank == 4, "\(op): input must be [N, C, H, W] or [C, H, W], got shape \(input.shape)")
        // With padding, windows fit over a 0-row image, but every one of them would be empty.
        precondition(
            input.shape[input.rank - 2] > 0 && input.shape[input.rank - 1] > 0,
            "\(op): input shape \(input.shape) has an empty image")
    }

    /// Runs body(input plane offset, output plane offset) for every image channel, split over the pool.
    func forEachPlane(_ body: (Int, Int) -> Void) {
        let inSize = inputPlaneSize, outSize = outputPlaneSize
        parallelFor(planes, grain: Swift.max(1, 16_384 / Swift.max(inSize, 1))) { begin, end in
            for plane in begin..<end { body(plane * inSize, plane * outSize) }
        }
    }

    /// Runs body(output index in the plane, input rows, input columns, 1/divisor) for every output.
    @inline(__always)
    func forEachWindow(_ body: (Int, Range<Int>, Range<Int>, Float) -> Void) {
        for (i, row) in rows.enumerated() {
            for (j, column) in columns.enumerated() {
                body(i * columns.count + j, row.range, column.range, 1 / Float(row.divisor * column.divisor))
            }
        }
    }
}
