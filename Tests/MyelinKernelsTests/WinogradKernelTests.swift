import CMyelinKernels
import Testing

extension KernelTests {
    /// Winograd's blocks go to the threads whole, or, in the weight gradient, its transforms are split
    /// over channels and its 16 products over threads, one product on one thread, with the blocks in
    /// order: 1 and 2 threads give the same bits, on every path.
    @Suite struct WinogradKernel {
        @Test func sameBitsOnAnyThreadCount() {
            // Five blocks of tiles (27×27 an image, 3 images; two in the weight gradient), a fused ReLU and its mask.
            var shape = myelin_conv2d_shape(
                batch: 3, in_channels: 16, in_height: 54, in_width: 54, out_channels: 16, out_height: 54,
                out_width: 54, kernel_height: 3, kernel_width: 3, stride_height: 1, stride_width: 1,
                padding_height: 1, padding_width: 1, dilation_height: 1, dilation_width: 1, groups: 1)
            var rng = SeededFloats(seed: 7)
            let x = rng.array(3 * 16 * 54 * 54), w = rng.array(16 * 16 * 9), b = rng.array(16)
            let dy = rng.array(x.count), mask = rng.array(x.count)
            let before = myelin_conv2d_set_algorithm(MYELIN_CONV2D_WINOGRAD)
            let threadsBefore = myelin_thread_count()
            defer {
                myelin_set_thread_count(threadsBefore)
                myelin_conv2d_set_algorithm(before)
            }
            #expect(myelin_conv2d_algorithm_for(&shape) == MYELIN_CONV2D_WINOGRAD)
            onEveryPath { path in
                var results: [[[Float]]] = []
                for threads: Int32 in [1, 2] {
                    myelin_set_thread_count(threads)
                    var y = [Float](repeating: 0, count: x.count), dx = y
                    var dw = [Float](repeating: 0, count: w.count), db = b
                    myelin_conv2d_forward(&shape, x, w, b, &y, MYELIN_ACTIVATION_RELU)
                    myelin_conv2d_backward(&shape, x, w, dy, mask, &dx, &dw, &db)
                    results.append([y, dx, dw, db])
                }
                #expect(results[0] == results[1], "\(name(path))")
                #expect(results[0][0].contains { $0 > 0 } && results[0][2].contains { $0 != 0 })
            }
        }
    }
}
