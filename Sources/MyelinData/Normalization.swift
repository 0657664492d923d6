import MyelinTensor

/// Statistics fitted on training data that rescale features; apply the same ones to test data.
///
/// Values are rows of `featureCount` features laid out row-major ([N, F], or [N, ...] with F the
/// product of the non-leading dimensions). Fitted globally, there is one statistic for all
/// features (featureCount 1), which applies to rows of any width.
public protocol FeatureNormalizer {
    /// Features per row the statistics are for (1 when fitted globally).
    var featureCount: Int { get }
    /// Rescales `values` in place.
    func apply(to values: inout [Float])
    /// Undoes `apply` in place (up to rounding).
    func invert(_ values: inout [Float])
}

extension FeatureNormalizer {
    /// `values` rescaled.
    public func applied(to values: [Float]) -> [Float] {
        var v = values
        apply(to: &v)
        return v
    }

    /// A new float32 tensor [N, ...] with the rescaled values of `tensor` (same shape).
    public func applied(to tensor: Tensor) -> Tensor {
        var v = tensor.scalars
        apply(to: &v)
        return Tensor(shape: tensor.shape, scalars: v)
    }

    /// A new float32 tensor with `apply` undone.
    public func inverted(_ tensor: Tensor) -> Tensor {
        var v = tensor.scalars
        invert(&v)
        return Tensor(shape: tensor.shape, scalars: v)
    }
}

/// x ↦ (x − shift[f]) / divisor[f], f = the feature of x: the common form of both normalisers.
/// (Division, not multiplication by a reciprocal, so results match `(x - mean) / std` exactly.)
private func affine(_ values: inout [Float], shift: [Float], divisor: [Float], what: String) {
    let k = shift.count
    precondition(values.count % k == 0, "\(what): \(values.count) values are not rows of \(k) features")
    values.withUnsafeMutableBufferPointer { v in
        shift.withUnsafeBufferPointer { s in
            divisor.withUnsafeBufferPointer { d in
                var i = 0
                while i < v.count {
                    for f in 0..<k { v[i + f] = (v[i + f] - s[f]) / d[f] }
                    i += k
                }
            }
        }
    }
}

/// Per-feature (or global) sums in double precision: (count per feature, sum, min, max).
private func columnStatistics(_ values: [Float], featureCount k: Int, what: String)
    -> (n: Int, sum: [Double], minimum: [Float], maximum: [Float])
{
    precondition(k > 0, "\(what): featureCount must be positive")
    precondition(values.count % k == 0, "\(what): \(values.count) values are not rows of \(k) features")
    precondition(!values.isEmpty, "\(what): cannot fit statistics on no data")
    var sum = [Double](repeating: 0, count: k)
    var minimum = [Float](repeating: .infinity, count: k)
    var maximum = [Float](repeating: -.infinity, count: k)
    for (i, x) in values.enumerated() {
        let f = i % k
        sum[f] += Double(x)
        minimum[f] = min(minimum[f], x)
        maximum[f] = max(maximum[f], x)
    }
    return (values.count / k, sum, minimum, maximum)
}

/// Features of a tensor [N, ...]: the product of the non-leading dimensions.
private func featuresPerRow(_ tensor: Tensor, what: String) -> Int {
    precondition(tensor.rank >= 1, "\(what): a tensor of shape \(tensor.shape) has no example dimension")
    return tensor.shape.dropFirst().reduce(1, *)
}

/// Min-max scaling: maps each feature's fitted [min, max] onto `range` (default [0, 1]).
///
/// A constant feature (min = max) maps to `range.lowerBound`, as scikit-learn's MinMaxScaler does.
public struct MinMaxScaling: FeatureNormalizer {
    /// Fitted minimum per feature (one value when global).
    public let minimum: [Float]
    /// Fitted maximum per feature (one value when global).
    public let maximum: [Float]
    /// The target interval.
    public let range: ClosedRange<Float>
    /// (max − min) / range width; infinite for a constant feature, which then maps to 0.
    private let divisor: [Float]

    /// Fits on `values`, rows of `featureCount` features; `perFeature: false` fits one min and max.
    public init(fitting values: [Float], featureCount: Int, perFeature: Bool = true, range: ClosedRange<Float> = 0...1) {
        let stats = columnStatistics(values, featureCount: perFeature ? featureCount : 1, what: "MinMaxScaling")
        self.init(minimum: stats.minimum, maximum: stats.maximum, range: range)
    }

    /// Fits on a tensor [N, ...] (features = non-leading dimensions).
    public init(fitting tensor: Tensor, perFeature: Bool = true, range: ClosedRange<Float> = 0...1) {
        self.init(
            fitting: tensor.scalars, featureCount: featuresPerRow(tensor, what: "MinMaxScaling"),
            perFeature: perFeature, range: range)
    }

    /// Known bounds (e.g. 0 and 255 for image bytes).
    public init(minimum: [Float], maximum: [Float], range: ClosedRange<Float> = 0...1) {
        precondition(
            minimum.count == maximum.count && !minimum.isEmpty,
            "MinMaxScaling: \(minimum.count) minima and \(maximum.count) maxima")
        self.minimum = minimum
        self.maximum = maximum
        self.range = range
        let width = range.upperBound - range.lowerBound
        divisor = zip(minimum, maximum).map { lo, hi in hi > lo ? (hi - lo) / width : .infinity }
    }

    public var featureCount: Int { minimum.count }

    public func apply(to values: inout [Float]) {
        affine(&values, shift: minimum, divisor: divisor, what: "MinMaxScaling")
        if range.lowerBound != 0 {
            for i in values.indices { values[i] += range.lowerBound }
        }
    }

    public func invert(_ values: inout [Float]) {
        if range.lowerBound != 0 {
            for i in values.indices { values[i] -= range.lowerBound }
        }
        // A constant feature's inverse is the constant itself.
        let k = minimum.count
        precondition(values.count % k == 0, "MinMaxScaling: \(values.count) values are not rows of \(k) features")
        for i in values.indices {
            let f = i % k
            values[i] = divisor[f].isInfinite ? minimum[f] : values[i] * divisor[f] + minimum[f]
        }
    }
}

/// Standardisation: (x − mean) / std per feature, with statistics fitted on training data.
///
/// The standard deviation is the population one (divide by N), as scikit-learn's StandardScaler
/// uses; a constant feature (std 0) is only centred. When fitting, the variance is computed in two
/// passes in double precision, and a std negligible next to the mean (see
/// `negligibleRelativeSpread`) counts as 0, so a constant that float32 cannot represent exactly
/// (0.1) is still recognised as constant.
public struct Standardization: FeatureNormalizer {
    /// Fitted mean per feature (one value when global).
    public let mean: [Float]
    /// Fitted standard deviation per feature (one value when global).
    public let standardDeviation: [Float]
    /// The std, or 1 for a constant feature.
    private let divisor: [Float]

    /// When fitting, a std ≤ this × max(|mean|, smallest normal float) counts as 0 (a constant
    /// feature): float32 values carry about 6e-8 relative precision, so such a spread is rounding.
    public static let negligibleRelativeSpread = 1e-6

    /// Fits on `values`, rows of `featureCount` features; `perFeature: false` fits one mean and std.
    public init(fitting values: [Float], featureCount: Int, perFeature: Bool = true) {
        let k = perFeature ? featureCount : 1
        let stats = columnStatistics(values, featureCount: k, what: "Standardization")
        let n = Double(stats.n)
        let means = stats.sum.map { $0 / n }
        // Second pass: deviations from the mean, in double. (E[x²] − m² cancels catastrophically and
        // leaves a spurious positive variance for a constant feature such as 0.1.) The sum of the
        // deviations corrects for the rounding of the mean (the "corrected two-pass" algorithm).
        var deviationSum = [Double](repeating: 0, count: k)
        var deviationSquares = [Double](repeating: 0, count: k)
        for (i, x) in values.enumerated() {
            let d = Double(x) - means[i % k]
            deviationSum[i % k] += d
            deviationSquares[i % k] += d * d
        }
        var mean = [Float](), std = [Float]()
        for f in 0..<k {
            let m = means[f]
            let variance = max((deviationSquares[f] - deviationSum[f] * deviationSum[f] / n) / n, 0)
            var s = stats.minimum[f] == stats.maximum[f] ? 0 : variance.squareRoot()
            // A spread this small relative to the mean is float32 rounding of a constant feature,
            // not signal: treat it as std 0 (only centred) instead of dividing by it.
            if s <= Standardization.negligibleRelativeSpread * max(abs(m), Double(Float.leastNormalMagnitude)) {
                s = 0
            }
            mean.append(Float(m))
            std.append(Float(s))
        }
        self.init(mean: mean, standardDeviation: std)
    }

    /// Fits on a tensor [N, ...] (features = non-leading dimensions).
    public init(fitting tensor: Tensor, perFeature: Bool = true) {
        self.init(
            fitting: tensor.scalars, featureCount: featuresPerRow(tensor, what: "Standardization"),
            perFeature: perFeature)
    }

    /// Known statistics (e.g. MNIST's usual 0.1307 and 0.3081).
    public init(mean: [Float], standardDeviation: [Float]) {
        precondition(
            mean.count == standardDeviation.count && !mean.isEmpty,
            "Standardization: \(mean.count) means and \(standardDeviation.count) standard deviations")
        precondition(standardDeviation.allSatisfy { $0 >= 0 }, "Standardization: a standard deviation is negative")
        self.mean = mean
        self.standardDeviation = standardDeviation
        divisor = standardDeviation.map { $0 > 0 ? $0 : 1 }
    }

    public var featureCount: Int { mean.count }

    public func apply(to values: inout [Float]) {
        affine(&values, shift: mean, divisor: divisor, what: "Standardization")
    }

    public func invert(_ values: inout [Float]) {
        let k = mean.count
        precondition(values.count % k == 0, "Standardization: \(values.count) values are not rows of \(k) features")
        for i in values.indices { values[i] = values[i] * divisor[i % k] + mean[i % k] }
    }
}
