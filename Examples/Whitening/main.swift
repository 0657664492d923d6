// ZCA whitening of MNIST digits: the features (pixels) decorrelated and scaled to unit variance
// by W = (C + εI)^(−1/2), fitted on 10,000 training digits. Neighbouring pixels of a digit are
// strongly correlated; whitening removes what neighbours predict and leaves the edges. A larger ε
// whitens the weak directions less and keeps more of the digit's body.
//
// Draws test digits (top row), their whitened versions for ε = 0.1 and 0.01 and, for comparison,
// their local contrast normalisation (σ 2), and prints how correlated neighbouring pixels are
// before and after whitening, to the output folder.
//
//   swift run -c release whitening [OUT_DIR]      (default runs/whitening)
import Foundation
import Myelin

let folder = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? "runs/whitening", isDirectory: true)

/// The mean correlation of horizontally neighbouring pixels (both of non-zero variance) over `images` [N, 784].
func neighbourCorrelation(_ images: Tensor) -> Double {
    let centred = images - images.mean(axis: 0)
    let variance = (centred * centred).mean(axis: 0).scalars
    let covariance = matmul(centred.T, centred).scalars
    var total = 0.0, count = 0
    for row in 0..<28 {
        for column in 0..<27 {
            let (i, j) = (row * 28 + column, row * 28 + column + 1)
            guard variance[i] > 1e-3 && variance[j] > 1e-3 else { continue }
            total += Double(covariance[i * 784 + j]) / Double(images.shape[0]) / Double((variance[i] * variance[j]).squareRoot())
            count += 1
        }
    }
    return total / Double(count)
}

do {
    let train = try MNIST(split: .train), test = try MNIST(split: .test)
    let fitted = train.batch(at: Array(0..<10_000)).inputs.reshaped([10_000, 784])
    let (digits, _) = test.batch(at: Array(0..<8))
    var rows: [[Image]] = [(0..<8).map { Image(digits[$0], scaling: .range(0, 1), upscale: 3) }]
    var metrics: [(String, String)] = [("neighbour correlation, raw", String(format: "%.3f", neighbourCorrelation(fitted)))]
    print("Mean correlation of neighbouring pixels over 10,000 training digits: \(metrics[0].1) raw")
    for epsilon: Float in [0.1, 0.01] {
        let zca = ZCAWhitening(fitting: fitted, epsilon: epsilon)
        let whitened = zca.applied(to: digits.reshaped([8, 784]))
        // Each whitened digit drawn on its own symmetric range: grey 0, white positive, black negative.
        rows.append(
            (0..<8).map { i in
                let image = whitened[i].reshaped([1, 28, 28])
                let bound = image.abs().max().item
                return Image(image, scaling: .range(-bound, bound), upscale: 3)
            })
        let correlation = neighbourCorrelation(zca.applied(to: fitted))
        metrics.append(("neighbour correlation, ZCA ε \(epsilon)", String(format: "%.3f", correlation)))
        print(String(format: "… after ZCA whitening with ε %.2f: %.3f", epsilon, correlation))
    }
    // Local contrast normalisation, for comparison: each pixel against its own neighbourhood.
    let lcn = LocalContrastNormalization(fitting: fitted.reshaped([10_000, 1, 28, 28]), sigma: 2)
    let normalised = lcn.applied(to: digits)
    rows.append(
        (0..<8).map { i in
            let bound = normalised[i].abs().max().item
            return Image(normalised[i], scaling: .range(-bound, bound), upscale: 3)
        })
    metrics.append(("local contrast normalisation floor", String(format: "%.4f", lcn.floor)))
    let picture = Image.grid(rows.flatMap { $0 }, columns: 8, padding: 2, background: 64)
    let outputs = RunOutputs(
        title: "ZCA whitening", summary: "MNIST test digits and their ZCA-whitened versions, fitted on 10,000 training digits.",
        settings: [("fitted on", "10,000 MNIST training digits, 784 pixels each")], metrics: metrics,
        pictures: [
            RunPicture(
                name: "whitened-digits",
                caption: "Test digits (top), ZCA-whitened with ε 0.1 and ε 0.01, and local-contrast-normalised (σ 2, bottom)",
                image: picture)
        ])
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for line in try outputs.write(to: folder) { print("Wrote \(line)") }
} catch {
    print("whitening: \(error)")
    exit(1)
}
