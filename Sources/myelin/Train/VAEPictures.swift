import Foundation
import Myelin
import MyelinModels

// What `myelin train vae` draws: digits decoded from the prior, reconstructions, the latent
// manifold of a 2-D code, the test digits' codes coloured by class, and the negative ELBO's curves.

/// The pictures of a trained VAE: `samples` (the decoded `priorCodes`, 8 to a row),
/// `reconstructions` (32 test digits above their reconstructions) and, for a code of 2,
/// `manifold` (codes on a 20×20 grid decoded). Pixels are the decoder's means, 0…1 on one scale.
func vaePictures(of model: VariationalAutoencoder, test: MNIST, priorCodes: Tensor) -> [RunPicture] {
    let samples = model.evaluating { model.decode(priorCodes) }
    var pictures = [
        RunPicture(
            name: "samples",
            caption: "digits decoded from \(priorCodes.shape[0]) codes drawn from the prior N(0, I): each pixel's probability of ink",
            image: Image.grid(samples, columns: 8, padding: 2, scaling: .range(0, 1), upscale: 2)),
        RunPicture(
            name: "reconstructions", caption: "test digits, each row above its reconstructions (the decoded mean code)",
            image: model.evaluating {
                reconstructionPicture(of: model, blocks: [Array(0..<16), Array(16..<32)].map { test.batch(at: $0).inputs })
            }),
    ]
    if model.configuration.latentSize == 2 {
        let side = 20
        let digits = model.evaluating { model.decode(latentManifoldCodes(side: side)) }
        pictures.append(
            RunPicture(
                name: "manifold",
                caption:
                    "the learned manifold: codes on a \(side)×\(side) grid at the normal quantiles of 0.05…0.95 (z₁ left to right, z₂ bottom to top), decoded",
                image: Image.grid(digits, columns: side, padding: 0, scaling: .range(0, 1))))
    }
    return pictures
}

/// The means μ of the first 3,000 test digits' codes as dots coloured by digit: z₁ against z₂ for a
/// code of 2, the codes' two principal components for a longer one.
func latentMeansPlot(of model: VariationalAutoencoder, test: MNIST) -> LinePlot {
    let count = min(3000, test.count)
    let means = model.evaluating {
        concatenate(stride(from: 0, to: count, by: 500).map { model.encode(test.batch(at: $0..<min($0 + 500, count)).inputs).mean })
    }
    let flat: Tensor, axes: (String, String)
    if model.configuration.latentSize == 2 {
        (flat, axes) = (means, ("z1", "z2"))
    } else {
        let components = PrincipalComponents(fitting: means, count: 2)
        let share = components.variances.map { String(format: "%.0f%%", 100 * $0 / components.totalVariance) }
        (flat, axes) = (
            components.project(means), ("principal component 1 (\(share[0]) of the variance)", "principal component 2 (\(share[1]))")
        )
    }
    let points = flat.scalars, labels = Array(test.labels.prefix(count))
    return LinePlot(
        title: "Test digits' mean codes", xLabel: axes.0, yLabel: axes.1,
        series: (0..<10).map { digit in
            LinePlot.Series(
                name: "\(digit)",
                points: labels.indices.filter { labels[$0] == digit }.map { (Double(points[2 * $0]), Double(points[2 * $0 + 1])) },
                markers: true)
        })
}

/// The training negative ELBO (means of 50 steps) and the test one after each epoch, with the
/// test KL term: how much of the bound the codes cost.
func vaeCurves(_ history: TrainingHistory) -> LinePlot {
    func epochs(_ name: String) -> [(x: Double, y: Double)] { history.points(name).map { (Double($0.step), $0.value) } }
    return LinePlot(
        title: "Negative ELBO", xLabel: "step", yLabel: "nats per image", logY: true,
        series: [
            LinePlot.Series(name: "training (mean of 50 steps)", points: chunkMeans(history.values("negative ELBO"), 50)),
            LinePlot.Series(name: "test (after each epoch)", points: epochs("test negative ELBO"), markers: true),
            LinePlot.Series(name: "test KL term (after each epoch)", points: epochs("test KL"), markers: true),
        ])
}
