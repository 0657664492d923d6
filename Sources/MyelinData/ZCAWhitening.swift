import MyelinTensor

/// ZCA whitening ("μ/σ normalisation and whitening" on the tricks-of-the-trade slide): centres the
/// features and multiplies by W = (C + εI)^(−1/2), C the features' covariance on the fitted data,
/// so that the whitened features are uncorrelated with unit variance (where C's eigenvalues are
/// well above ε), while staying as close to the original features as whitening allows — ZCA's
/// W is symmetric, so whitened digits still look like digits with their edges brought out.
///
/// W and its inverse come from the coupled Newton–Schulz iteration (matrix products only, which
/// the SGEMM does fast), in float32 on the covariance scaled to norm ≤ 1.
///
/// ```swift
/// let zca = ZCAWhitening(fitting: trainImages, epsilon: 0.1)       // [N, 1, 28, 28]
/// let whitened = zca.applied(to: testImages)
/// ```
public struct ZCAWhitening: FeatureNormalizer, Codable, Equatable {
    /// Fitted mean per feature.
    public let mean: [Float]
    /// W, [F, F] row-major: the whitening matrix.
    public let whitening: [Float]
    /// W⁻¹ = (C + εI)^(1/2), for `invert`.
    public let colouring: [Float]
    /// The regulariser added to the covariance's diagonal.
    public let epsilon: Float

    /// Fits on `values`, rows of `featureCount` features.
    public init(fitting values: [Float], featureCount: Int, epsilon: Float = 0.1) {
        precondition(
            featureCount > 0 && !values.isEmpty && values.count % featureCount == 0,
            "ZCAWhitening: \(values.count) values are not rows of \(featureCount) features")
        precondition(epsilon > 0 && epsilon.isFinite, "ZCAWhitening: epsilon must be positive, got \(epsilon)")
        let n = values.count / featureCount, f = featureCount
        let x = Tensor(shape: [n, f], scalars: values)
        let mean = withoutGrad { x.mean(axis: 0) }
        let centred = withoutGrad { x - mean }
        let covariance = withoutGrad { matmul(centred.T, centred) / Float(n) + Tensor.eye(f) * epsilon }
        let (inverseRoot, root) = Self.inverseSquareRoot(covariance)
        self.init(mean: mean.scalars, whitening: inverseRoot.scalars, colouring: root.scalars, epsilon: epsilon)
    }

    /// Fits on a tensor [N, ...] (features = non-leading dimensions).
    public init(fitting tensor: Tensor, epsilon: Float = 0.1) {
        precondition(tensor.rank >= 1, "ZCAWhitening: a tensor of shape \(tensor.shape) has no example dimension")
        self.init(fitting: tensor.scalars, featureCount: tensor.shape.dropFirst().reduce(1, *), epsilon: epsilon)
    }

    /// Known statistics (a fitted whitening read back).
    public init(mean: [Float], whitening: [Float], colouring: [Float], epsilon: Float) {
        let f = mean.count
        precondition(
            f > 0 && whitening.count == f * f && colouring.count == f * f,
            "ZCAWhitening: \(f) means need \(f)×\(f) matrices, got \(whitening.count) and \(colouring.count) values")
        (self.mean, self.whitening, self.colouring, self.epsilon) = (mean, whitening, colouring, epsilon)
    }

    public var featureCount: Int { mean.count }

    /// (A^(−1/2), A^(1/2)) of a symmetric positive definite A: the coupled Newton–Schulz iteration
    /// Y ← Y·T, Z ← T·Z with T = (3I − Z·Y)/2, from Y = A/‖A‖, Z = I, which converges to
    /// (A/‖A‖)^(1/2) and its inverse while every eigenvalue of A/‖A‖ lies in (0, 1].
    static func inverseSquareRoot(_ a: Tensor) -> (inverse: Tensor, root: Tensor) {
        withoutGrad {
            let f = a.shape[0]
            let norm = (a * a).sum().item.squareRoot()
            let identity = Tensor.eye(f)
            var y = a / norm, z = identity
            for _ in 0..<100 {
                // Converged when Z·Y is the identity to float32 precision; the product serves the step too.
                let product = matmul(z, y)
                if (product - identity).abs().max().item < 1e-5 { break }
                let t = (identity * 3 - product) / 2
                (y, z) = (matmul(y, t), matmul(t, z))
            }
            let scale = norm.squareRoot()
            return (z / scale, y * scale)
        }
    }

    public func apply(to values: inout [Float]) {
        values = transform(values, subtracting: mean, by: whitening, adding: nil)
    }

    public func invert(_ values: inout [Float]) {
        values = transform(values, subtracting: nil, by: colouring, adding: mean)
    }

    /// Rows of `values` centred by `subtracting`, multiplied by the symmetric `matrix`, then shifted by `adding`.
    private func transform(_ values: [Float], subtracting shift: [Float]?, by matrix: [Float], adding offset: [Float]?) -> [Float] {
        let f = featureCount
        precondition(values.count % f == 0, "ZCAWhitening: \(values.count) values are not rows of \(f) features")
        return withoutGrad {
            var x = Tensor(shape: [values.count / f, f], scalars: values)
            if let shift { x = x - Tensor(shift) }
            var y = matmul(x, Tensor(shape: [f, f], scalars: matrix))
            if let offset { y = y + Tensor(offset) }
            return y.scalars
        }
    }
}
