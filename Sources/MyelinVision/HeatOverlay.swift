import MyelinTensor

extension Image {
    /// A grey picture with a heat map under it: each pixel takes `colormap`'s colour for its heat
    /// (divided by the largest, so the hottest spot is the colormap's top), and the picture's light
    /// strokes are laid over it in white. Where a captioner looked, say: [H, W] attention weights
    /// over a [H, W] digit canvas in 0…1.
    ///
    /// Shapes: picture [H, W] or [1, H, W] in 0…1, heat of the same size, ≥ 0.
    public init(heat: Tensor, over picture: Tensor, colormap: Colormap = .viridis, upscale: Int = 1) {
        let (h, w) = (picture.shape[picture.rank - 2], picture.shape[picture.rank - 1])
        precondition(
            (picture.rank == 2 || (picture.rank == 3 && picture.shape[0] == 1)) && heat.count == h * w,
            "Image(heat:over:): picture shape \(picture.shape) is not [H, W] or [1, H, W], or heat shape \(heat.shape) does not match")
        let values = heat.contiguous().scalars, gray = picture.contiguous().scalars
        let peak = values.max() ?? 0
        var pixels = [UInt8](repeating: 0, count: h * w * 3)
        for i in 0..<(h * w) {
            let color = colormap.color(at: peak > 0 ? values[i] / peak : 0)
            // 80 % of the way to white where the stroke is fully lit, so the heat still shows through.
            let ink = 0.8 * min(max(gray[i], 0), 1)
            for (c, channel) in [color.red, color.green, color.blue].enumerated() {
                pixels[i * 3 + c] = UInt8((Float(channel) + (255 - Float(channel)) * ink).rounded())
            }
        }
        self = Image(width: w, height: h, channels: 3, pixels: pixels).upscaled(by: upscale)
    }
}
