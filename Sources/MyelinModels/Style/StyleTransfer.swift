import MyelinNN
import MyelinOptim
import MyelinTensor

/// Neural style transfer and texture synthesis (Gatys, Ecker and Bethge 2015, 2016): a picture is
/// optimised, pixel by pixel, until its features have the style picture's Gram matrices (the
/// style: which features occur together, wherever they are) and the content picture's maps at one
/// layer (the content: what is where), smoothed by total variation:
///
///     loss = styleWeight · mean over layers l of styleLoss(l) / mean(Aₗ²)
///            + contentWeight · contentLoss / mean(P²) + totalVariationWeight · totalVariationLoss
///
/// with Aₗ the style's Gram matrix at layer l and P the content's maps. Each term is taken relative to
/// the size of its target, so that layers whose activations are a hundred times larger do not drown
/// the others, and the same weights serve VGG16's features and random ones (Gatys et al. weigh the
/// raw terms, and their weights hold for VGG19's activations only).
///
/// Without a content picture it is texture synthesis: the style loss alone, from noise.
///
/// ```swift
/// let features = RandomMultiscaleFeatures(seed: 0)
/// let transfer = StyleTransfer(steps: 300, method: .lbfgs)
/// let result = transfer.run(from: content, content: content, style: style, features: features) { _ in }
/// ```
public struct StyleTransfer: Sendable {
    /// How the picture is optimised.
    public enum Method: String, CaseIterable, Sendable {
        /// L-BFGS with the strong-Wolfe line search (Gatys et al.'s choice); a step is one evaluation
        /// of the loss and its gradient.
        case lbfgs
        /// Adam at `learningRate`; a step is one evaluation and one update.
        case adam
    }

    /// The loss and its three terms at one point (each term relative to its target, as above, before its weight).
    public struct Losses: Sendable, Equatable {
        public var total: Float
        public var style: Float
        public var content: Float
        public var totalVariation: Float
    }

    /// What `run` reports after each evaluation of the loss.
    public struct Progress {
        /// Evaluations so far, from 1.
        public var step: Int
        /// The picture the loss was evaluated at (for L-BFGS possibly a point its line search tries and rejects).
        public var image: Tensor
        public var losses: Losses
    }

    /// The optimised picture and its losses.
    public struct Result {
        public var image: Tensor
        /// The losses at the start and at the returned picture.
        public var first: Losses
        public var last: Losses
        /// Evaluations made (fewer than `steps` when L-BFGS stops because the loss no longer changes).
        public var steps: Int
    }

    /// Evaluations of the loss and its gradient.
    public var steps: Int
    public var method: Method
    /// Adam's step size in pixel values (pictures are in [0, 1]); L-BFGS steps with its line search.
    public var learningRate: Float
    public var styleWeight: Float
    public var contentWeight: Float
    public var totalVariationWeight: Float

    public init(
        steps: Int = 300, method: Method = .lbfgs, learningRate: Float = 0.02, styleWeight: Float = 1e4, contentWeight: Float = 1,
        totalVariationWeight: Float = 1
    ) {
        precondition(steps >= 1 && learningRate > 0, "StyleTransfer: needs at least one step and a positive learning rate")
        precondition(
            styleWeight >= 0 && contentWeight >= 0 && totalVariationWeight >= 0, "StyleTransfer: the weights must be at least 0")
        (self.steps, self.method, self.learningRate) = (steps, method, learningRate)
        (self.styleWeight, self.contentWeight, self.totalVariationWeight) = (styleWeight, contentWeight, totalVariationWeight)
    }

    /// Optimises `start` ([1, 3, H, W], values in [0, 1]) towards `style`'s Gram matrices and, when
    /// given, `content`'s maps (the same size as `start`); `style` may have another size. Calls
    /// `observe` after every evaluation. The result is not clamped to [0, 1].
    public func run(
        from start: Tensor, content: Tensor?, style: Tensor, features: StyleFeatures, observe: (Progress) -> Void
    ) -> Result {
        precondition(
            start.rank == 4 && start.shape[0] == 1 && start.shape[1] == 3, "StyleTransfer: start must be [1, 3, H, W], got \(start.shape)")
        precondition(
            content.map { $0.shape == start.shape } ?? true, "StyleTransfer: content \(content!.shape) and start \(start.shape) differ")
        let objective = Objective(
            features: features, style: style, content: content,
            weights: (styleWeight, content == nil ? 0 : contentWeight, totalVariationWeight))
        let image = start.contiguousCopy()
        image.requiresGrad = true
        var evaluations = 0
        var first: Losses?
        // Evaluates the loss at the picture, leaves its gradient in image.grad, and reports.
        func evaluate() -> Tensor {
            image.zeroGrad()
            let (loss, terms) = objective(image)
            loss.backward()
            evaluations += 1
            if first == nil { first = terms }
            observe(Progress(step: evaluations, image: image.detached(), losses: terms))
            return loss
        }
        switch method {
        case .lbfgs:
            // One L-BFGS step of `steps` iterations and evaluations: the history is never cut short.
            let optimizer = LBFGS([image], maxIterations: steps, maxEvaluations: steps, lineSearch: .strongWolfe)
            optimizer.step(evaluate)
        case .adam:
            let optimizer = Adam([image], learningRate: learningRate)
            for _ in 0..<steps {
                _ = evaluate()
                optimizer.step()
            }
        }
        let final = image.detached().contiguousCopy()
        let last = withoutGrad { objective(final).terms }
        return Result(image: final, first: first!, last: last, steps: evaluations)
    }

    /// The weighted loss with the targets computed once.
    struct Objective {
        let features: StyleFeatures
        let styleGrams: [Tensor]
        let contentTarget: Tensor?
        /// 1 / mean(A²) per style layer and 1 / mean(P²): what makes each term relative.
        let styleScales: [Float]
        let contentScale: Float
        let weights: (style: Float, content: Float, totalVariation: Float)

        init(features: StyleFeatures, style: Tensor, content: Tensor?, weights: (Float, Float, Float)) {
            self.features = features
            (styleGrams, contentTarget) = withoutGrad {
                (features.features(of: style).style.map(gramMatrix), content.map { features.features(of: $0).content })
            }
            func inverseMeanSquare(_ t: Tensor) -> Float { 1 / Swift.max(withoutGrad { t.square().mean().item }, .leastNormalMagnitude) }
            styleScales = styleGrams.map(inverseMeanSquare)
            contentScale = contentTarget.map(inverseMeanSquare) ?? 1
            self.weights = weights
        }

        func callAsFunction(_ image: Tensor) -> (loss: Tensor, terms: Losses) {
            let maps = features.features(of: image)
            let layers = zip(maps.style, zip(styleGrams, styleScales)).map { styleLoss($0, targetGram: $1.0) * $1.1 }
            let style = layers.dropFirst().reduce(layers[0], +) / Float(layers.count)
            let content = contentTarget.map { contentLoss(maps.content, target: $0) * contentScale } ?? Tensor(scalar: 0)
            let variation = totalVariationLoss(image)
            let loss = style * weights.style + content * weights.content + variation * weights.totalVariation
            return (loss, Losses(total: loss.item, style: style.item, content: content.item, totalVariation: variation.item))
        }
    }
}
