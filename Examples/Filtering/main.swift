// Convolution is filtering. A 3×3 convolution replaces every pixel by a weighted sum of its 3×3
// neighbourhood; the nine weights are the kernel, and the same kernel is used at every position.
// A ConvNet learns its kernels; here we set four by hand, the classics of image processing, and
// look at what each one does to an MNIST digit. (Like PyTorch's, Myelin's convolution does not
// flip the kernel, so the tables below are exactly the weights laid over each neighbourhood.)
//
//   swift run -c release filtering [OUT_DIR]      (default runs/filtering; reads Data/mnist)
import Foundation
import Myelin

let kernels: [(name: String, about: String, weights: [Float])] = [
    ("identity", "the centre pixel, unchanged", [0, 0, 0, 0, 1, 0, 0, 0, 0]),
    (
        "blur", "Gaussian: a weighted average of the neighbourhood (sums to 1)",
        [1, 2, 1, 2, 4, 2, 1, 2, 1].map { $0 / 16 }
    ),
    (
        "edge", "Laplacian: the neighbours minus the centre; 0 where the image is flat",
        [0, 1, 0, 1, -4, 1, 0, 1, 0]
    ),
    (
        "emboss", "below-right minus above-left: strokes look raised, lit from one side",
        [-2, -1, 0, -1, 1, 1, 0, 1, 2]
    ),
]

let outDirectory = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? "runs/filtering", isDirectory: true)
do {
    let digit = try MNIST(split: .test).batch(at: [0]).inputs  // the first test image: [1, 1, 28, 28] in [0, 1]
    try FileManager.default.createDirectory(at: outDirectory, withIntermediateDirectories: true)

    // One input channel, one output channel per kernel; padding 1 keeps the output 28×28.
    let conv = Conv2d(1, kernels.count, kernelSize: 3, padding: 1, bias: false)
    conv.weight.assign(Tensor(shape: [kernels.count, 1, 3, 3], scalars: kernels.flatMap(\.weights)))
    let filtered = withoutGrad { conv(digit) }  // [1, 4, 28, 28]

    var written: [String] = []
    func write(_ image: Image, _ name: String) throws {
        let url = outDirectory.appendingPathComponent(name)
        try image.writePNG(to: url)
        written.append(url.path)
    }
    // Pixels in [0, 1] are drawn black to white. Edge and emboss values are signed: the edge map
    // is drawn blue (negative), white (0), red (positive); the emboss map in gray around mid-gray
    // (0), as a relief. Both use a range symmetric around 0, so 0 is always the middle colour.
    let input = Image(digit.reshaped([28, 28]), scaling: .range(0, 1), upscale: 8)
    var tiles = [input]
    try write(input, "input.png")
    for (k, kernel) in kernels.enumerated() {
        let weights = conv.weight[k].reshaped([3, 3]).scalars
        print("\(kernel.name): \(kernel.about)")
        for row in 0..<3 {
            print((0..<3).map { String(format: "%8.4f", weights[row * 3 + $0]) }.joined())
        }
        let map = filtered[0][k]  // [28, 28]
        let limit = map.abs().max().item
        let image: Image
        switch kernel.name {
        case "edge": image = Image(map, scaling: .range(-limit, limit), colormap: .diverging, upscale: 8)
        case "emboss": image = Image(map, scaling: .range(-limit, limit), upscale: 8)
        default: image = Image(map, scaling: .range(0, 1), upscale: 8)
        }
        tiles.append(image)
        try write(image, "\(kernel.name).png")
    }
    // Side by side: the input, then identity, blur, edge and emboss.
    try write(Image.grid(tiles.map { $0.rgb() }, columns: tiles.count, padding: 8, background: 96), "all.png")
    // The four kernels themselves, red positive, blue negative, in the same order.
    try write(
        Image.filterGrid(conv.weight.reshaped([kernels.count, 9]), columns: kernels.count, upscale: 24),
        "kernels.png")
    print("\nwrote:")
    for path in written { print("  \(path)") }
} catch {
    print("filtering: \(error)")
    exit(1)
}
