#!/usr/bin/env python3
"""Fits the polynomial behind GELU's Φ in Sources/CMyelinKernels/simd_math.h (`vgelu_cdf`).

    erfc(a) ≈ e^{−a²}·(1 + s·q(s)),  s = p·a / (1 + p·a),  a = |x|/√2 ∈ [0, 4]

q has degree 5. Minimax on the absolute error of erfc (Lawson's reweighted least squares in a
Chebyshev basis), p by a grid search. The leading 1 makes erfc(0) = 1, so Φ(0) = ½ exactly, and
writing the polynomial in s rather than t = 1/(1 + p·a) keeps Horner's sums from cancelling near
x = 0, where Φ ≈ ½ needs its last bits. Prints the constants as simd_math.h writes them: p/√2 and
the coefficients halved (the kernel computes ½·erfc = Φ(−|x|)). Needs numpy and scipy.

    python3 Tools/fit_gelu_tail.py
"""
import numpy as np
from numpy.polynomial import chebyshev, polynomial
from scipy.special import erfc

DEGREE = 5
A_MAX = 4.0  # beyond, ½·erfc(a) < 8e-9: absolute error past it is smaller still (the kernel's measure)


def fit(p, points=4000, rounds=300):
    a = np.linspace(0, A_MAX, points)
    s = p * a / (1 + p * a)
    s_max = p * A_MAX / (1 + p * A_MAX)
    gauss = np.exp(-a * a)
    target = erfc(a) - gauss  # what gauss·s·q(s) must add to gauss·1
    basis = chebyshev.chebvander(2 * s / s_max - 1, DEGREE) * (gauss * s)[:, None]
    weights = np.full(points, 1.0 / points)
    for _ in range(rounds):  # Lawson: weight the points by their error until it levels out
        root = np.sqrt(weights)
        c, *_ = np.linalg.lstsq(basis * root[:, None], target * root, rcond=None)
        weights *= np.abs(basis @ c - target)
        weights /= weights.sum()
    q = chebyshev.Chebyshev(c, domain=[0, s_max]).convert(kind=polynomial.Polynomial).coef
    coefficients = np.concatenate([[1.0], q])
    a = np.linspace(0, 8, 400001)
    s = p * a / (1 + p * a)
    error = np.max(np.abs(np.exp(-a * a) * polynomial.polyval(s, coefficients) - erfc(a)))
    return error, p, coefficients


best = min(fit(p, points=1500, rounds=100) for p in np.linspace(0.2, 1.2, 26))
best = min([best] + [fit(p) for p in np.linspace(best[1] - 0.04, best[1] + 0.04, 17)])
error, p, coefficients = best
print(f"p = {p:.4f}: |erfc error| ≤ {error:.2g} on a ∈ [0, 8]")
print(f"p/√2 = {np.float32(p / np.sqrt(2)):.9g}f")
print("½·coefficients, s⁰ first:", ", ".join(f"{np.float32(c / 2):.9g}f" for c in coefficients))
