// Walking through an autoencoder's code space. The encoder turns each digit into a code of a few
// numbers; the decoder draws a digit from any code. Take the codes of two test digits, step along
// the straight line between them, and decode every step: the picture changes from one digit into
// the other through shapes that still look like handwriting, because every code near the ones it
// learned decodes to something digit-like. Blending the two pictures' pixels instead only fades
// one out as the other fades in (the second row of each pair, for contrast).
//
//   swift run -c release myelin train autoencoder        (first: trains runs/autoencoder)
//   swift run -c release autoencoder-interpolation [CHECKPOINT] [INDEX INDEX] [--data DIR]
//
// INDEX INDEX are two images of the MNIST test set (default: a few pairs of different digits).
import Foundation
import Myelin
import MyelinModels

var arguments = Array(CommandLine.arguments.dropFirst())
var dataDirectory: URL?
if let flag = arguments.firstIndex(of: "--data"), flag + 1 < arguments.count {
    dataDirectory = URL(fileURLWithPath: arguments[flag + 1])
    arguments.removeSubrange(flag...(flag + 1))
}
let checkpointPath = arguments.first.flatMap { Int($0) == nil ? $0 : nil } ?? "runs/autoencoder/autoencoder.safetensors"
let indices = arguments.compactMap { Int($0) }

do {
    guard FileManager.default.fileExists(atPath: checkpointPath) else {
        print(
            "No autoencoder at \(checkpointPath): train one first with `swift run -c release myelin train autoencoder` (it writes runs/autoencoder/autoencoder.safetensors), or name a checkpoint."
        )
        exit(1)
    }
    let checkpoint = URL(fileURLWithPath: checkpointPath)
    let model = try ConvAutoencoder(checkpoint: checkpoint)
    model.eval()
    let test = try MNIST(split: .test, directory: dataDirectory)
    let labels = test.labels

    // Pairs of test images: the two given, or the first test image of each digit in a few pairs.
    let pairs: [(Int, Int)]
    if indices.isEmpty {
        let first = { (digit: Int) in labels.firstIndex(of: digit)! }
        pairs = [(1, 7), (3, 8), (4, 9), (0, 6)].map { (first($0.0), first($0.1)) }
    } else {
        guard indices.count == 2, indices.allSatisfy({ (0..<test.count).contains($0) }) else {
            print("Give two test-image indices in 0..<\(test.count) (got \(indices.map(String.init).joined(separator: " "))).")
            exit(1)
        }
        pairs = [(indices[0], indices[1])]
    }

    let steps = 10
    let weights = (0..<steps).map { Float($0) / Float(steps - 1) }  // 0, 1/9, …, 1
    var panels: [Image] = []
    for (a, b) in pairs {
        let ends = test.batch(at: [a, b]).inputs  // [2, 1, 28, 28]
        let (imageA, imageB) = (ends[0..<1], ends[1..<2])
        let codes = withoutGrad { model.encode(ends) }  // [2, code]
        let (codeA, codeB) = (codes[0..<1], codes[1..<2])
        // Each step's code is (1 − t)·a + t·b: one row of `steps` codes, decoded in one batch.
        let path = concatenate(weights.map { t in codeA * (1 - t) + codeB * t })
        let decoded = withoutGrad { model.decode(path) }  // [steps, 1, 28, 28]
        let blended = concatenate(weights.map { t in imageA * (1 - t) + imageB * t })
        // Each row: the first image, the steps, the last image; the code-space row above the pixel blend.
        let rows = concatenate([imageA, decoded, imageB, imageA, blended, imageB])
        panels.append(Image.grid(rows, columns: steps + 2, padding: 2, background: 64, scaling: .range(0, 1), upscale: 3))
        print("Test images \(a) (a \(labels[a])) → \(b) (a \(labels[b])): codes \(codes.shape[1]) numbers each, \(steps) steps.")
    }
    let picture = Image.grid(panels, columns: 1, padding: 12, background: 255)  // the pairs on white, apart
    let output = checkpoint.deletingLastPathComponent().appendingPathComponent("interpolation.png")
    try picture.writePNG(to: output)
    print("Wrote \(output.path): for each pair, decoded codes along the line between them, then the pixels cross-faded.")
} catch {
    print("autoencoder-interpolation: \(error)")
    exit(1)
}
