import Foundation

/// One axis of a plot: its range, tick positions and tick labels, all in plotted units
/// (the value itself on a linear axis, log10 of it on a logarithmic one).
package struct PlotAxis: Equatable {
    package var low: Double
    package var high: Double
    package var ticks: [Double]
    package var labels: [String]
    package var isLogarithmic: Bool

    /// Where a data value falls, 0 at `low` and 1 at `high`.
    package func fraction(_ value: Double) -> Double {
        let u = isLogarithmic ? log10(value) : value
        return (u - low) / (high - low)
    }

    /// A linear axis over `[minimum, maximum]` with round tick values 1, 2 or 5 × 10^k apart (about
    /// `target` intervals), widened to the ticks on either side unless `tight` (then ticks fall inside).
    /// An empty range (no data) becomes 0...1; a single value is widened around itself.
    package static func linear(_ minimum: Double, _ maximum: Double, target: Int = 5, tight: Bool = false) -> PlotAxis {
        var lo = minimum, hi = maximum
        if !(lo.isFinite && hi.isFinite && lo <= hi) { lo = 0; hi = 1 }
        if lo == hi {
            let margin = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= margin; hi += margin
        }
        // Divide before subtracting: hi - lo overflows for values near ±Double.greatestFiniteMagnitude.
        let step = niceStep(hi / Double(target) - lo / Double(target))
        // The small slack keeps 3.0000000001 × step from adding an empty interval (or losing a tick).
        let first = tight ? (lo / step - 1e-9).rounded(.up) : (lo / step + 1e-9).rounded(.down)
        let last = tight ? (hi / step + 1e-9).rounded(.down) : (hi / step - 1e-9).rounded(.up)
        let ticks = stride(from: first, through: last, by: 1).map { k -> Double in
            let v = k * step
            return abs(v) < step * 1e-9 ? 0 : v
        }
        return PlotAxis(
            low: tight ? lo : first * step, high: tight ? hi : last * step, ticks: ticks,
            labels: ticks.map { formatTick($0, step: step, largest: max(abs(first), abs(last)) * step) },
            isLogarithmic: false)
    }

    /// A log10 axis over positive `[minimum, maximum]`, widened to whole decades, ticks at powers of ten
    /// (also at 2× and 5× when it spans at most two decades).
    package static func logarithmic(_ minimum: Double, _ maximum: Double) -> PlotAxis {
        var lo = 0.0, hi = 1.0
        if minimum.isFinite, maximum.isFinite, minimum > 0, minimum <= maximum {
            lo = log10(minimum).rounded(.down)
            hi = log10(maximum).rounded(.up)
        }
        if hi == lo { hi += 1 }
        let decades = Int(hi - lo)
        var ticks: [Double] = []
        var labels: [String] = []
        let every = max(1, (decades + 5) / 6)
        for k in Int(lo)...Int(hi) where (k - Int(lo)) % every == 0 {
            let mantissas: [Double] = decades <= 2 && k < Int(hi) ? [1, 2, 5] : [1]
            for m in mantissas {
                ticks.append(Double(k) + log10(m))
                labels.append(formatPower(mantissa: Int(m), exponent: k))
            }
        }
        return PlotAxis(low: lo, high: hi, ticks: ticks, labels: labels, isLogarithmic: true)
    }
}

/// 1, 2 or 5 × 10^k, the smallest such at least `rough`.
package func niceStep(_ rough: Double) -> Double {
    guard rough > 0, rough.isFinite else { return 1 }
    let magnitude = pow(10, log10(rough).rounded(.down))
    let residual = rough / magnitude
    let factor: Double = residual <= 1 + 1e-9 ? 1 : residual <= 2 + 1e-9 ? 2 : residual <= 5 + 1e-9 ? 5 : 10
    return factor * magnitude
}

/// A tick label with as many decimals as the step needs; scientific for very large or small values.
package func formatTick(_ value: Double, step: Double, largest: Double) -> String {
    if value == 0 { return "0" }
    let stepExponent = Int(log10(step).rounded(.down))
    if largest >= 1e6 || step < 1e-4 {
        let decimals = max(0, Int(log10(abs(value)).rounded(.down)) - stepExponent)
        return compactExponent(String(format: "%.\(decimals)e", value))
    }
    return String(format: "%.\(max(0, -stepExponent))f", value)
}

/// `m`·10^`e` as a plain decimal between 0.001 and 100000, as `me`+`e` outside.
package func formatPower(mantissa: Int, exponent: Int) -> String {
    if exponent >= 0 && exponent <= 5 {
        return String(mantissa) + String(repeating: "0", count: exponent)
    }
    if exponent < 0 && exponent >= -3 {
        return "0." + String(repeating: "0", count: -exponent - 1) + String(mantissa)
    }
    return "\(mantissa)e\(exponent)"
}

/// `1.0e-05` → `1e-5`, `2.50e+07` → `2.5e7`: shorter labels, same meaning.
private func compactExponent(_ text: String) -> String {
    guard let e = text.firstIndex(of: "e") else { return text }
    var mantissa = String(text[..<e])
    if mantissa.contains(".") {
        while mantissa.hasSuffix("0") { mantissa.removeLast() }
        if mantissa.hasSuffix(".") { mantissa.removeLast() }
    }
    var exponent = String(text[text.index(after: e)...])
    let negative = exponent.hasPrefix("-")
    exponent = String(exponent.drop { $0 == "+" || $0 == "-" || $0 == "0" })
    return mantissa + "e" + (negative ? "-" : "") + (exponent.isEmpty ? "0" : exponent)
}
