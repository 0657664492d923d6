import MyelinNN
import MyelinTensor

/// A variational autoencoder for 28×28 digits (Kingma & Welling, 2014). The encoder gives each
/// image a Gaussian over a code z of `latentSize` numbers, N(μ, diag σ²); the decoder turns a code
/// into a distribution over images: a Bernoulli per pixel (binarised digits) or a Gaussian of one
/// learned σ (grey ones). Trained on the evidence lower bound, it can draw new digits from
/// z ~ N(0, I).
///
/// ```
/// mlp:  1×28×28 → 784 → Linear 512 → Linear 256 → Linear 2·latent (μ | log σ²);  decoder the mirror
/// conv: 1×28×28 → Conv 4×4 /2 → 32×14×14 → Conv 4×4 /2 → 64×7×7 → Linear 256 → Linear 2·latent;
///       decoder: Linear 256 → Linear 64·7·7 → ConvT 4×4 ×2 → 32×14×14 → ConvT 4×4 ×2 → 1×28×28
/// ```
/// (ReLU after every hidden layer.) Shapes: images [N, 1, 28, 28] → μ and log σ² [N, latentSize];
/// codes [N, latentSize] → logits [N, 1, 28, 28]. State-dict names are those of two
/// `nn.Sequential`s, `encoder.0.weight`, …, and, for the Gaussian, `logScale` (log σ).
public final class VariationalAutoencoder: Module {
    /// What it takes to rebuild the model (a checkpoint stores it as JSON).
    public struct Configuration: Codable, Equatable, Sendable {
        public enum Architecture: String, Codable, CaseIterable, Sendable {
            case mlp, conv
        }

        /// How the decoder's output gives the probability of an image.
        public enum Likelihood: String, Codable, CaseIterable, Sendable {
            /// A Bernoulli per pixel, of probability sigmoid(logit): for black-and-white digits.
            case bernoulli
            /// A Gaussian per pixel around sigmoid(output), of one learned σ: for grey digits in 0…1.
            case gaussian
        }

        public var architecture: Architecture
        /// Numbers in the code z.
        public var latentSize: Int
        public var likelihood: Likelihood
        /// mlp: the encoder's hidden sizes, first to last (the decoder's are the same, reversed).
        /// conv: channels at 14×14 and 7×7, then the hidden linear layer's size.
        public var widths: [Int]

        /// nil widths take the architecture's defaults: 512, 256 (mlp); 32, 64, 256 (conv).
        public init(
            architecture: Architecture = .mlp, latentSize: Int = 16, likelihood: Likelihood = .bernoulli, widths: [Int]? = nil
        ) {
            self.architecture = architecture
            self.latentSize = latentSize
            self.likelihood = likelihood
            self.widths = widths ?? (architecture == .mlp ? [512, 256] : [32, 64, 256])
        }

        /// Whether a model can be built from it (a file may hold anything).
        public var isValid: Bool {
            let counted = architecture == .mlp ? (1...8).contains(widths.count) : widths.count == 3
            return counted && ([latentSize] + widths).allSatisfy { $0 > 0 && $0 <= 4096 }
        }

        /// "mlp 512-256, latent 16, Bernoulli": for messages and reports.
        public var summary: String {
            "\(architecture.rawValue) \(widths.map(String.init).joined(separator: "-")), latent \(latentSize), \(likelihood == .bernoulli ? "Bernoulli" : "Gaussian")"
        }
    }

    public let configuration: Configuration
    /// Images → [N, 2·latentSize]: μ, then log σ².
    public let encoder: Sequential
    /// Codes → [N, 1, 28, 28]: the Bernoulli's logits, or the Gaussian's mean before its sigmoid.
    public let decoder: Sequential
    /// The Gaussian likelihood's log σ, one for every pixel, learned; nil for the Bernoulli.
    @Parameter public var logScale: Tensor?

    public init(_ configuration: Configuration = Configuration(), generator: RandomGenerator = .global) {
        precondition(
            configuration.isValid,
            "VariationalAutoencoder: latent size \(configuration.latentSize) and widths \(configuration.widths) do not describe a model")
        self.configuration = configuration
        let (latent, widths) = (configuration.latentSize, configuration.widths)
        switch configuration.architecture {
        case .mlp:
            let sizes = [784] + widths
            encoder = Sequential {
                Flatten()
                for (input, output) in zip(sizes, sizes.dropFirst()) { Linear(input, output, generator: generator); ReLU() }
                Linear(sizes.last!, 2 * latent, generator: generator)
            }
            let back = [latent] + widths.reversed()
            decoder = Sequential {
                for (input, output) in zip(back, back.dropFirst()) { Linear(input, output, generator: generator); ReLU() }
                Linear(back.last!, 784, generator: generator)
                Reshape([1, 28, 28])
            }
        case .conv:
            let (c1, c2, hidden) = (widths[0], widths[1], widths[2])
            encoder = Sequential {
                Conv2d(1, c1, kernelSize: 4, stride: 2, padding: 1, generator: generator); ReLU()  // → c1×14×14
                Conv2d(c1, c2, kernelSize: 4, stride: 2, padding: 1, generator: generator); ReLU()  // → c2×7×7
                Flatten()
                Linear(c2 * 49, hidden, generator: generator); ReLU()
                Linear(hidden, 2 * latent, generator: generator)
            }
            decoder = Sequential {
                Linear(latent, hidden, generator: generator); ReLU()
                Linear(hidden, c2 * 49, generator: generator); ReLU()
                Reshape([c2, 7, 7])
                ConvTranspose2d(c2, c1, kernelSize: 4, stride: 2, padding: 1, generator: generator); ReLU()  // → c1×14×14
                ConvTranspose2d(c1, 1, kernelSize: 4, stride: 2, padding: 1, generator: generator)  // → 1×28×28
            }
        }
        // σ starts at 1, wider than any pixel's spread, and learns down.
        logScale = configuration.likelihood == .gaussian ? Tensor.zeros([]) : nil
    }

    public override var namedChildren: [(String, Module)] { [("encoder", encoder), ("decoder", decoder)] }

    /// The encoder's Gaussian for each image [N, 1, 28, 28]: μ and log σ², each [N, latentSize].
    public func encode(_ images: Tensor) -> (mean: Tensor, logVariance: Tensor) {
        precondition(
            images.rank == 4 && Array(images.shape.dropFirst()) == [1, 28, 28],
            "VariationalAutoencoder.encode: images must be [N, 1, 28, 28], got shape \(images.shape)")
        let both = encoder(images), latent = configuration.latentSize
        return (both.narrowed(axis: 1, start: 0, length: latent), both.narrowed(axis: 1, start: latent, length: latent))
    }

    /// The reparameterisation trick: z = μ + σ·ε, a draw from N(μ, σ²) through which gradients reach
    /// μ and log σ², given the draw ε ~ N(0, I). Shapes: all [N, D] → [N, D].
    public static func reparameterize(mean: Tensor, logVariance: Tensor, noise: Tensor) -> Tensor {
        precondition(
            mean.shape == logVariance.shape && mean.shape == noise.shape,
            "VariationalAutoencoder.reparameterize: mean \(mean.shape), logVariance \(logVariance.shape) and noise \(noise.shape) differ")
        return mean + (logVariance * 0.5).exp() * noise
    }

    /// The decoder's output for codes [N, latentSize]: [N, 1, 28, 28], before the sigmoid.
    public func decodeLogits(_ codes: Tensor) -> Tensor {
        precondition(
            codes.rank == 2 && codes.shape[1] == configuration.latentSize,
            "VariationalAutoencoder.decodeLogits: codes must be [N, \(configuration.latentSize)], got shape \(codes.shape)")
        return decoder(codes)
    }

    /// The mean image of each code's distribution, [N, 1, 28, 28] in 0…1: the pixels' probabilities
    /// of being white (Bernoulli) or their expected grey (Gaussian).
    public func decode(_ codes: Tensor) -> Tensor { decodeLogits(codes).sigmoid() }

    /// The reconstructions of `images`: the decoded mean of each one's code, decode(μ).
    public override func forward(_ images: Tensor) -> Tensor { decode(encode(images).mean) }

    /// −log p(images | codes) per image, in nats, from the decoder's `logits` for them. Shapes:
    /// images and logits [N, 1, 28, 28] → [N].
    public func reconstructionNegativeLogLikelihood(of images: Tensor, logits: Tensor) -> Tensor {
        switch configuration.likelihood {
        case .bernoulli: return bernoulliNegativeLogLikelihood(logits: logits, targets: images)
        case .gaussian: return gaussianNegativeLogLikelihood(mean: logits.sigmoid(), targets: images, logScale: logScale!)
        }
    }

    /// The two terms of the negative ELBO of each image [N, 1, 28, 28], with the draws ε ~ N(0, I)
    /// [N, latentSize] of its code: −log p(x | z), z = μ + σ·ε, and KL(q(z | x) ‖ N(0, I)), in nats.
    public func negativeELBOTerms(_ images: Tensor, noise: Tensor) -> NegativeELBOTerms {
        let (mean, logVariance) = encode(images)
        let codes = Self.reparameterize(mean: mean, logVariance: logVariance, noise: noise)
        return NegativeELBOTerms(
            reconstruction: reconstructionNegativeLogLikelihood(of: images, logits: decodeLogits(codes)),
            divergence: gaussianKLDivergence(mean: mean, logVariance: logVariance))
    }
}

/// A batch's negative evidence lower bound, −ELBO = −log p(x | z) + KL(q(z | x) ‖ p(z)) ≥ −log p(x),
/// as its two terms per image, in nats.
public struct NegativeELBOTerms {
    /// −log p(x | z) per image [N]: how badly the decoder redraws the image from its code.
    public let reconstruction: Tensor
    /// KL(q(z | x) ‖ N(0, I)) per image [N]: what the code costs, measured against the prior.
    public let divergence: Tensor

    /// The mean over the batch of reconstruction + `klWeight`·divergence: the negative ELBO at a
    /// weight of 1, the training loss of a KL warm-up below it.
    public func loss(klWeight: Float = 1) -> Tensor {
        (klWeight == 1 ? reconstruction + divergence : reconstruction + divergence * klWeight).mean()
    }
}
