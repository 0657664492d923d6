import MyelinNN
import MyelinOptim
import MyelinTensor

/// What one CycleGAN step measured (means over the batch, before the step's updates).
public struct CycleGANStepResult: Equatable, Sendable {
    /// The generators' whole loss: adversarial + λ·cycle + identity weight·identity.
    public var generatorLoss: Float
    /// LSGAN: (D_B(G_AB(a)) − 1)² + (D_A(G_BA(b)) − 1)², each a mean over the score maps.
    public var adversarialLoss: Float
    /// |G_BA(G_AB(a)) − a| + |G_AB(G_BA(b)) − b|, each a mean over the pixels (unweighted).
    public var cycleLoss: Float
    /// |G_BA(a) − a| + |G_AB(b) − b| (unweighted).
    public var identityLoss: Float
    /// D_A's least-squares loss, ½(mean (D_A(a) − 1)² + mean D_A(pooled fakes)²).
    public var discriminatorALoss: Float
    /// D_B's, the same on domain B.
    public var discriminatorBLoss: Float

    /// Whether every loss is a number (a run that diverged gives NaN or infinity).
    public var isFinite: Bool {
        [generatorLoss, adversarialLoss, cycleLoss, identityLoss, discriminatorALoss, discriminatorBLoss].allSatisfy(\.isFinite)
    }
}

/// CycleGAN (Zhu et al. 2017): generators G_AB: A → B and G_BA: B → A, each judged by a
/// discriminator of its target domain (D_B, D_A), with the paper's losses — least-squares
/// adversarial, cycle consistency G_BA(G_AB(a)) ≈ a and G_AB(G_BA(b)) ≈ b weighted by λ, identity
/// G_BA(a) ≈ a and G_AB(b) ≈ b — and its image pools of 50 past fakes for the discriminators. One
/// Adam updates both generators, another both discriminators (lr 2e-4, betas 0.5/0.999).
///
/// ```swift
/// let cycleGAN = CycleGANTrainer(CycleGANConfiguration(), random: RandomGenerator(seed: 0),
///                                pools: RandomGenerator(seed: 1))
/// let result = cycleGAN.step(a: plainBatch, b: zebraBatch)   // [N, 1, 28, 28] each, in [−1, 1]
/// let unstriped = cycleGAN.translateBToA(zebraDigits)
/// ```
public final class CycleGANTrainer {
    public let configuration: CycleGANConfiguration
    public let generatorAB: Sequential
    public let generatorBA: Sequential
    public let discriminatorA: Sequential
    public let discriminatorB: Sequential
    public let generatorOptimizer: Adam
    public let discriminatorOptimizer: Adam
    /// Past fakes of each domain: `poolA` holds G_BA's images for D_A, `poolB` G_AB's for D_B.
    public let poolA: ImagePool
    public let poolB: ImagePool
    /// Score-map targets by batch size: all ones, and ones over zeros for a joint real + fake batch.
    private var targets: [Int: (ones: Tensor, joint: Tensor)] = [:]

    /// Builds G_AB, G_BA, D_A and D_B in that order, drawing their weights from `random`; the pools
    /// (of `configuration.poolSize` images each) draw from `pools`.
    public init(
        _ configuration: CycleGANConfiguration, learningRate: Float = 2e-4, beta1: Float = 0.5, beta2: Float = 0.999,
        random: RandomGenerator = .global, pools: RandomGenerator
    ) {
        self.configuration = configuration
        generatorAB = configuration.makeGenerator(random: random)
        generatorBA = configuration.makeGenerator(random: random)
        discriminatorA = configuration.makeDiscriminator(random: random)
        discriminatorB = configuration.makeDiscriminator(random: random)
        generatorOptimizer = Adam(
            generatorAB.parameters + generatorBA.parameters, learningRate: learningRate, beta1: beta1, beta2: beta2)
        discriminatorOptimizer = Adam(
            discriminatorA.parameters + discriminatorB.parameters, learningRate: learningRate, beta1: beta1, beta2: beta2)
        poolA = ImagePool(capacity: configuration.poolSize, imageShape: CycleGANConfiguration.imageShape, generator: pools)
        poolB = ImagePool(capacity: configuration.poolSize, imageShape: CycleGANConfiguration.imageShape, generator: pools)
    }

    /// One CycleGAN step, the paper's: the generators learn first, through discriminators that stay
    /// as they are; then each discriminator learns from real images of its domain and from its
    /// pool's answer to the fakes just made.
    ///
    /// Shapes: a and b [N] + `CycleGANConfiguration.imageShape` in [−1, 1].
    @discardableResult
    public func step(a: Tensor, b: Tensor) -> CycleGANStepResult {
        let n = a.shape.first ?? 0, shape = [n] + CycleGANConfiguration.imageShape
        precondition(
            n > 0 && a.shape == shape && b.shape == shape, "CycleGANTrainer.step: a \(a.shape) and b \(b.shape) are not both [N, 1, 28, 28]"
        )
        let (ones, joint) = targets(count: n)

        // Instance norm treats each image alone, so a generator's real-domain input and its identity
        // input go through it as one batch of 2N: the same images, one pass instead of two.
        let (fakeB, identityB) = halves(generatorAB(concatenate([a, b])), n)
        let (fakeA, identityA) = halves(generatorBA(concatenate([b, a])), n)
        let reconstructedA = generatorBA(fakeB), reconstructedB = generatorAB(fakeA)
        let parts = withFrozen([discriminatorA, discriminatorB]) { () -> (adversarial: Tensor, cycle: Tensor, identity: Tensor) in
            let adversarial = mseLoss(discriminatorB(fakeB), ones) + mseLoss(discriminatorA(fakeA), ones)
            let cycle = l1Loss(reconstructedA, a) + l1Loss(reconstructedB, b)
            let identity = l1Loss(identityA, a) + l1Loss(identityB, b)
            let loss = adversarial + configuration.cycleWeight * cycle + configuration.identityWeight * identity
            generatorOptimizer.zeroGrad()
            loss.backward()
            return (adversarial, cycle, identity)
        }
        generatorOptimizer.step()

        // The mean over a joint batch of N real and N pooled fakes is the paper's ½(real + fake).
        let pooledA = poolA.query(fakeA), pooledB = poolB.query(fakeB)
        let lossA = mseLoss(discriminatorA(concatenate([a, pooledA])), joint)
        let lossB = mseLoss(discriminatorB(concatenate([b, pooledB])), joint)
        discriminatorOptimizer.zeroGrad()
        (lossA + lossB).backward()
        discriminatorOptimizer.step()

        let (adversarial, cycle, identity) = (parts.adversarial.item, parts.cycle.item, parts.identity.item)
        return CycleGANStepResult(
            generatorLoss: adversarial + configuration.cycleWeight * cycle + configuration.identityWeight * identity,
            adversarialLoss: adversarial, cycleLoss: cycle, identityLoss: identity, discriminatorALoss: lossA.item,
            discriminatorBLoss: lossB.item)
    }

    /// G_AB's images of `images` [N, 1, 28, 28], recording nothing.
    public func translateAToB(_ images: Tensor) -> Tensor { generatorAB.evaluating { generatorAB(images) } }

    /// G_BA's images of `images` [N, 1, 28, 28], recording nothing.
    public func translateBToA(_ images: Tensor) -> Tensor { generatorBA.evaluating { generatorBA(images) } }

    /// The mean L1 error of a round trip over every pixel: |G_BA(G_AB(a)) − a| for `a` and
    /// |G_AB(G_BA(b)) − b| for `b` (images [N, 1, 28, 28] in [−1, 1]), batch by batch, recording nothing.
    public func cycleErrors(a: Tensor, b: Tensor, batchSize: Int = 500) -> (aba: Double, bab: Double) {
        func error(_ images: Tensor, _ there: (Tensor) -> Tensor, _ back: (Tensor) -> Tensor) -> Double {
            var sum = 0.0
            for start in stride(from: 0, to: images.shape[0], by: batchSize) {
                let batch = images.narrowed(axis: 0, start: start, length: min(batchSize, images.shape[0] - start))
                sum += Double(l1Loss(back(there(batch)), batch, reduction: .sum).item)
            }
            return sum / Double(max(images.count, 1))
        }
        return (error(a, translateAToB, translateBToA), error(b, translateBToA, translateAToB))
    }

    private func halves(_ batch: Tensor, _ n: Int) -> (Tensor, Tensor) {
        (batch.narrowed(axis: 0, start: 0, length: n), batch.narrowed(axis: 0, start: n, length: batch.shape[0] - n))
    }

    private func targets(count n: Int) -> (ones: Tensor, joint: Tensor) {
        if let cached = targets[n] { return cached }
        let side = CycleGANConfiguration.patchMapSide, map = [n, 1, side, side]
        let made = (Tensor.ones(map), concatenate([Tensor.ones(map), Tensor.zeros(map)]))
        targets[n] = made
        return made
    }
}
