// AVX-512 building blocks shared by the vector math and the kernels that apply it in place
// (attention's softmax rows). Include inside `#if MYELIN_X86`.
#ifndef CMYELIN_AVX512_MATH_H
#define CMYELIN_AVX512_MATH_H

#include <immintrin.h>

#include "internal.h"

MYELIN_INLINE MYELIN_TARGET_AVX512 __m512 splat(float v) { return _mm512_set1_ps(v); }

// e^x = 2^n · e^r with n = round(x / ln 2), |r| ≤ ln2/2, e^r = 1 + r + r²·q(r) (degree 6 overall).
// scalef applies 2^n with correct overflow to inf and gradual underflow to 0. The clamp keeps
// inf − inf out of the reduction and lets NaN through (min/max return their second operand on NaN).
MYELIN_INLINE MYELIN_TARGET_AVX512 __m512 exp16(__m512 x) {
    x = _mm512_max_ps(splat(-104.0f), _mm512_min_ps(splat(89.0f), x));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, splat(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, splat(0.693145751953125f), x); // ln 2, high bits (exact product)
    r = _mm512_fnmadd_ps(n, splat(1.428606765330187e-06f), r);     // ln 2, the rest
    __m512 q = splat(0.0013814604608342052f);
    q = _mm512_fmadd_ps(q, r, splat(0.008368710987269878f));
    q = _mm512_fmadd_ps(q, r, splat(0.04166838899254799f));
    q = _mm512_fmadd_ps(q, r, splat(0.1666652113199234f));
    q = _mm512_fmadd_ps(q, r, splat(0.4999999403953552f));
    const __m512 p = _mm512_fmadd_ps(_mm512_mul_ps(r, r), q, _mm512_add_ps(r, splat(1.0f)));
    return _mm512_scalef_ps(p, n);
}

/// The lanes [0, count) of a vector, for loads and stores of a row's last, partial vector.
MYELIN_INLINE __mmask16 myelin_lanes(int64_t count) {
    return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
}

#endif
