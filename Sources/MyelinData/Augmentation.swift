import MyelinTensor

/// Random flips, quarter turns, crops, shifts and elastic distortions of a batch of images, each
/// image drawing its own.
///
/// Input: [N, C, H, W] float32. Output: [N, C, H', W'], where only `randomCrop` changes H and W.
/// The steps run in order on each image, and every channel of an image moves together. Pixels that
/// come from outside the image (padding, shifts) are 0. The steps between elastic distortions are
/// fused into one copy each (rows are block copies unless a flip or turn reverses or transposes
/// them); an elastic distortion resamples the image in between. No gradient is recorded: this is data preparation, usually passed to `DataLoader(augmentation:)`, which
/// applies it to the inputs of every batch with a generator of its own per batch.
///
/// ```swift
/// let augmentation: ImageAugmentation = [.randomCrop(size: 32, padding: 4), .horizontalFlip()]
/// let augmented = augmentation(images, generator: RandomGenerator(seed: 0))
/// ```
public struct ImageAugmentation: Equatable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// One random transformation of an image.
    public struct Step: Equatable, Sendable, CustomStringConvertible {
        enum Kind: Equatable, Sendable {
            case flip(vertical: Bool, probability: Float)
            case rotation90
            case crop(height: Int, width: Int, padding: Int)
            case shift(maxPixels: Int)
            case elastic(alpha: Float, sigma: Float)
        }

        let kind: Kind

        /// Mirrors an image left–right with `probability` (torchvision's RandomHorizontalFlip).
        public static func horizontalFlip(probability: Float = 0.5) -> Step {
            precondition(probability >= 0 && probability <= 1, "horizontalFlip: probability \(probability) is outside [0, 1]")
            return Step(kind: .flip(vertical: false, probability: probability))
        }

        /// Mirrors an image top–bottom with `probability` (torchvision's RandomVerticalFlip).
        public static func verticalFlip(probability: Float = 0.5) -> Step {
            precondition(probability >= 0 && probability <= 1, "verticalFlip: probability \(probability) is outside [0, 1]")
            return Step(kind: .flip(vertical: true, probability: probability))
        }

        /// Turns an image by k · 90° counter-clockwise (as `torch.rot90` on the H, W axes), k drawn
        /// uniformly from 0…3. Images must be square (H == W) where this step runs.
        public static func rotation90() -> Step {
            Step(kind: .rotation90)
        }

        /// A random `size` × `size` window of the image padded with `padding` zeros on every side
        /// (torchvision's RandomCrop(size, padding)).
        public static func randomCrop(size: Int, padding: Int = 0) -> Step {
            randomCrop(height: size, width: size, padding: padding)
        }

        /// A random `height` × `width` window of the image padded with `padding` zeros on every side.
        public static func randomCrop(height: Int, width: Int, padding: Int = 0) -> Step {
            precondition(
                height > 0 && width > 0 && padding >= 0,
                "randomCrop: needs a positive size and padding ≥ 0, got \(height)×\(width), padding \(padding)")
            return Step(kind: .crop(height: height, width: width, padding: padding))
        }

        /// Moves an image by dx, dy pixels, each drawn uniformly from −maxPixels…maxPixels, filling
        /// with zeros (Keras's RandomTranslation with constant fill; the same as a random crop of
        /// the image's own size with `maxPixels` of padding).
        public static func shift(maxPixels: Int) -> Step {
            precondition(maxPixels >= 0, "shift: maxPixels must be ≥ 0, got \(maxPixels)")
            return Step(kind: .shift(maxPixels: maxPixels))
        }

        /// Simard, Steinkraus and Platt's elastic distortion (2003): every pixel moves by a random
        /// displacement — uniform in [−1, 1] along each axis, smoothed by a Gaussian of `sigma`
        /// pixels and scaled by `alpha` — and the image is resampled bilinearly (0 outside).
        /// Small σ makes noise, large σ a near-uniform shift; for 28×28 digits they used α = 34,
        /// σ = 4. With α = 0 the image is unchanged.
        public static func elastic(alpha: Float = 34, sigma: Float = 4) -> Step {
            precondition(
                alpha >= 0 && alpha.isFinite && sigma > 0 && sigma.isFinite,
                "elastic: needs alpha ≥ 0 and sigma > 0, got alpha \(alpha), sigma \(sigma)")
            return Step(kind: .elastic(alpha: alpha, sigma: sigma))
        }

        public var description: String {
            switch kind {
            case .flip(let vertical, let p): return "\(vertical ? "vertical" : "horizontal")Flip(probability: \(p))"
            case .rotation90: return "rotation90()"
            case .crop(let h, let w, let p) where h == w: return "randomCrop(size: \(h), padding: \(p))"
            case .crop(let h, let w, let p): return "randomCrop(height: \(h), width: \(w), padding: \(p))"
            case .shift(let s): return "shift(maxPixels: \(s))"
            case .elastic(let alpha, let sigma): return "elastic(alpha: \(alpha), sigma: \(sigma))"
            }
        }
    }

    /// The steps, applied in this order.
    public let steps: [Step]

    public init(_ steps: [Step]) {
        self.steps = steps
    }

    public init(arrayLiteral steps: Step...) {
        self.init(steps)
    }

    public var description: String { "ImageAugmentation(\(steps))" }

    /// The shape of the augmented batch for an input batch of `shape` (checked as when applied).
    public func outputShape(for shape: [Int]) -> [Int] {
        let frames = self.frames(for: shape)
        return [shape[0], shape[1], frames.last!.height, frames.last!.width]
    }

    /// A new batch with every image of `images` [N, C, H, W] transformed by its own random draws.
    ///
    /// The draws come from `generator` image by image, step by step, so the same generator state
    /// gives the same batch.
    public func callAsFunction(_ images: Tensor, generator: RandomGenerator) -> Tensor {
        // One thread, not the kernel pool: in a DataLoader this runs on the prefetch thread, and
        // holding the pool there would leave the training step's own kernels single-threaded.
        let frames = self.frames(for: images.shape)
        precondition(images.dtype == .float32, "ImageAugmentation: needs float32 images, got \(images.dtype) (shape \(images.shape))")
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let (outH, outW) = (frames.last!.height, frames.last!.width)
        // Draw every image's stages first, in image order: the copies below never touch the generator.
        let stages = (0..<n).map { _ in self.stages(frames: frames, generator: generator) }
        let source = images.isContiguous ? images : images.contiguousCopy()
        return source.withUnsafeScalars { input in
            Tensor(uninitializedShape: [n, c, outH, outW]) { output in
                guard outH * outW > 0 else { return }
                for (i, imageStages) in stages.enumerated() {
                    for channel in 0..<c {
                        let plane = i * c + channel
                        Self.run(
                            imageStages, from: input.baseAddress! + plane * h * w, height: h, width: w,
                            to: output.baseAddress! + plane * outH * outW)
                    }
                }
            }
        }
    }

    /// One image's transformation in order: the pixel maps of the runs of steps between elastic
    /// distortions (each one copy), and the distortions' displacement fields.
    enum Stage {
        case map(PixelMap, height: Int, width: Int)
        case field(DisplacementField)
    }

    /// Runs `stages` on one plane, through a scratch plane between stages when there are several.
    private static func run(
        _ stages: [Stage], from source: UnsafePointer<Float>, height: Int, width: Int, to output: UnsafeMutablePointer<Float>
    ) {
        var current = UnsafeMutablePointer(mutating: source), (h, w) = (height, width)
        var scratch: [UnsafeMutablePointer<Float>] = []
        defer { scratch.forEach { $0.deallocate() } }
        for (k, stage) in stages.enumerated() {
            let (outH, outW): (Int, Int)
            switch stage {
            case .map(_, let mh, let mw): (outH, outW) = (mh, mw)
            case .field: (outH, outW) = (h, w)
            }
            let target = k == stages.count - 1 ? output : UnsafeMutablePointer<Float>.allocate(capacity: outH * outW)
            if k < stages.count - 1 { scratch.append(target) }
            switch stage {
            case .map(let map, _, _): map.copy(from: current, width: w, to: target, height: outH, width: outW)
            case .field(let field): field.resample(from: current, to: target)
            }
            (current, h, w) = (target, outH, outW)
        }
    }

    /// Image sizes before the first step and after each, with each step's shape checks.
    func frames(for shape: [Int]) -> [(height: Int, width: Int)] {
        precondition(shape.count == 4, "ImageAugmentation: needs a batch of images [N, C, H, W], got shape \(shape)")
        var frames = [(height: shape[2], width: shape[3])]
        for step in steps {
            let (h, w) = frames.last!
            switch step.kind {
            case .flip, .shift, .elastic:
                frames.append((h, w))
            case .rotation90:
                precondition(h == w, "ImageAugmentation: \(step) needs square images, but they are \(h)×\(w) here (input shape \(shape))")
                frames.append((h, w))
            case .crop(let ch, let cw, let p):
                precondition(
                    ch <= h + 2 * p && cw <= w + 2 * p,
                    "ImageAugmentation: \(step) does not fit in \(h)×\(w) images padded by \(p) (input shape \(shape))")
                frames.append((ch, cw))
            }
        }
        return frames
    }

    /// One image's stages: the steps' draws, from `generator`, in step order.
    private func stages(frames: [(height: Int, width: Int)], generator: RandomGenerator) -> [Stage] {
        var stages: [Stage] = []
        var map = PixelMap(height: frames[0].height, width: frames[0].width)
        for (step, frame) in zip(steps, frames) {
            let (h, w) = frame
            switch step.kind {
            case .elastic(let alpha, let sigma):
                stages.append(.map(map, height: h, width: w))
                stages.append(.field(DisplacementField(height: h, width: w, alpha: alpha, sigma: sigma, generator: generator)))
                map = PixelMap(height: h, width: w)
            case .flip(let vertical, let p):
                guard generator.uniform() < p else { continue }
                if vertical {
                    map.then(rowFromY: -1, rowFromX: 0, colFromY: 0, colFromX: 1, rowOffset: h - 1, colOffset: 0, height: h, width: w)
                } else {
                    map.then(rowFromY: 1, rowFromX: 0, colFromY: 0, colFromX: -1, rowOffset: 0, colOffset: w - 1, height: h, width: w)
                }
            case .rotation90:
                // One counter-clockwise quarter turn: out[y][x] = in[x][n − 1 − y].
                for _ in 0..<generator.integer(below: 4) {
                    map.then(rowFromY: 0, rowFromX: 1, colFromY: -1, colFromX: 0, rowOffset: 0, colOffset: w - 1, height: h, width: w)
                }
            case .crop(let ch, let cw, let p):
                // torchvision's draw: top, then left, each over every position of the padded image.
                let top = generator.integer(below: h + 2 * p - ch + 1)
                let left = generator.integer(below: w + 2 * p - cw + 1)
                map.then(rowFromY: 1, rowFromX: 0, colFromY: 0, colFromX: 1, rowOffset: top - p, colOffset: left - p, height: ch, width: cw)
            case .shift(let s):
                let top = generator.integer(below: 2 * s + 1)
                let left = generator.integer(below: 2 * s + 1)
                map.then(rowFromY: 1, rowFromX: 0, colFromY: 0, colFromX: 1, rowOffset: top - s, colOffset: left - s, height: h, width: w)
            }
        }
        stages.append(.map(map, height: frames.last!.height, width: frames.last!.width))
        return stages
    }
}

/// Where each output pixel (y, x) of one image comes from: source pixel
/// (row, col) = (a·y + b·x + c, d·y + e·x + f), inside the rectangle `rows` × `cols` of output
/// pixels that every step saw inside its own image, and 0 elsewhere.
///
/// Flips, quarter turns, crops and shifts all map pixels this way ([[a, b], [d, e]] is a signed
/// permutation), and so do their compositions, so any list of steps becomes one pass over the image.
struct PixelMap {
    var a = 1, b = 0, c = 0, d = 0, e = 1, f = 0
    var rows: Range<Int>
    var cols: Range<Int>

    /// The identity on a `height` × `width` image.
    init(height: Int, width: Int) {
        rows = 0..<height
        cols = 0..<width
    }

    /// Follows this map with a step whose output (y, x), in a `height` × `width` image, reads the
    /// current image at (rowFromY·y + rowFromX·x + rowOffset, colFromY·y + colFromX·x + colOffset).
    mutating func then(
        rowFromY p: Int, rowFromX q: Int, colFromY r: Int, colFromX s: Int,
        rowOffset t: Int, colOffset u: Int, height: Int, width: Int
    ) {
        // The valid rectangle, pulled back through the step: its corners map to corners because
        // the step's matrix is a signed permutation (its inverse is its transpose).
        if rows.isEmpty || cols.isEmpty {
            rows = 0..<0
            cols = 0..<0
        } else {
            func back(_ row: Int, _ col: Int) -> (y: Int, x: Int) {
                (p * (row - t) + r * (col - u), q * (row - t) + s * (col - u))
            }
            let first = back(rows.lowerBound, cols.lowerBound), last = back(rows.upperBound - 1, cols.upperBound - 1)
            let y0 = Swift.max(Swift.min(first.y, last.y), 0), y1 = Swift.min(Swift.max(first.y, last.y) + 1, height)
            let x0 = Swift.max(Swift.min(first.x, last.x), 0), x1 = Swift.min(Swift.max(first.x, last.x) + 1, width)
            rows = y0 < y1 ? y0..<y1 : 0..<0
            cols = x0 < x1 ? x0..<x1 : 0..<0
        }
        // source = M · (P · out + offset) + (c, f)
        (a, b, c, d, e, f) = (
            a * p + b * r, a * q + b * s, a * t + b * u + c,
            d * p + e * r, d * q + e * s, d * t + e * u + f
        )
    }

    /// Writes one `height` × `width` output plane from a source plane whose rows are `sourceWidth` long.
    func copy(
        from source: UnsafePointer<Float>, width sourceWidth: Int,
        to output: UnsafeMutablePointer<Float>, height: Int, width: Int
    ) {
        let step = b * sourceWidth + e  // source elements between horizontally adjacent outputs
        for y in 0..<height {
            let row = output + y * width
            guard rows.contains(y), !cols.isEmpty else {
                row.update(repeating: 0, count: width)
                continue
            }
            row.update(repeating: 0, count: cols.lowerBound)
            (row + cols.upperBound).update(repeating: 0, count: width - cols.upperBound)
            let x0 = cols.lowerBound
            let from = source + (a * y + b * x0 + c) * sourceWidth + (d * y + e * x0 + f)
            let to = row + x0
            if step == 1 {
                to.update(from: from, count: cols.count)
            } else {
                for x in 0..<cols.count { to[x] = from[x * step] }
            }
        }
    }
}
