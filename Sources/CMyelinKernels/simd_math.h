// exp, log, tanh, sigmoid, erf and GELU on one vector (simd.h), written once for every path.
//
// Each is a short polynomial on a reduced argument (coefficients fitted by weighted minimax on the
// ranges stated; approximation error ≤ 1e-8 relative, so float rounding dominates: the tests
// measure ≤ 3e-7 relative, 2.5 ulp, where the result is a normal float). Special values: exp
// overflows to inf and underflows gradually to 0, log(±0) = −inf, log(x < 0) = NaN, log(inf) = inf,
// NaN stays NaN, tanh and erf keep the sign of ±0 and saturate to ±1, sigmoid to 0 and 1.
// Clamps are written as selects (`x > c ? c : x`): a NaN compares false and passes through.
#ifndef CMYELIN_SIMD_MATH_H
#define CMYELIN_SIMD_MATH_H

#include "simd.h"

// e^r for |r| ≤ ln2/2: 1 + r + r²·q(r) (degree 6 overall), and r and n from x = n·ln 2 + r.
SIMD vf vexp_reduced(vf x, vf *n) {
    *n = vround(x * 1.44269504088896341f);
    vf r = vfma(-*n, 0.693145751953125f, x); // ln 2, high bits (n·high is exact)
    r = vfma(-*n, 1.428606765330187e-06f, r); // ln 2, the rest
    vf q = 0.0013814604608342052f;
    q = vfma(q, r, 0.008368710987269878f);
    q = vfma(q, r, 0.04166838899254799f);
    q = vfma(q, r, 0.1666652113199234f);
    q = vfma(q, r, 0.4999999403953552f);
    return vfma(r * r, q, r + 1.0f);
}

// e^x = 2^n · e^r with n = round(x / ln 2), |r| ≤ ln2/2. The clamp keeps inf − inf out of the
// reduction; vscale gives overflow and gradual underflow. Without AVX-512's scalef, where every
// lane lies in [−86.5, 88] (nearly always) 2^n·e^r is a normal float, and adding n to its exponent
// gives the same bits: the clamps and the two-factor scale were a third of AVX2's exp (0.24 → 0.17
// ns an element on Zen 5; AVX-512 ran its activations 2 % slower with the branch, so it keeps one
// path).
SIMD vf vexp(vf x) {
    vf n, p;
#if !defined(MYELIN_SIMD_AVX512)
    if (vall((x >= -86.5f) & (x <= 88.0f))) { // false for a NaN lane
        p = vexp_reduced(x, &n);
        return (vf)((vi)p + (__builtin_convertvector(n, vi) << 23));
    }
#endif
    x = x > 89.0f ? (vf)89.0f : x;
    x = x < -104.0f ? (vf)-104.0f : x;
    p = vexp_reduced(x, &n);
    return vscale(p, n);
}

// log x = e·ln 2 + log m with x = m·2^e, m ∈ [0.75, 1.5); log m = 2·atanh(s), s = (m−1)/(m+1),
// |s| ≤ 0.2, as 2s + s³·(2/3 + 2s²/5 + 2s⁴/7 + 2s⁶/9) (truncation ≤ 1e-8 relative).
SIMD vf vlog(vf x) {
    vf e;
    const vf m = vsplit(x, &e), s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
    vf q = 2.0f / 9.0f;
    q = vfma(q, s2, 2.0f / 7.0f);
    q = vfma(q, s2, 2.0f / 5.0f);
    q = vfma(q, s2, 2.0f / 3.0f);
    vf lm = vfma(s2 * s, q, s + s);
    lm = vfma(e, 1.428606765330187e-06f, lm); // ln 2, low part
    vf y = vfma(e, 0.693145751953125f, lm);
    y = x == 0.0f ? (vf)-__builtin_inff() : y;
    y = x < 0.0f ? (vf)__builtin_nanf("") : y;
    y = x == __builtin_inff() ? x : y;
    return x != x ? x : y; // NaN
}

// tanh: x + x³·p(x²) for |x| < 0.625 (accurate near 0), else 1 − 2/(e^{2|x|} + 1) with the sign
// of x; e^{2|x|} = inf past |x| ≈ 44 gives exactly ±1.
SIMD vf vtanh(vf x) {
    const vf ax = __builtin_elementwise_abs(x), x2 = x * x;
    vf p = -0.005704992450773716f;
    p = vfma(p, x2, 0.020639093592762947f);
    p = vfma(p, x2, -0.05373971909284592f);
    p = vfma(p, x2, 0.13331441581249237f);
    p = vfma(p, x2, -0.3333328068256378f);
    const vf small = vfma(x2 * x, p, x);
    const vf large = 1.0f - 2.0f / (vexp(ax + ax) + 1.0f);
    return __builtin_elementwise_copysign(ax < 0.625f ? small : large, x); // tanh(−0) = −0
}

SIMD vf vsigmoid(vf x) { return 1.0f / (1.0f + vexp(-x)); }

// erf: x·p(x²) for |x| < 0.875; else 1 − e^{−x²}·r(t) with t = 1/(1 + |x|/2), with the sign of x
// (|x| is capped at 4: there erf is 1 in float, whatever e^{−x²} is below e^{−16}).
SIMD vf verf(vf x) {
    const vf x2 = x * x;
    vf p = -0.0006203529192134738f;
    p = vfma(p, x2, 0.005032239481806755f);
    p = vfma(p, x2, -0.026791507378220558f);
    p = vfma(p, x2, 0.11282456666231155f);
    p = vfma(p, x2, -0.3761255145072937f);
    p = vfma(p, x2, 1.1283791065216064f);
    const vf small = x * p;
    vf ax = __builtin_elementwise_abs(x);
    const vi is_small = ax < 0.875f;
    ax = ax > 4.0f ? (vf)4.0f : ax;
    const vf t = 1.0f / vfma(ax, 0.5f, 1.0f);
    vf r = -0.2276238352060318f;
    r = vfma(r, t, 0.6273375153541565f);
    r = vfma(r, t, -0.05351092293858528f);
    r = vfma(r, t, 0.3904076814651489f);
    r = vfma(r, t, 0.26156097650527954f);
    r = vfma(r, t, 0.0016067905817180872f);
    return is_small ? small : __builtin_elementwise_copysign(1.0f - vexp(-(ax * ax)) * r, x);
}

// GELU, exact: x·Φ(x), Φ(x) = ½(1 + erf(x/√2)); its slope Φ(x) + x·φ(x), φ(x) = e^{−x²/2}/√(2π).
// Φ comes from its tail, which needs the same exponential as φ: with a = |x|/√2,
// erfc(a) = e^{−a²}·(1 + s·q(s)), s = p·a/(1 + p·a), q of degree 5 fitted on a ∈ [0, 4] (absolute
// error ≤ 4e-9; Tools/fit_gelu_tail.py), and e^{−a²} = e^{−x²/2}. So h = ½·erfc(a) = Φ(−|x|), and
// Φ(x) = h below 0, 1 − h from 0: one polynomial for every x, where erf takes two and a select
// (AVX2: 0.59 → 0.49 ns an element for GELU with its slope). The fit bounds absolute error, as the
// tests measure GELU; the negative tail, no longer a cancellation in 1 + erf, is also close in
// relative terms: about 1e-7 of Φ down to x = −2, 1.5e-5 at −4, 2e-4 at −5.7 (the fit's end).
SIMD vf vgelu_gauss(vf x) { return vexp(x * x * -0.5f); }

SIMD vf vgelu_cdf(vf x, vf gauss) {
    // |x| capped at 16, where e^{−x²/2} is already 0, so that s stays finite: inf/inf would make
    // GELU(+inf) NaN instead of inf.
    vf ax = __builtin_elementwise_abs(x);
    ax = ax > 16.0f ? (vf)16.0f : ax;
    const vf pa = ax * 0.36769554f, s = pa / (pa + 1.0f);
    vf h = 0.0559334829f; // ½·(1 + s·q(s)), highest power first
    h = vfma(h, s, -0.0295852181f);
    h = vfma(h, s, -0.140912965f);
    h = vfma(h, s, -0.0620548353f);
    h = vfma(h, s, 0.76414901f);
    h = vfma(h, s, -1.08498025f);
    h = vfma(h, s, 0.5f);
    h *= gauss;
    return x < 0.0f ? h : 1.0f - h;
}

SIMD vf vgelu(vf x) { return x * vgelu_cdf(x, vgelu_gauss(x)); }

// GELU (the result) and its slope (*slope) at x.
SIMD vf vgelu_with_slope(vf x, vf *slope) {
    const vf gauss = vgelu_gauss(x), cdf = vgelu_cdf(x, gauss);
    *slope = vfma(x, gauss * 0.39894228040143268f, cdf);
    return x * cdf;
}

#endif
