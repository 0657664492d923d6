import MyelinNN
import MyelinOptim
import MyelinTensor

/// What one GAN step measured. Scores are D's mean probability that its input is real.
public struct GANStepResult: Equatable, Sendable {
    /// BCE(D(x), 1) + BCE(D(G(z)), 0), before D's update.
    public var discriminatorLoss: Float
    /// BCE(D(G(z)), 1) through the updated D, before G's update.
    public var generatorLoss: Float
    /// Mean D(x) over the real batch: near 1 when D spots real digits.
    public var realScore: Float
    /// Mean D(G(z)) before D's update: near 0 when D spots fakes, near 0.5 when it cannot tell.
    public var fakeScore: Float
    /// Mean D(G(z)) after D's update (what the generator's loss was computed from).
    public var fakeScoreAfterUpdate: Float

    public init(discriminatorLoss: Float, generatorLoss: Float, realScore: Float, fakeScore: Float, fakeScoreAfterUpdate: Float) {
        self.discriminatorLoss = discriminatorLoss
        self.generatorLoss = generatorLoss
        self.realScore = realScore
        self.fakeScore = fakeScore
        self.fakeScoreAfterUpdate = fakeScoreAfterUpdate
    }

    /// Whether both losses are numbers (a GAN that diverged gives NaN or infinity).
    public var isFinite: Bool { discriminatorLoss.isFinite && generatorLoss.isFinite }
}

/// A generator G and a discriminator D trained against each other, with an Adam optimizer each
/// (lr 2e-4, betas 0.5/0.999 by default, as DCGAN and the MLP GAN benchmark). `myelin train gan` and
/// MyelinBench's GAN benchmark both train through `step(real:noise:)`.
///
/// ```swift
/// let gan = GANTrainer(.w5)
/// for (images, _) in DataLoader(mnist, batchSize: 64, shuffle: true, dropLast: true) {
///     let result = gan.step(real: images, noise: Tensor.randn([64, 64]))
/// }
/// let digits = gan.generate(Tensor.randn([16, 64]))   // [16, 1, 28, 28] in [−1, 1]
/// ```
public final class GANTrainer {
    public let configuration: GANConfiguration
    public let generator: Sequential
    public let discriminator: Sequential
    /// A conditional GAN's label embeddings (nil for an unconditional one): G's, whose rows join z,
    /// and D's projection, whose rows are dotted with D's last features.
    public let generatorLabels: Embedding?
    public let discriminatorLabels: Embedding?
    public let generatorOptimizer: Adam
    public let discriminatorOptimizer: Adam
    /// BCE targets by batch size: all ones (real), all zeros (fake), and both stacked (a joint batch).
    private var targets: [Int: (ones: Tensor, zeros: Tensor, joint: Tensor)] = [:]
    /// Whether D's step may run real and fake images as one batch (D has no batch norm).
    private let discriminatorTakesJointBatches: Bool

    /// Builds G, then D, then a conditional GAN's label embeddings, drawing their initial weights from `random`.
    public init(
        _ configuration: GANConfiguration, learningRate: Float = 2e-4, beta1: Float = 0.5, beta2: Float = 0.999,
        random: RandomGenerator = .global
    ) {
        self.configuration = configuration
        generator = configuration.makeGenerator(random: random)
        discriminator = configuration.makeDiscriminator(random: random)
        let labels = configuration.makeLabelEmbeddings(random: random)
        (generatorLabels, discriminatorLabels) = (labels?.generator, labels?.discriminator)
        discriminatorTakesJointBatches = !discriminator.namedModules.contains { $0.1 is BatchNorm }
        generatorOptimizer = Adam(
            generator.parameters + (generatorLabels?.parameters ?? []), learningRate: learningRate, beta1: beta1, beta2: beta2)
        discriminatorOptimizer = Adam(
            discriminator.parameters + (discriminatorLabels?.parameters ?? []), learningRate: learningRate, beta1: beta1, beta2: beta2)
    }

    /// The parameters G and D learn, a conditional GAN's label embeddings included.
    public var parameterCounts: (generator: Int, discriminator: Int) {
        func count(_ optimizer: Adam) -> Int { optimizer.parameters.reduce(0) { $0 + $1.count } }
        return (count(generatorOptimizer), count(discriminatorOptimizer))
    }

    /// G's output for `noise` [N, noiseSize] and, conditional, `labels` [N] (int64 digits): the
    /// label's embedding joins the noise.
    func generatorOutput(_ noise: Tensor, labels: Tensor?) -> Tensor {
        guard let generatorLabels, let labels else { return generator(noise) }
        return generator(concatenate([noise, generatorLabels(labels)], axis: 1))
    }

    /// D's logits [N, 1] for `images` and, conditional, their `labels` [N]: ψ(φ(x)) + ⟨embed(y), φ(x)⟩,
    /// φ all of D but its last linear layer ψ.
    func discriminatorLogits(_ images: Tensor, labels: Tensor?) -> Tensor {
        guard let discriminatorLabels, let labels else { return discriminator(images) }
        let layers = discriminator.layers
        let features = layers.dropLast().reduce(images) { x, layer in layer(x) }
        return layers.last!(features) + (features * discriminatorLabels(labels)).sum(axis: 1, keepingDimensions: true)
    }

    /// Checks that `labels` come exactly when the GAN is conditional, one per row of `count`.
    private func checkLabels(_ labels: Tensor?, count: Int, _ function: String) {
        if configuration.conditional {
            precondition(
                labels?.shape == [count] && (labels?.dtype == .int64 || labels?.dtype == .int32),
                "\(function): a conditional GAN needs integer labels [\(count)], got \(labels.map { "\($0.dtype) \($0.shape)" } ?? "none")")
        } else {
            precondition(labels == nil, "\(function): an unconditional GAN takes no labels, got shape \(labels!.shape)")
        }
    }

    /// One GAN step, the benchmark's (the PyTorch DCGAN example's):
    /// 1. fake = G(noise), once;
    /// 2. D step on BCE(D(real), 1) + BCE(D(fake.detach()), 0);
    /// 3. G step on BCE(D(fake), 1) through the just-updated D.
    ///
    /// Shapes: real [N] + `configuration.imageShape` in [−1, 1], noise [N, noiseSize]; a conditional
    /// GAN's `labels` [N] are the real images' digits, and G draws its fakes of the same digits.
    @discardableResult
    public func step(real: Tensor, noise: Tensor, labels: Tensor? = nil) -> GANStepResult {
        let n = real.shape.first ?? 0
        precondition(
            n > 0 && real.shape == [n] + configuration.imageShape && noise.shape == [n, configuration.noiseSize],
            "GANTrainer.step: real \(real.shape) and noise \(noise.shape) do not fit [N] + \(configuration.imageShape) and [N, \(configuration.noiseSize)]"
        )
        checkLabels(labels, count: n, "GANTrainer.step")
        let (ones, zeros, joint) = targets(count: n)
        let fake = generatorOutput(noise, labels: labels)

        let realLogits: Tensor, fakeLogits: Tensor, discriminatorLoss: Tensor
        if discriminatorTakesJointBatches {
            // Without batch norm D treats every image alike, so real and fake can pass as one batch
            // of 2N: the same loss, mean over real + mean over fake = sum over both / N, with one
            // forward and one backward pass instead of two each, and no sum of two weight gradients.
            let logits = discriminatorLogits(concatenate([real, fake.detached()]), labels: labels.map { concatenate([$0, $0]) })
            realLogits = logits.narrowed(axis: 0, start: 0, length: n)
            fakeLogits = logits.narrowed(axis: 0, start: n, length: n)
            discriminatorLoss = binaryCrossEntropyWithLogits(logits, joint, reduction: .sum) / Float(n)
        } else {
            // Batch norm normalises each batch by its own statistics: real and fake go separately, as in the benchmark.
            realLogits = discriminatorLogits(real, labels: labels)
            fakeLogits = discriminatorLogits(fake.detached(), labels: labels)
            discriminatorLoss = binaryCrossEntropyWithLogits(realLogits, ones) + binaryCrossEntropyWithLogits(fakeLogits, zeros)
        }
        discriminatorOptimizer.zeroGrad()
        discriminatorLoss.backward()
        discriminatorOptimizer.step()

        // D's weights take no part in G's update: frozen, D's backward makes only the input
        // gradient (PyTorch computes D's weight gradients here and discards them).
        let (generatorLoss, afterLogits) = withFrozen([discriminator] + (discriminatorLabels.map { [$0] } ?? [])) {
            () -> (Tensor, Tensor) in
            let logits = discriminatorLogits(fake, labels: labels)
            let loss = binaryCrossEntropyWithLogits(logits, ones)
            generatorOptimizer.zeroGrad()
            loss.backward()
            return (loss, logits)
        }
        generatorOptimizer.step()

        return GANStepResult(
            discriminatorLoss: discriminatorLoss.item, generatorLoss: generatorLoss.item,
            realScore: Self.meanProbability(realLogits), fakeScore: Self.meanProbability(fakeLogits),
            fakeScoreAfterUpdate: Self.meanProbability(afterLogits))
    }

    /// G's images for `noise` [N, noiseSize] (and a conditional GAN's `labels` [N], the digits to
    /// draw), as [N, 1, 28, 28] in [−1, 1], in evaluation mode (batch norm uses its running
    /// statistics), recording nothing.
    public func generate(_ noise: Tensor, labels: Tensor? = nil) -> Tensor {
        precondition(
            noise.rank == 2 && noise.shape[1] == configuration.noiseSize,
            "GANTrainer.generate: noise shape \(noise.shape) is not [N, \(configuration.noiseSize)]")
        checkLabels(labels, count: noise.shape[0], "GANTrainer.generate")
        let side = GANConfiguration.imageSide
        return generator.evaluating { generatorOutput(noise, labels: labels) }.reshaped([noise.shape[0], 1, side, side])
    }

    private func targets(count n: Int) -> (ones: Tensor, zeros: Tensor, joint: Tensor) {
        if let cached = targets[n] { return cached }
        let (ones, zeros) = (Tensor.ones([n, 1]), Tensor.zeros([n, 1]))
        let made = (ones, zeros, concatenate([ones, zeros]))
        targets[n] = made
        return made
    }

    /// Mean sigmoid of the logits: D's average belief that its inputs are real.
    private static func meanProbability(_ logits: Tensor) -> Float {
        withoutGrad { logits.detached().sigmoid().mean().item }
    }
}
