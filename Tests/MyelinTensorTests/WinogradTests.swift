import MyelinTensor
import MyelinTestSupport
import Testing

/// Winograd's F(2×2, 3×3) against the definition, forced onto shapes that exercise its edges: odd
/// output sizes (tiles that hang over the last row or column), "valid" and padding-2 convolutions
/// (whose input gradients pad by 2 and 0), a 1×1 image, and a batch whose tiles make several blocks,
/// which end inside images, the last one short, and which the threads share out. Then which shapes the automatic choice gives it.
@Suite struct WinogradTests {
    static let cases: [ConvCase] = [
        ConvCase(batch: 2, inChannels: 5, outChannels: 7, height: 9, width: 8, padding: 1),
        ConvCase(batch: 3, inChannels: 4, outChannels: 6, height: 7, width: 10, padding: 0),
        ConvCase(batch: 1, inChannels: 3, outChannels: 5, height: 6, width: 5, padding: 2, bias: false),
        ConvCase(batch: 2, inChannels: 4, outChannels: 4, height: 5, width: 6, padding: [0, 2]),
        ConvCase(batch: 2, inChannels: 3, outChannels: 3, height: 1, width: 1, padding: 1),
        // 27×27 tiles an image, 2,187 in all: five blocks of up to 19 tile rows (16 + 16 channels); the
        // weight gradient's larger blocks make two.
        ConvCase(batch: 3, inChannels: 16, outChannels: 16, height: 54, width: 54, padding: 1),
    ]

    @Test(arguments: cases, KernelPath.supported)
    func matchesTheDefinition(_ c: ConvCase, path: KernelPath) {
        KernelPath.withPath(path) {
            ConvolutionAlgorithm.with(.winograd) {
                #expect(
                    ConvolutionAlgorithm.chosen(
                        inputShape: [c.batch, c.inChannels, c.height, c.width], weightShape: [c.outChannels, c.inChannels, 3, 3],
                        padding: c.padding) == .winograd)
                for relu in [false, true] { checkAgainstDefinition(c, relu: relu) }
            }
        }
    }

    /// Shapes Winograd cannot compute go to the SGEMM even when it is asked for, and still match.
    @Test(arguments: ConvCase.all)
    func otherShapesFallBack(_ c: ConvCase) {
        ConvolutionAlgorithm.with(.winograd) { checkAgainstDefinition(c, relu: false) }
    }

    @Test func automaticChoiceFollowsTheShape() {
        func chosen(_ input: [Int], _ weight: [Int], stride: Size2D = 1, padding: Size2D = 1) -> ConvolutionAlgorithm {
            ConvolutionAlgorithm.chosen(inputShape: input, weightShape: weight, stride: stride, padding: padding)
        }
        // ResNet-18's 3×3 layers of stride 1 at batch 8.
        for (channels, size) in [(64, 56), (128, 28), (256, 14), (512, 7)] {
            #expect(chosen([8, channels, size, size], [channels, channels, 3, 3]) == .winograd, "\(channels) at \(size)")
        }
        // Few channels (MNIST's ConvNet's second layer), few tiles, or tiles that waste a quarter of their
        // work (7×7 with 64 channels).
        #expect(chosen([64, 32, 26, 26], [64, 32, 3, 3], padding: 0) == .gemm)
        #expect(chosen([64, 16, 28, 28], [32, 16, 3, 3]) == .gemm)
        #expect(chosen([2, 256, 7, 7], [256, 256, 3, 3]) == .gemm)
        #expect(chosen([64, 64, 7, 7], [64, 64, 3, 3]) == .gemm)
        // Not a 3×3 convolution of stride 1, or asked not to.
        #expect(chosen([8, 64, 56, 56], [128, 64, 3, 3], stride: 2) == .gemm)
        #expect(chosen([8, 64, 56, 56], [64, 64, 5, 5], padding: 2) == .gemm)
        #expect(chosen([8, 64, 56, 56], [64, 64, 3, 3], padding: 3) == .gemm)
        ConvolutionAlgorithm.with(.gemm) { #expect(chosen([8, 64, 56, 56], [64, 64, 3, 3]) == .gemm) }
        ConvolutionAlgorithm.with(.winograd) { #expect(chosen([1, 1, 4, 4], [1, 1, 3, 3]) == .winograd) }
        #expect(chosen([8, 64, 56, 56], [64, 64, 3, 3]) == .winograd, "the setting is put back")
    }
}
