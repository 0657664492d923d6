import Foundation
import MyelinTensor

/// The codes of a latent manifold picture (Kingma & Welling 2014, figure 4): a `side`×`side` grid
/// over a 2-D code whose points sit at the normal quantiles of evenly spaced probabilities from
/// `margin` to 1 − `margin` on each axis, so that every cell of the grid holds as much of the prior
/// N(0, I) as any other. Row-major, top row first: z₁ rises from left to right and z₂ from the
/// bottom row to the top, as on a plot's axes. Shape [side², 2].
public func latentManifoldCodes(side: Int = 20, margin: Double = 0.05) -> Tensor {
    precondition(side >= 2, "latentManifoldCodes: a grid needs a side of at least 2, got \(side)")
    precondition(margin > 0 && margin < 0.5, "latentManifoldCodes: margin \(margin) is not in (0, 0.5)")
    let values = (0..<side).map { Float(standardNormalQuantile(margin + (1 - 2 * margin) * Double($0) / Double(side - 1))) }
    var codes: [Float] = []
    for row in 0..<side {
        for column in 0..<side { codes += [values[column], values[side - 1 - row]] }
    }
    return Tensor(shape: [side * side, 2], scalars: codes)
}

/// Φ⁻¹(p), the standard normal's quantile, for 0 < p < 1: Acklam's rational approximation (relative
/// error below 1.2e-9) refined by one Halley step on erfc, which brings it to double precision.
public func standardNormalQuantile(_ p: Double) -> Double {
    precondition(p > 0 && p < 1, "standardNormalQuantile: p \(p) is not in (0, 1)")
    let a = [
        -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01,
        2.506628277459239e+00,
    ]
    let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
    let c = [
        -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00,
        2.938163982698783e+00,
    ]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    func tail(_ q: Double) -> Double {
        ((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]
    }
    func tailDenominator(_ q: Double) -> Double { (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1 }
    var x: Double
    if p < 0.02425 {
        let q = (-2 * log(p)).squareRoot()
        x = tail(q) / tailDenominator(q)
    } else if p > 1 - 0.02425 {
        let q = (-2 * log(1 - p)).squareRoot()
        x = -tail(q) / tailDenominator(q)
    } else {
        let q = p - 0.5, r = q * q
        x =
            (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
    // Halley's step on Φ(x) − p, with Φ(x) = erfc(−x/√2)/2.
    let error = 0.5 * erfc(-x / 2.0.squareRoot()) - p
    let u = error * (2 * Double.pi).squareRoot() * exp(x * x / 2)
    x -= u / (1 + x * u / 2)
    return x
}
