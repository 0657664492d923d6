import MyelinTensor

/// How a digit is written, measured on its pixels: what latent arithmetic picks samples by.
///
/// Images are [N, …, H, W] with ink in 0…1 (0 the page); each measure gives one number per image.
public enum StrokeAttribute: String, CaseIterable, Sendable {
    /// The strokes' width in pixels: the inked area (pixels above ½) over the length of its
    /// skeleton (Zhang & Suen's thinning of that area to lines one pixel wide). The skeleton stops
    /// about half a width short of a stroke's ends, so short thick strokes measure a little thicker
    /// than they are (a bar 5 wide and 20 long: 6.7). 0 for an empty image.
    case thickness
    /// How far the strokes lean to the right, as the shear that would stand them upright: −μ₁₁/μ₀₂,
    /// the second moments of the ink (x to the right, y down), in pixels of x per pixel of y.
    /// Positive for a digit written like /, negative like \, 0 for an empty image.
    case slant

    /// This attribute of each image.
    public func measure(_ images: Tensor) -> [Double] {
        precondition(images.rank >= 3, "StrokeAttribute.measure: images must be [N, …, H, W], got shape \(images.shape)")
        let (height, width) = (images.shape[images.rank - 2], images.shape[images.rank - 1])
        let pixels = images.contiguous().scalars, size = height * width
        precondition(
            pixels.count == images.shape[0] * size, "StrokeAttribute.measure: images must have one channel, got shape \(images.shape)")
        return (0..<images.shape[0]).map { n in
            let image = pixels[(n * size)..<((n + 1) * size)]
            switch self {
            case .thickness:
                let ink = image.map { $0 > 0.5 }
                let length = zhangSuenSkeleton(ink, height: height, width: width).filter { $0 }.count
                return length == 0 ? 0 : Double(ink.filter { $0 }.count) / Double(length)
            case .slant:
                return Self.slant(Array(image), height: height, width: width)
            }
        }
    }

    private static func slant(_ ink: [Float], height: Int, width: Int) -> Double {
        var (mass, sumX, sumY) = (0.0, 0.0, 0.0)
        for y in 0..<height {
            for x in 0..<width {
                let w = Double(ink[y * width + x])
                (mass, sumX, sumY) = (mass + w, sumX + w * Double(x), sumY + w * Double(y))
            }
        }
        guard mass > 0 else { return 0 }
        let (meanX, meanY) = (sumX / mass, sumY / mass)
        var (xy, yy) = (0.0, 0.0)
        for y in 0..<height {
            for x in 0..<width {
                let w = Double(ink[y * width + x]), dy = Double(y) - meanY
                (xy, yy) = (xy + w * (Double(x) - meanX) * dy, yy + w * dy * dy)
            }
        }
        return yy > 0 ? -xy / yy : 0
    }
}

/// Zhang & Suen's thinning (1984): peels `ink` [height·width], row-major, down to lines one
/// pixel wide that keep its shape's connections, by two alternating sub-passes that each delete
/// the boundary pixels whose removal breaks nothing, until neither deletes any.
func zhangSuenSkeleton(_ ink: [Bool], height: Int, width: Int) -> [Bool] {
    var image = ink
    func at(_ y: Int, _ x: Int) -> Bool { y >= 0 && y < height && x >= 0 && x < width && image[y * width + x] }
    // The neighbours P2…P9, clockwise from the one above; their bits in a mask, and the four sides'.
    let around = [(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)]
    let (north, east, south, west): (UInt8, UInt8, UInt8, UInt8) = (1, 1 << 2, 1 << 4, 1 << 6)
    var changed = true
    while changed {
        changed = false
        for pass in 0..<2 {
            var deleted: [Int] = []
            for y in 0..<height {
                for x in 0..<width where image[y * width + x] {
                    var p: UInt8 = 0
                    for (k, (dy, dx)) in around.enumerated() where at(y + dy, x + dx) { p |= 1 << k }
                    // 0 → 1 steps going round: bit k of `next` is neighbour k + 1.
                    let next = p >> 1 | p << 7
                    guard (2...6).contains(p.nonzeroBitCount) && (~p & next).nonzeroBitCount == 1 else { continue }
                    func inked(_ sides: UInt8) -> Bool { p & sides == sides }
                    // Pass 1 takes south-east boundary pixels and north-west corners; pass 2 the reverse.
                    let removable =
                        pass == 0
                        ? !inked(north | east | south) && !inked(east | south | west)
                        : !inked(north | east | west) && !inked(north | south | west)
                    if removable { deleted.append(y * width + x) }
                }
            }
            for index in deleted { image[index] = false }
            changed = changed || !deleted.isEmpty
        }
    }
    return image
}
