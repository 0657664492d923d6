// One SIMD vector for the kernel path the including file is compiled for, and the few operations
// whose best form differs between instruction sets. Everything written on top of it (simd_math.h,
// simd_rows.h) is one piece of code for every path.
//
// The including file defines MYELIN_SIMD_AVX512 or MYELIN_SIMD_AVX2 (and compiles its functions
// for that target) or neither (portable: the baseline ISA, SSE2 on x86-64 and NEON on Arm). The
// vectors are clang's ext_vector_type: arithmetic, comparisons (−1/0 per lane) and `mask ? a : b`
// work lane-wise, and the compiler emits the instruction set of the function's target.
#ifndef CMYELIN_SIMD_H
#define CMYELIN_SIMD_H

#include <stdint.h>

#include "internal.h"

#if defined(MYELIN_SIMD_AVX512)
#include <immintrin.h>
#define LANES 16
#elif defined(MYELIN_SIMD_AVX2)
#include <immintrin.h>
#define LANES 8
#else
#define LANES 4
#endif

typedef float vf __attribute__((ext_vector_type(LANES)));
typedef int32_t vi __attribute__((ext_vector_type(LANES))); // lane masks (−1 or 0) and integers

#define SIMD MYELIN_INLINE

SIMD vf vload(const float *p) {
    vf v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

SIMD void vstore(float *p, vf v) { __builtin_memcpy(p, &v, sizeof v); }

// Lanes [0, count) as a mask (all of them when count ≥ LANES).
SIMD vi vlanes(int64_t count) {
    static const int32_t index[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    vi i;
    __builtin_memcpy(&i, index, sizeof i);
    return i < (int32_t)(count < LANES ? count : LANES);
}

#if defined(MYELIN_SIMD_AVX512)
SIMD __mmask16 lane_mask(int64_t count) {
    return count >= 16 ? (__mmask16)0xFFFF : count <= 0 ? (__mmask16)0 : (__mmask16)((1u << count) - 1);
}
#endif

// Loads the first `count` floats (count may be ≥ LANES: a whole vector, or ≤ 0: none); the other
// lanes are 0 and their memory is not read.
SIMD vf vload_first(const float *p, int64_t count) {
#if defined(MYELIN_SIMD_AVX512)
    return (vf)_mm512_maskz_loadu_ps(lane_mask(count), p);
#elif defined(MYELIN_SIMD_AVX2)
    if (count >= LANES) return vload(p); // a masked load or store costs more than a plain one here
    return (vf)_mm256_maskload_ps(p, (__m256i)vlanes(count));
#else
    if (count >= LANES) return vload(p);
    vf v = 0;
    for (int i = 0; i < count; i++) v[i] = p[i];
    return v;
#endif
}

// Stores the first `count` lanes (all when count ≥ LANES, none when ≤ 0); memory past them is
// not touched.
SIMD void vstore_first(float *p, vf v, int64_t count) {
#if defined(MYELIN_SIMD_AVX512)
    _mm512_mask_storeu_ps(p, lane_mask(count), (__m512)v);
#elif defined(MYELIN_SIMD_AVX2)
    if (count >= LANES) {
        vstore(p, v);
        return;
    }
    _mm256_maskstore_ps(p, (__m256i)vlanes(count), (__m256)v);
#else
    if (count >= LANES) {
        vstore(p, v);
        return;
    }
    for (int i = 0; i < count; i++) p[i] = v[i];
#endif
}

// a·b + c. Fused where the path has FMA (AVX2, AVX-512, every Arm64 core); on baseline x86-64 it
// is a multiply and an add (an emulated fma would cost a library call per lane).
SIMD vf vfma(vf a, vf b, vf c) {
#if defined(MYELIN_SIMD_AVX512) || defined(MYELIN_SIMD_AVX2) || defined(__aarch64__) || defined(__FMA__)
    return __builtin_elementwise_fma(a, b, c);
#else
    return a * b + c;
#endif
}

// Rounds to the nearest integer, ties to even, for |x| < 2²²: adding and taking away 1.5·2²³
// leaves no fraction bits (a rounding instruction is not in baseline x86-64).
SIMD vf vround(vf x) {
#if defined(MYELIN_SIMD_AVX512) || defined(MYELIN_SIMD_AVX2) || defined(__aarch64__)
    return __builtin_elementwise_roundeven(x);
#else
    const vf magic = 12582912.0f; // IEEE arithmetic: the compiler may not fold this back into x
    return (x + magic) - magic;
#endif
}

// p·2ⁿ (n integral, |n| ≤ 254), rounded once, with overflow to ±inf and gradual underflow: as
// AVX-512's scalef, and elsewhere as two exact power-of-two factors, the second carrying the
// rounding.
SIMD vf vscale(vf p, vf n) {
#if defined(MYELIN_SIMD_AVX512)
    return (vf)_mm512_scalef_ps((__m512)p, (__m512)n);
#else
    const vi k = __builtin_convertvector(n, vi), k1 = k >> 1, k2 = k - k1;
    return p * (vf)((k1 + 127) << 23) * (vf)((k2 + 127) << 23);
#endif
}

// x = m·2^e with m ∈ [0.75, 1.5), for positive finite x (denormals included): AVX-512's getmant
// and getexp, elsewhere from the bits (denormals first scaled by 2²³ into the normal range).
SIMD vf vsplit(vf x, vf *e) {
#if defined(MYELIN_SIMD_AVX512)
    const vf m = (vf)_mm512_getmant_ps((__m512)x, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_src);
    const vf exponent = (vf)_mm512_getexp_ps((__m512)x); // floor(log2 x); m < 1 came from [1.5, 2) halved
    *e = m < 1.0f ? exponent + 1.0f : exponent;
    return m;
#else
    const vi denormal = x < 1.17549435e-38f;
    const vi bits = (vi)(denormal ? x * 8388608.0f : x);
    vf exponent = __builtin_convertvector(((bits >> 23) & 0xFF) - 127, vf) - (denormal ? (vf)23.0f : (vf)0.0f);
    vf m = (vf)((bits & 0x007FFFFF) | 0x3F800000); // [1, 2)
    const vi high = m >= 1.5f;
    *e = high ? exponent + 1.0f : exponent;
    return high ? m * 0.5f : m;
#endif
}

// Transposes a LANES×LANES block in place: r[i][j] becomes r[j][i].
SIMD void vtranspose(vf r[LANES]) {
#if defined(MYELIN_SIMD_AVX512)
    __m512 t[16], *x = (__m512 *)r;
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(x[i], x[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(x[i], x[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        x[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        x[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        x[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        x[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    // Now x[4g + s] holds, in its 128-bit lane L, column 4L + s of rows 4g..4g+3: gather the lanes.
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(x[i], x[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(x[i], x[i + 4], 0xDD);
        t[i + 8] = _mm512_shuffle_f32x4(x[i + 8], x[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(x[i + 8], x[i + 12], 0xDD);
    }
    for (int i = 0; i < 4; i++) {
        x[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        x[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
        x[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
        x[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xDD);
    }
#elif defined(MYELIN_SIMD_AVX2)
    __m256 t[8], *x = (__m256 *)r;
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(x[i], x[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(x[i], x[i + 1]);
    }
    // x[4g + s] holds, in its 128-bit lane L, column 4L + s of rows 4g..4g+3.
    for (int i = 0; i < 8; i += 4) {
        x[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        x[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        x[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        x[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int s = 0; s < 4; s++) {
        t[s] = _mm256_permute2f128_ps(x[s], x[s + 4], 0x20);
        t[s + 4] = _mm256_permute2f128_ps(x[s], x[s + 4], 0x31);
    }
    for (int i = 0; i < 8; i++) x[i] = t[i];
#else
    const vf t0 = __builtin_shufflevector(r[0], r[1], 0, 4, 1, 5), t1 = __builtin_shufflevector(r[0], r[1], 2, 6, 3, 7);
    const vf t2 = __builtin_shufflevector(r[2], r[3], 0, 4, 1, 5), t3 = __builtin_shufflevector(r[2], r[3], 2, 6, 3, 7);
    r[0] = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
    r[1] = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
    r[2] = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
    r[3] = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
#endif
}

// t[i] = the first w floats of row i of the h × w block at src (rows ld_src apart), zeros past
// them and in rows from h on.
SIMD void vload_tile(vf t[LANES], const float *src, int64_t ld_src, int64_t h, int64_t w) {
    if (h == LANES && w == LANES) {
        for (int i = 0; i < LANES; i++) t[i] = vload(src + i * ld_src);
    } else {
        for (int i = 0; i < LANES; i++) t[i] = i < h ? vload_first(src + i * ld_src, w) : (vf)0.0f;
    }
}

// dst[j·ld_dst + i] = scale·src[i·ld_src + j] for the h × w block at src (h, w ≤ LANES; h may be 0),
// transposed in registers. `pad`: each of the w rows of dst is stored whole, zeros past h (a GEMM
// panel); otherwise only its first h floats are written. With sums (else NULL), row i of the block,
// unscaled, is also added into the first w floats of sums row groups[i] (rows ld_sums apart), rows in
// order: a GEMM summing A's columns as it packs them (myelin_sgemm_summing_a).
SIMD void vtranspose_tile(const float *src, int64_t ld_src, int64_t h, int64_t w, float scale, float *dst,
                          int64_t ld_dst, int pad, const int64_t *groups, float *sums, int64_t ld_sums) {
    vf t[LANES];
    vload_tile(t, src, ld_src, h, w);
    if (sums) {
        for (int i = 0; i < h; i++) {
            float *s = sums + groups[i] * ld_sums;
            if (w == LANES) vstore(s, vload(s) + t[i]);
            else vstore_first(s, vload_first(s, w) + t[i], w);
        }
    }
    for (int i = 0; i < LANES; i++) t[i] *= scale;
    vtranspose(t);
    for (int j = 0; j < w; j++) {
        if (pad || h == LANES) vstore(dst + j * ld_dst, t[j]);
        else vstore_first(dst + j * ld_dst, t[j], h);
    }
}

// Whether every lane of a mask (−1 or 0 per lane) is set.
SIMD int vall(vi mask) { return __builtin_reduce_and(mask) != 0; }

// Horizontal sum and maximum, by halves (the same order on every call).
#if LANES == 16
typedef float vf8 __attribute__((ext_vector_type(8)));
#endif
#if LANES >= 8
typedef float vf4 __attribute__((ext_vector_type(4)));
#endif
typedef float vf2 __attribute__((ext_vector_type(2)));

SIMD float sum2(vf2 v) { return v.x + v.y; }
SIMD float max2(vf2 v) { return v.x > v.y ? v.x : v.y; }
SIMD vf2 vmax2(vf2 a, vf2 b) { return a > b ? a : b; }
#if LANES == 4
SIMD float vsum(vf v) { return sum2(v.lo + v.hi); }
SIMD float vmax(vf v) { return max2(vmax2(v.lo, v.hi)); }
#else
SIMD float sum4(vf4 v) { return sum2(v.lo + v.hi); }
SIMD float max4(vf4 v) { return max2(vmax2(v.lo, v.hi)); }
SIMD vf4 vmax4(vf4 a, vf4 b) { return a > b ? a : b; }
#if LANES == 8
SIMD float vsum(vf v) { return sum4(v.lo + v.hi); }
SIMD float vmax(vf v) { return max4(vmax4(v.lo, v.hi)); }
#else
SIMD float sum8(vf8 v) { return sum4(v.lo + v.hi); }
SIMD float max8(vf8 v) { return max4(vmax4(v.lo, v.hi)); }
SIMD vf8 vmax8(vf8 a, vf8 b) { return a > b ? a : b; }
SIMD float vsum(vf v) { return sum8(v.lo + v.hi); }
SIMD float vmax(vf v) { return max8(vmax8(v.lo, v.hi)); }
#endif
#endif

#endif
