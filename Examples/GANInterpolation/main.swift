// Walking through a GAN's latent space: G maps every noise vector z to a digit, and nearby z give
// similar digits, so a path from one z to another shows one digit turning smoothly into another.
// The top row walks in a straight line; the bottom row along the great circle between the two
// (slerp), which keeps |z| near the √64 = 8 that G saw in training — the straight line's middle
// is shorter, and its digits can look fainter.
//
//   swift run -c release myelin train gan          # writes runs/gan/gan.safetensors
//   swift run -c release gan-interpolation [CHECKPOINT] [SEED]
import Foundation
import Myelin
import MyelinModels

let arguments = CommandLine.arguments.dropFirst()
let path = arguments.first ?? "runs/gan/gan.safetensors"
let seed = arguments.dropFirst().first.flatMap { UInt64($0) } ?? 1
let url = URL(fileURLWithPath: path)
guard FileManager.default.fileExists(atPath: url.path) else {
    print(
        "\(path) does not exist. Train a GAN first: `swift run -c release myelin train gan` writes runs/gan/gan.safetensors (or pass the path of another gan.safetensors)."
    )
    exit(1)
}
do {
    let gan = try GANTrainer(contentsOf: url)
    print("GAN \(gan.configuration.summary) from \(path)")
    let random = RandomGenerator(seed: seed)
    let start = Tensor.randn([gan.configuration.noiseSize], generator: random)
    let end = Tensor.randn([gan.configuration.noiseSize], generator: random)
    // A conditional GAN is asked for one digit all along: the walk changes the handwriting, not the digit.
    let digit = Int(seed % 10)
    let labels = gan.configuration.conditional ? Tensor(integers: Array(repeating: digit, count: 10)) : nil
    // One row of 10 images per path: [10, 64] noise → [10, 1, 28, 28] digits in [−1, 1].
    let rows = LatentPath.allCases.map { gan.generate(interpolateLatents(from: start, to: end, steps: 10, path: $0), labels: labels) }
    let picture = Image.grid(
        concatenate(rows), columns: 10, padding: 2, scaling: .range(-1, 1),
        normalization: .together, upscale: 3)
    let output = url.deletingLastPathComponent().appendingPathComponent("interpolation.png")
    try picture.writePNG(to: output)
    print(
        "Wrote \(output.path): top row \(LatentPath.allCases[0].rawValue), bottom row \(LatentPath.allCases[1].rawValue) (slerp), from z₁ (left) to z₂ (right), seed \(seed)"
            + (labels == nil ? "." : ", every image asked for a \(digit).")
    )
} catch {
    print("gan-interpolation: \(error)")
    exit(1)
}
