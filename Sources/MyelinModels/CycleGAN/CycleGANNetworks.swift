import MyelinNN
import MyelinTensor

extension CycleGANConfiguration {
    /// A generator (G_AB or G_BA): images [N, 1, 28, 28] in [−1, 1] → images of the same shape in [−1, 1].
    ///
    /// A `Sequential`, so its state dict reads `0.weight`, `3.weight`, … (`9.body.0.weight` inside a
    /// residual block). Weights ~ N(0, 0.02) and biases 0, as the paper's code; `random` draws them.
    public func makeGenerator(random: RandomGenerator = .global) -> Sequential {
        precondition(problem == nil, "CycleGANConfiguration.makeGenerator: \(problem ?? "")")
        let w = generatorWidth
        // No bias before instance norm: it subtracts every map's mean, a bias with it.
        let network = Sequential {
            Conv2d(1, w, kernelSize: 7, padding: 3, bias: false, generator: random); InstanceNorm2d(w); ReLU()  // 28×28
            Conv2d(w, 2 * w, kernelSize: 3, stride: 2, padding: 1, bias: false, generator: random)
            InstanceNorm2d(2 * w); ReLU()  // 14×14
            Conv2d(2 * w, 4 * w, kernelSize: 3, stride: 2, padding: 1, bias: false, generator: random)
            InstanceNorm2d(4 * w); ReLU()  // 7×7
            for _ in 0..<residualBlocks { CycleGANResidualBlock(4 * w, random: random) }
            ConvTranspose2d(4 * w, 2 * w, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, bias: false, generator: random)
            InstanceNorm2d(2 * w); ReLU()  // 14×14
            ConvTranspose2d(2 * w, w, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, bias: false, generator: random)
            InstanceNorm2d(w); ReLU()  // 28×28
            Conv2d(w, 1, kernelSize: 7, padding: 3, generator: random); Tanh()
        }
        initializeAsDCGAN(network, random: random)
        return network
    }

    /// A PatchGAN discriminator (D_A or D_B): images [N, 1, 28, 28] → score maps [N, 1, 6, 6], each
    /// score (real > fake, for the least-squares loss: 1 real, 0 fake) judging a 22×22 patch.
    /// Initialised as `makeGenerator`.
    public func makeDiscriminator(random: RandomGenerator = .global) -> Sequential {
        precondition(problem == nil, "CycleGANConfiguration.makeDiscriminator: \(problem ?? "")")
        let w = discriminatorWidth
        let network = Sequential {
            // No normalisation on the first layer, as in the paper: D sees the raw pixel statistics.
            Conv2d(1, w, kernelSize: 4, stride: 2, padding: 1, generator: random); LeakyReLU(slope: 0.2)  // 14×14
            Conv2d(w, 2 * w, kernelSize: 4, stride: 2, padding: 1, bias: false, generator: random)
            InstanceNorm2d(2 * w); LeakyReLU(slope: 0.2)  // 7×7
            Conv2d(2 * w, 1, kernelSize: 4, padding: 1, generator: random)  // 6×6
        }
        initializeAsDCGAN(network, random: random)
        return network
    }
}

/// The generators' residual block: x + IN(conv(ReLU(IN(conv(x))))), 3×3 convolutions keeping the size.
///
/// Shapes: [N, C, H, W] → the same.
public final class CycleGANResidualBlock: Module {
    public let body: Sequential

    public init(_ channels: Int, random: RandomGenerator = .global) {
        body = Sequential {
            Conv2d(channels, channels, kernelSize: 3, padding: 1, bias: false, generator: random)
            InstanceNorm2d(channels); ReLU()
            Conv2d(channels, channels, kernelSize: 3, padding: 1, bias: false, generator: random)
            InstanceNorm2d(channels)
        }
    }

    public override func forward(_ input: Tensor) -> Tensor { input + body(input) }
}
