import Foundation
import Myelin
import MyelinModels

// What `myelin train superres` draws: test digits at low resolution, upscaled bilinearly, upscaled
// by the network, and as they really are; and the test PSNR as it trains, against the plain upsamplings.

/// Each of `count` test digits as a row low | bilinear | network | truth (the low-resolution input
/// enlarged by copying pixels, so its blocks show), in two panels side by side; pixels 0…1 on one
/// scale, every tile tripled in size.
func superResolutionPicture(of model: SuperResolutionNet, on test: DownsampledImages<MNIST>, count: Int = 12) -> Image {
    let (low, truth) = test.batch(at: Array(0..<min(count, test.count)))
    let scale = Double(model.configuration.scale)
    let output = model.evaluating { model(low).clamped(min: 0, max: 1) }
    let rows = stack([low.upsampled(scaleFactor: scale), low.upsampled(scaleFactor: scale, mode: .bilinear), output, truth], axis: 1)
    let tiles = rows.reshaped([4 * low.shape[0], 1, truth.shape[2], truth.shape[3]])
    let half = (low.shape[0] + 1) / 2
    let panels = [0..<half, half..<low.shape[0]].filter { !$0.isEmpty }.map { digits in
        Image.grid(
            tiles[(4 * digits.lowerBound)..<(4 * digits.upperBound)], columns: 4, padding: 2, background: 64,
            scaling: .range(0, 1), upscale: 3
        ).rgb()
    }
    return Image.grid(panels, columns: 2, padding: 12, background: 255)
}

/// The test PSNR after each epoch against the two plain upsamplings' (flat: they do not learn).
func superResolutionPSNRPlot(_ history: TrainingHistory, nearest: Double, bilinear: Double) -> LinePlot {
    LinePlot.evaluations(
        of: "test PSNR", in: history, label: "network (after each epoch)",
        references: [("bilinear upsampling", bilinear), ("nearest upsampling", nearest)], title: "Test PSNR",
        yLabel: "PSNR (dB, mean per image)")
}
