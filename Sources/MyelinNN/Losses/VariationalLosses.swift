import Foundation

// The terms of a variational autoencoder's evidence lower bound (ELBO), per example and in nats:
// the KL divergence of the encoder's Gaussian from the prior, and the decoder's negative
// log-likelihoods. Written with tensor ops, so autograd gives their gradients.

/// KL(N(μ, diag σ²) ‖ N(0, I)) per example, in nats, in closed form:
/// ½ Σⱼ (μⱼ² + σⱼ² − 1 − log σⱼ²), with log σ² given (what an encoder outputs: any real number).
///
/// Shapes: mean and logVariance [N, D] → [N].
public func gaussianKLDivergence(mean: Tensor, logVariance: Tensor) -> Tensor {
    precondition(
        mean.rank == 2 && mean.shape == logVariance.shape,
        "gaussianKLDivergence: mean \(mean.shape) and logVariance \(logVariance.shape) must be one [N, D] shape")
    return (mean.square() + logVariance.exp() - logVariance - 1).sum(axis: 1) * 0.5
}

/// −log Bernoulli(targets; sigmoid(logits)) per example, in nats: the binary cross-entropy of
/// every value of the example, summed (fused with the sigmoid, so it stays finite for saturated logits).
///
/// Shapes: logits and targets [N, …] (targets in 0…1) → [N].
public func bernoulliNegativeLogLikelihood(logits: Tensor, targets: Tensor) -> Tensor {
    precondition(
        logits.rank >= 2, "bernoulliNegativeLogLikelihood: logits \(logits.shape) need an example axis and at least one more")
    return binaryCrossEntropyWithLogits(logits, targets, reduction: .none).sum(axes: Array(1..<logits.rank))
}

/// −log N(targets; mean, σ²) per example, in nats: Σ ½ log 2π + log σ + ½ ((x − μ)/σ)² over every
/// value of the example, with σ = exp(logScale) (a density, so it can be negative).
///
/// Shapes: mean and targets [N, …]; logScale broadcasts to them ([] for one σ for all) → [N].
public func gaussianNegativeLogLikelihood(mean: Tensor, targets: Tensor, logScale: Tensor) -> Tensor {
    precondition(
        mean.rank >= 2 && mean.shape == targets.shape,
        "gaussianNegativeLogLikelihood: mean \(mean.shape) and targets \(targets.shape) must be one [N, …] shape")
    let standardized = (targets - mean) * (-logScale).exp()
    let perValue = standardized.square() * 0.5 + logScale + Float(0.5 * log(2 * Double.pi))
    return perValue.sum(axes: Array(1..<mean.rank))
}
