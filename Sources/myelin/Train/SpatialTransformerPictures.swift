import Foundation
import Myelin
import MyelinModels

// What `myelin train stn` draws: distorted test digits above what the spatial transformer makes of them.

/// Blocks of `perRow` distorted test digits, each a row of inputs above the same digits as the STN
/// rectifies them (pixels 0…1 on one scale, doubled in size).
func rectificationPicture(of model: SpatialTransformerNetwork, on test: DistortedImages<MNIST>, blocks: Int = 2, perRow: Int = 10) -> Image
{
    let panels = (0..<blocks).map { block -> Image in
        let inputs = test.batch(at: Array((block * perRow)..<min((block + 1) * perRow, test.count))).inputs
        let rectified = model.evaluating { model.rectify(inputs) }
        return Image.grid(
            concatenate([inputs, rectified]), columns: inputs.shape[0], padding: 2, background: 64, scaling: .range(0, 1), upscale: 2
        ).rgb()
    }
    return Image.grid(panels, columns: 1, padding: 12, background: 255)
}
