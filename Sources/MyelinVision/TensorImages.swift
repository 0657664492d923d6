import MyelinTensor

// Thin Tensor-taking doors onto the [Float] functions; only `shape` and `scalars` are used.

extension Image {
    /// One picture from a float32 tensor of shape [H, W] or [C, H, W] with C in {1, 3}.
    public init(_ tensor: Tensor, scaling: PixelScaling = .minMax, colormap: Colormap? = nil, upscale: Int = 1) {
        let s = tensor.shape
        precondition(
            (tensor.rank == 2 || tensor.rank == 3) && (tensor.rank == 2 || s[0] == 1 || s[0] == 3),
            "Image(_:): tensor shape \(s) is not [H, W] or [C, H, W] with C in {1, 3}")
        let (c, h, w) = tensor.rank == 2 ? (1, s[0], s[1]) : (s[0], s[1], s[2])
        self.init(
            floats: tensor.scalars, channels: c, height: h, width: w,
            scaling: scaling, colormap: colormap, upscale: upscale)
    }

    /// A grid of the pictures in a float32 tensor of shape [N, H, W] or [N, C, H, W] with C in {1, 3}.
    public static func grid(
        _ tensor: Tensor, columns: Int = 8, padding: Int = 2, background: UInt8 = 0,
        scaling: PixelScaling = .minMax, normalization: TileNormalization = .perTile,
        colormap: Colormap? = nil, upscale: Int = 1
    ) -> Image {
        let s = tensor.shape
        precondition(
            (tensor.rank == 3 || tensor.rank == 4) && (tensor.rank == 3 || s[1] == 1 || s[1] == 3),
            "Image.grid(_:): tensor shape \(s) is not [N, H, W] or [N, C, H, W] with C in {1, 3}")
        let (n, c, h, w) = tensor.rank == 3 ? (s[0], 1, s[1], s[2]) : (s[0], s[1], s[2], s[3])
        return grid(
            floats: tensor.scalars, count: n, channels: c, height: h, width: w, columns: columns,
            padding: padding, background: background, scaling: scaling, normalization: normalization,
            colormap: colormap, upscale: upscale)
    }

    /// First-layer weights of shape [units, inputs] as `units` diverging-colour tiles of
    /// `tileHeight`×`tileWidth` (both nil: square tiles, so inputs must be a perfect square).
    public static func filterGrid(
        _ weight: Tensor, tileHeight: Int? = nil, tileWidth: Int? = nil,
        columns: Int? = nil, padding: Int = 1, background: UInt8 = 128,
        normalization: TileNormalization = .perTile, upscale: Int = 4
    ) -> Image {
        precondition(weight.rank == 2, "Image.filterGrid(_:): weight shape \(weight.shape) is not [units, inputs]")
        let units = weight.shape[0], inputs = weight.shape[1]
        let side = Int(Double(inputs).squareRoot().rounded())
        let h = tileHeight ?? (tileWidth.map { inputs / max($0, 1) } ?? side)
        let w = tileWidth ?? inputs / max(h, 1)
        precondition(
            h * w == inputs,
            "Image.filterGrid(_:): \(inputs) inputs are not tiles of \(h)x\(w); pass tileHeight and tileWidth")
        return filterGrid(
            weights: weight.scalars, units: units, tileHeight: h, tileWidth: w, columns: columns,
            padding: padding, background: background, normalization: normalization, upscale: upscale)
    }
}
