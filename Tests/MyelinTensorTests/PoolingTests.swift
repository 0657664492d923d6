import MyelinTensor
import MyelinTestSupport
import Testing

/// An image [1, 1, h, w] holding 1, 2, 3, … in row-major order: element (r, c) is r·w + c + 1.
private func counting(_ h: Int, _ w: Int) -> Tensor {
    Tensor(shape: [1, 1, h, w], scalars: (0..<(h * w)).map { Float($0 + 1) })
}

/// What a child process wrote to stderr.
private func text(_ result: ExitTest.Result?) -> String {
    String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
}

@Suite struct PoolingTests {
    let checker = GradientCheck()

    // MARK: - Hand-computed values

    @Test func kernel2Stride2() {
        // 1  2  3  4
        // 5  6  7  8
        // 9 10 11 12
        // 13 14 15 16
        let x = counting(4, 4)
        expectTensor(maxPool2d(x, kernelSize: 2), shape: [1, 1, 2, 2], [6, 8, 14, 16])
        expectTensor(avgPool2d(x, kernelSize: 2), shape: [1, 1, 2, 2], [3.5, 5.5, 11.5, 13.5])
        // The stride defaults to the kernel size.
        #expect(maxPool2d(x, kernelSize: 2, stride: 2).scalars == maxPool2d(x, kernelSize: 2).scalars)
    }

    @Test func kernel3Stride2Padding1() {
        // Windows rows [−1, 2) and [1, 4), clipped to [0, 2) and [1, 4); columns likewise.
        let x = counting(4, 4)
        expectTensor(maxPool2d(x, kernelSize: 3, stride: 2, padding: 1), shape: [1, 1, 2, 2], [6, 8, 14, 16])
        // Sums 1+2+5+6 = 14, 2+3+4+6+7+8 = 30, 5+6+9+10+13+14 = 57, 6+7+8+10+11+12+14+15+16 = 99.
        // Counting the padding every window has 9 elements; without, 4, 6, 6 and 9.
        expectTensor(
            avgPool2d(x, kernelSize: 3, stride: 2, padding: 1), shape: [1, 1, 2, 2],
            [14 / 9, 30 / 9, 57 / 9, 11])
        expectTensor(
            avgPool2d(x, kernelSize: 3, stride: 2, padding: 1, countIncludingPadding: false),
            shape: [1, 1, 2, 2], [3.5, 5, 9.5, 11])
    }

    @Test func nonSquareKernelAndStride() {
        // 4×6 image, 2×3 kernel, stride [1, 3]: row windows [0,2), [1,3), [2,4); column windows [0,3), [3,6).
        let x = counting(4, 6)
        expectTensor(maxPool2d(x, kernelSize: [2, 3], stride: [1, 3]), shape: [1, 1, 3, 2], [9, 12, 15, 18, 21, 24])
        // Window means: the mean row r̄ and column c̄ give 6·r̄ + c̄ + 1.
        expectTensor(avgPool2d(x, kernelSize: [2, 3], stride: [1, 3]), shape: [1, 1, 3, 2], [5, 8, 11, 14, 17, 20])
        // Non-square padding too: [0, 1] pads the columns only.
        expectTensor(
            avgPool2d(x, kernelSize: [2, 3], stride: [2, 3], padding: [0, 1], countIncludingPadding: false),
            shape: [1, 1, 2, 2],
            [(1 + 2 + 7 + 8) / 4, (3 + 4 + 5 + 9 + 10 + 11) / 6, (13 + 14 + 19 + 20) / 4, (15 + 16 + 17 + 21 + 22 + 23) / 6])
    }

    @Test func ceilModeAddsAPartialWindow() {
        // 5×5, kernel 2, stride 2: floor gives 2×2; ceil adds the windows that start at row/column 4.
        let x = counting(5, 5)
        expectTensor(maxPool2d(x, kernelSize: 2), shape: [1, 1, 2, 2], [7, 9, 17, 19])
        expectTensor(
            maxPool2d(x, kernelSize: 2, ceilMode: true), shape: [1, 1, 3, 3],
            [7, 9, 10, 17, 19, 20, 22, 24, 25])
        // The partial windows average over what lies inside the image (there is no padding to count).
        expectTensor(
            avgPool2d(x, kernelSize: 2, ceilMode: true), shape: [1, 1, 3, 3],
            [4, 6, 7.5, 14, 16, 17.5, 21.5, 23.5, 25])
        // A 6×6 image divides exactly: ceil mode changes nothing.
        #expect(maxPool2d(counting(6, 6), kernelSize: 2, ceilMode: true).shape == [1, 1, 3, 3])
    }

    @Test func ceilModeWindowMustStartInsideTheInputOrLeftPadding() {
        // PyTorch drops a last window that would start in the right padding or beyond.
        // 5 wide, kernel 3, stride 3, padding 1: ⌈(5 + 2 − 3) / 3⌉ + 1 = 3 windows, but the third would
        // start at 6 − 1 = 5, past the input: 2 windows, starting at −1 and 2.
        let x = counting(5, 5)
        let y = maxPool2d(x, kernelSize: 3, stride: 3, padding: 1, ceilMode: true)
        expectTensor(y, shape: [1, 1, 2, 2], [7, 10, 22, 25])
        // Stride larger than the kernel, no padding: 5 wide, kernel 1, stride 3: windows at 0 and 3 (6 is outside).
        expectTensor(maxPool2d(x, kernelSize: 1, stride: 3, ceilMode: true), shape: [1, 1, 2, 2], [1, 4, 16, 19])
        expectTensor(avgPool2d(x, kernelSize: 1, stride: 3, ceilMode: true), shape: [1, 1, 2, 2], [1, 4, 16, 19])
        // With ceil mode a window may reach past the right padding; counting the padding then counts
        // only up to the padded edge (PyTorch's divisor): 4 wide, kernel 3, stride 2, padding 1, ceil:
        // ⌈(4 + 2 − 3) / 2⌉ + 1 = 3 windows [−1, 2), [1, 4), [3, 5) with divisors 3, 3, 2.
        let row = Tensor(shape: [1, 1, 1, 4], scalars: [1, 2, 3, 4])
        expectTensor(
            avgPool2d(row, kernelSize: [1, 3], stride: [1, 2], padding: [0, 1], ceilMode: true),
            shape: [1, 1, 1, 3], [3.0 / 3, 9.0 / 3, 4.0 / 2])
        expectTensor(
            avgPool2d(
                row, kernelSize: [1, 3], stride: [1, 2], padding: [0, 1], ceilMode: true,
                countIncludingPadding: false), shape: [1, 1, 1, 3], [1.5, 3, 4])
    }

    @Test func maxPoolPropagatesNaN() {
        // A NaN anywhere in a window wins, before or after the window's largest value.
        let x = Tensor(
            shape: [1, 1, 2, 6],
            scalars: [
                1, .nan, 3, 4, 5, 6,
                7, 8, 9, .nan, -1, -2,
            ])
        let y = maxPool2d(x, kernelSize: 2)
        #expect(y.shape == [1, 1, 1, 3])
        #expect(y[0, 0, 0, 0].isNaN)
        #expect(y[0, 0, 0, 1].isNaN)
        #expect(y[0, 0, 0, 2] == 6)
        // So does the average.
        #expect(avgPool2d(x, kernelSize: 2)[0, 0, 0, 0].isNaN)
    }

    @Test func maxPoolOfInfinities() {
        // A window of −∞ gives −∞ (and its gradient still lands inside the window).
        let x = leaf(Tensor(shape: [1, 1, 2, 2], scalars: [-.infinity, -.infinity, -.infinity, -.infinity]))
        let y = maxPool2d(x, kernelSize: 2)
        #expect(y.scalars == [-.infinity])
        y.sum().backward()
        #expect(x.grad!.scalars.reduce(0, +) == 1)
    }

    @Test func unbatchedInput() {
        let g = RandomGenerator(seed: 11)
        let x = uniform([2, 3, 5, 7], g)
        for n in 0..<2 {
            let image: Tensor = x[n]
            #expect(image.shape == [3, 5, 7])
            let max = maxPool2d(image, kernelSize: 3, stride: 2, padding: 1)
            #expect(max.shape == [3, 3, 4])
            #expect(max.scalars == maxPool2d(x, kernelSize: 3, stride: 2, padding: 1)[n].scalars)
            let avg = avgPool2d(image, kernelSize: 2, ceilMode: true)
            #expect(avg.shape == [3, 3, 4])
            #expect(avg.scalars == avgPool2d(x, kernelSize: 2, ceilMode: true)[n].scalars)
            let adaptive = adaptiveAvgPool2d(image, outputSize: [2, 3])
            #expect(adaptive.shape == [3, 2, 3])
            #expect(adaptive.scalars == adaptiveAvgPool2d(x, outputSize: [2, 3])[n].scalars)
        }
    }

    @Test func everyPlaneIsPooledOnItsOwn() {
        // Two images of three channels, channel k of image n holding a constant 10·n + k.
        func constant(_ plane: Int) -> Float { Float(10 * (plane / 3) + plane % 3) }
        let values: [Float] = (0..<6).flatMap { [Float](repeating: constant($0), count: 16) }
        let x = Tensor(shape: [2, 3, 4, 4], scalars: values)
        let expected: [Float] = (0..<6).flatMap { [Float](repeating: constant($0), count: 4) }
        #expect(maxPool2d(x, kernelSize: 2).scalars == expected)
        #expect(avgPool2d(x, kernelSize: 2).scalars == expected)
        #expect(adaptiveAvgPool2d(x, outputSize: 2).scalars == expected)
    }

    @Test func stridedInputIsRead() {
        // A non-contiguous input gives the same result as its dense copy.
        let g = RandomGenerator(seed: 12)
        let x = uniform([2, 3, 6, 5], g)
        let xt = x.permuted([0, 1, 3, 2]).contiguousCopy().permuted([0, 1, 3, 2])
        #expect(!xt.isContiguous)
        #expect(maxPool2d(xt, kernelSize: 3, stride: 2, padding: 1).scalars == maxPool2d(x, kernelSize: 3, stride: 2, padding: 1).scalars)
        #expect(avgPool2d(xt, kernelSize: 2).scalars == avgPool2d(x, kernelSize: 2).scalars)
        #expect(adaptiveAvgPool2d(xt, outputSize: 3).scalars == adaptiveAvgPool2d(x, outputSize: 3).scalars)
    }

    @Test func emptyBatch() {
        let x = Tensor.zeros([0, 3, 4, 4])
        #expect(maxPool2d(x, kernelSize: 2).shape == [0, 3, 2, 2])
        #expect(avgPool2d(x, kernelSize: 2).shape == [0, 3, 2, 2])
        #expect(adaptiveAvgPool2d(x, outputSize: 1).shape == [0, 3, 1, 1])
    }

    // MARK: - Adaptive average pooling

    @Test func adaptiveWindowsAsPyTorch() {
        // 5 → 3: windows [⌊i·5/3⌋, ⌈(i+1)·5/3⌉) = [0, 2), [1, 4), [3, 5): they overlap.
        let row = Tensor(shape: [1, 1, 1, 5], scalars: [1, 2, 3, 4, 5])
        expectTensor(adaptiveAvgPool2d(row, outputSize: [1, 3]), shape: [1, 1, 1, 3], [1.5, 3, 4.5])
        // The same in both dimensions of a 5×5 image: the mean of rows R and columns C is 5·R̄ + C̄ + 1,
        // with R̄, C̄ ∈ {0.5, 2, 3.5}.
        expectTensor(
            adaptiveAvgPool2d(counting(5, 5), outputSize: 3), shape: [1, 1, 3, 3],
            [4, 5.5, 7, 11.5, 13, 14.5, 19, 20.5, 22])
        // Output larger than the input: 2 → 3 gives windows [0, 1), [0, 2), [1, 2).
        let pair = Tensor(shape: [1, 1, 1, 2], scalars: [2, 6])
        expectTensor(adaptiveAvgPool2d(pair, outputSize: [1, 3]), shape: [1, 1, 1, 3], [2, 4, 6])
    }

    @Test func adaptiveToOneIsTheGlobalMean() {
        let x = uniform([2, 3, 5, 7], RandomGenerator(seed: 13))
        let y = adaptiveAvgPool2d(x, outputSize: 1)
        #expect(y.shape == [2, 3, 1, 1])
        expectClose(y.scalars, x.mean(axes: [2, 3]).scalars, tolerance: 1e-6)
    }

    @Test func adaptiveOfADivisibleSizeIsAveragePooling() {
        let x = uniform([2, 3, 8, 6], RandomGenerator(seed: 14))
        let adaptive = adaptiveAvgPool2d(x, outputSize: [4, 2])
        let plain = avgPool2d(x, kernelSize: [2, 3])
        #expect(adaptive.shape == plain.shape)
        expectClose(adaptive.scalars, plain.scalars, tolerance: 1e-6)
        // The same size is the identity.
        expectClose(adaptiveAvgPool2d(x, outputSize: [8, 6]).scalars, x.scalars, tolerance: 0)
    }

    // MARK: - Gradients

    @Test(arguments: [
        PoolCase(kernel: 2),
        PoolCase(kernel: 3, stride: 2, padding: 1),
        PoolCase(kernel: [2, 3], stride: [1, 2], padding: [1, 0]),
        PoolCase(kernel: 3, stride: 1),  // overlapping windows: one input can win several
        PoolCase(kernel: 2, ceilMode: true),  // 5×7 leaves partial windows
        PoolCase(kernel: 3, stride: 2, padding: 1, ceilMode: true),
        PoolCase(kernel: 2, stride: 3),  // stride > kernel: some inputs are in no window
    ])
    func maxPoolGradient(_ c: PoolCase) {
        // Distinct values 0.25 apart: no ties, and no finite-difference step changes a window's winner.
        let x = leaf(distinct([2, 3, 5, 7], RandomGenerator(seed: 15)))
        checker.check([x]) { maxPool2d(x, kernelSize: c.kernel, stride: c.stride, padding: c.padding, ceilMode: c.ceilMode) }
    }

    @Test(arguments: [
        PoolCase(kernel: 2),
        PoolCase(kernel: 3, stride: 2, padding: 1),
        PoolCase(kernel: 3, stride: 2, padding: 1, countIncludingPadding: false),
        PoolCase(kernel: [2, 3], stride: [1, 2], padding: [1, 0]),
        PoolCase(kernel: 2, ceilMode: true),
        PoolCase(kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludingPadding: false),
        PoolCase(kernel: 2, stride: 3),
    ])
    func avgPoolGradient(_ c: PoolCase) {
        let x = leaf(uniform([2, 3, 5, 7], RandomGenerator(seed: 16)))
        checker.check([x]) {
            avgPool2d(
                x, kernelSize: c.kernel, stride: c.stride, padding: c.padding, ceilMode: c.ceilMode,
                countIncludingPadding: c.countIncludingPadding)
        }
    }

    @Test(arguments: [Size2D(3), [2, 4], [1, 1], [5, 7], [7, 9]])
    func adaptiveAvgPoolGradient(_ outputSize: Size2D) {
        let x = leaf(uniform([2, 3, 5, 7], RandomGenerator(seed: 17)))
        checker.check([x]) { adaptiveAvgPool2d(x, outputSize: outputSize) }
    }

    @Test func maxPoolGradientGoesToTheArgmax() {
        // Kernel 2, stride 2 on 1…16: the winners are 6, 8, 14, 16 at flat positions 5, 7, 13, 15.
        let x = leaf(counting(4, 4))
        maxPool2d(x, kernelSize: 2).backward(Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]))
        #expect(
            x.grad!.scalars == [
                0, 0, 0, 0,
                0, 1, 0, 2,
                0, 0, 0, 0,
                0, 3, 0, 4,
            ])
        // Overlapping windows that share a winner add their gradients there: the 9 in the middle
        // wins all four 2×2 windows of stride 1.
        let y = leaf(Tensor(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 9, 5, 6, 7, 8]))
        maxPool2d(y, kernelSize: 2, stride: 1).backward(Tensor(shape: [1, 1, 2, 2], scalars: [1, 10, 100, 1000]))
        #expect(y.grad!.scalars == [0, 0, 0, 0, 1111, 0, 0, 0, 0])
    }

    @Test func averageGradientIsShared() {
        // Kernel 3, stride 2, padding 1 on 4×4, counting the padding: each window passes g/9 to each of
        // its inputs; inputs in two or four windows add up.
        let x = leaf(counting(4, 4))
        avgPool2d(x, kernelSize: 3, stride: 2, padding: 1).backward(Tensor(shape: [1, 1, 2, 2], scalars: [9, 18, 27, 36]))
        // Row windows [0,2) and [1,4); column windows likewise: (r, c) is in window (i, j) when r and c are.
        var expected = [Float](repeating: 0, count: 16)
        let windows = [0..<2, 1..<4], g: [Float] = [9, 18, 27, 36]
        for i in 0..<2 { for j in 0..<2 { for r in windows[i] { for c in windows[j] { expected[r * 4 + c] += g[i * 2 + j] / 9 } } } }
        expectClose(x.grad!.scalars, expected, tolerance: 1e-6)
    }

    @Test func maxPoolGradientAfterOtherWork() {
        // The backward pass of max pooling reads the positions of the maxima found by the forward
        // pass, so they must outlive it: allocate and fill tensors of the same size in between.
        let g = RandomGenerator(seed: 18)
        let x = leaf(distinct([2, 3, 8, 8], g))
        let upstream = Tensor.ones([2, 3, 4, 4])
        let y = maxPool2d(x, kernelSize: 2)
        let clutter = (0..<32).map { _ in Tensor.full(y.shape, 0) }
        #expect(clutter.count == 32)
        y.backward(upstream)
        // Every 2×2 window passes exactly one 1, to its largest element.
        let xs = x.scalars, grads = x.grad!.scalars
        var expected = [Float](repeating: 0, count: xs.count)
        for plane in 0..<6 {
            for i in 0..<4 {
                for j in 0..<4 {
                    let cells = [(0, 0), (0, 1), (1, 0), (1, 1)].map { plane * 64 + (2 * i + $0.0) * 8 + 2 * j + $0.1 }
                    expected[cells.max { xs[$0] < xs[$1] }!] = 1
                }
            }
        }
        #expect(grads == expected)
    }

    // MARK: - Preconditions

    @Test func rank2InputIsRejected() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = maxPool2d(Tensor.zeros([4, 4]), kernelSize: 2)
            })
        #expect(message.contains("maxPool2d: input must be [N, C, H, W] or [C, H, W], got shape [4, 4]"), "\(message)")
        let adaptive = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = adaptiveAvgPool2d(Tensor.zeros([4, 4]), outputSize: 2)
            })
        #expect(adaptive.contains("adaptiveAvgPool2d: input must be [N, C, H, W] or [C, H, W], got shape [4, 4]"), "\(adaptive)")
    }

    @Test func kernelLargerThanThePaddedInput() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = avgPool2d(Tensor.zeros([1, 1, 3, 3]), kernelSize: 5, padding: 0)
            })
        #expect(message.contains("avgPool2d: kernel size 5 is larger than input shape [1, 1, 3, 3]"), "\(message)")
    }

    @Test func paddingMoreThanHalfTheKernel() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = maxPool2d(Tensor.zeros([1, 1, 8, 8]), kernelSize: 3, padding: 2)
            })
        #expect(message.contains("maxPool2d: padding 2 must be between 0 and half the kernel size 3"), "\(message)")
    }

    @Test func emptyImagesAreRejected() async {
        // Padding could make windows over a 0-row image (0 + 2·1 ≥ 2), all of them empty: max pooling
        // would record a maximum at a position outside the image. PyTorch rejects such inputs too.
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = maxPool2d(Tensor.zeros([1, 1, 0, 4]), kernelSize: 2, padding: 1)
            })
        #expect(message.contains("maxPool2d: input shape [1, 1, 0, 4] has an empty image"), "\(message)")
        let average = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = avgPool2d(Tensor.zeros([2, 3, 4, 0]), kernelSize: 2, padding: 1)
            })
        #expect(average.contains("avgPool2d: input shape [2, 3, 4, 0] has an empty image"), "\(average)")
    }

    @Test func nonFloatInputNamesThePoolingOp() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = maxPool2d(Tensor(shape: [1, 1, 2, 2], integers: [1, 2, 3, 4], dtype: .int32), kernelSize: 2)
            })
        #expect(message.contains("maxPool2d: expected a float32 tensor"), "\(message)")
    }
}

/// One pooling configuration.
struct PoolCase: CustomTestStringConvertible, Sendable {
    var kernel: Size2D
    var stride: Size2D? = nil
    var padding: Size2D = 0
    var ceilMode = false
    var countIncludingPadding = true

    var testDescription: String {
        "k\(kernel) s\(stride.map { "\($0)" } ?? "=k") p\(padding)\(ceilMode ? " ceil" : "")\(countIncludingPadding ? "" : " excluding padding")"
    }
}
