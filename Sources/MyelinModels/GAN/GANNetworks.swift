import MyelinNN
import MyelinTensor

extension GANConfiguration {
    /// What G takes: noise [N, noiseSize], with a conditional GAN's label embedding beside it.
    public var generatorInputSize: Int { noiseSize + (conditional ? Self.labelEmbeddingSize : 0) }

    /// The generator G: its input [N, generatorInputSize] → images in [−1, 1] of shape [N] + `imageShape`.
    ///
    /// A `Sequential`, so its state dict reads `0.weight`, `0.bias`, `2.weight`, … as PyTorch's
    /// `nn.Sequential` does. `mlp` starts as PyTorch's defaults (as the MLP GAN benchmark); `dcgan` as the DCGAN paper,
    /// weights ~ N(0, 0.02) and batch-norm scales ~ N(1, 0.02), biases 0. `random` draws the weights.
    public func makeGenerator(random: RandomGenerator = .global) -> Sequential {
        precondition(problem == nil, "GANConfiguration.makeGenerator: \(problem ?? "")")
        let side = Self.imageSide, pixels = side * side
        switch variant {
        case .mlp:
            let sizes = [generatorInputSize] + generatorWidths
            return Sequential {
                for (input, output) in zip(sizes, sizes.dropFirst()) {
                    Linear(input, output, generator: random); LeakyReLU(slope: 0.2)
                }
                Linear(sizes.last!, pixels, generator: random); Tanh()
            }
        case .dcgan:
            let (wide, narrow) = (generatorWidths[0], generatorWidths[1]), start = side / 4
            let network = Sequential {
                // z → wide maps of 7×7: a linear layer is one GEMM for the batch (a transposed
                // convolution from 1×1 would be one small product per image).
                Linear(generatorInputSize, wide * start * start, bias: false, generator: random)
                Reshape([wide, start, start]); BatchNorm2d(wide); ReLU()
                ConvTranspose2d(wide, narrow, kernelSize: 4, stride: 2, padding: 1, bias: false, generator: random)
                BatchNorm2d(narrow); ReLU()  // 14×14
                ConvTranspose2d(narrow, 1, kernelSize: 4, stride: 2, padding: 1, generator: random); Tanh()  // 28×28
            }
            initializeAsDCGAN(network, random: random)
            return network
        }
    }

    /// The discriminator D: images [N] + `imageShape` → one logit per image [N, 1] (real > 0 > fake),
    /// its last layer a `Linear` from `discriminatorFeatureSize` features. Initialised and named as `makeGenerator`.
    public func makeDiscriminator(random: RandomGenerator = .global) -> Sequential {
        precondition(problem == nil, "GANConfiguration.makeDiscriminator: \(problem ?? "")")
        let side = Self.imageSide
        switch variant {
        case .mlp:
            let sizes = [side * side] + discriminatorWidths
            return Sequential {
                for (input, output) in zip(sizes, sizes.dropFirst()) {
                    Linear(input, output, generator: random); LeakyReLU(slope: 0.2)
                }
                Linear(sizes.last!, 1, generator: random)
            }
        case .dcgan:
            let (narrow, wide) = (discriminatorWidths[0], discriminatorWidths[1]), end = side / 4
            let network = Sequential {
                // No batch norm on the first layer, as in DCGAN: D sees the raw pixel statistics.
                Conv2d(1, narrow, kernelSize: 4, stride: 2, padding: 1, generator: random); LeakyReLU(slope: 0.2)  // 14×14
                Conv2d(narrow, wide, kernelSize: 4, stride: 2, padding: 1, bias: false, generator: random)
                BatchNorm2d(wide); LeakyReLU(slope: 0.2)  // 7×7
                Flatten()
                Linear(wide * end * end, 1, generator: random)
            }
            initializeAsDCGAN(network, random: random)
            return network
        }
    }

    /// The features D's last linear layer reads: its last hidden width (mlp), 7·7 maps of its last width (dcgan).
    public var discriminatorFeatureSize: Int {
        variant == .mlp ? discriminatorWidths.last! : discriminatorWidths[1] * (Self.imageSide / 4) * (Self.imageSide / 4)
    }

    /// A conditional GAN's label embeddings, nil for an unconditional one: G's [classCount,
    /// labelEmbeddingSize] ~ N(0, 1), as z is; D's projection [classCount, discriminatorFeatureSize]
    /// starts at 0, so that D starts as the unconditional one and learns what each digit adds.
    public func makeLabelEmbeddings(random: RandomGenerator = .global) -> (generator: Embedding, discriminator: Embedding)? {
        guard conditional else { return nil }
        let projection = Embedding(Self.classCount, discriminatorFeatureSize, generator: random)
        projection.weight.fill(0)
        return (Embedding(Self.classCount, Self.labelEmbeddingSize, generator: random), projection)
    }
}
