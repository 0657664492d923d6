// The AVX2+FMA GEMM family: a 6×16 micro-kernel (12 ymm accumulators: 6 rows × 2 vectors of 8
// columns, plus 2 B vectors and a broadcast: 15 of the 16 ymm registers), packing with 8×8
// in-register transposes, and the generic GEMV compiled for AVX2.
#include "gemm_generic.h"

#if MYELIN_X86
#include <immintrin.h>

enum { MR = 6, NR = 16 };

#define T MYELIN_TARGET_AVX2

#if defined(__clang__)
#define UNROLL4 _Pragma("clang loop unroll_count(4)")
#else
#define UNROLL4 _Pragma("GCC unroll 4")
#endif

// MARK: - Micro-kernel

// ROWS ≤ MR is a compile-time constant in each instantiation. Packed B panels are always NR wide
// (zero-padded), so the K loop needs no masks; only the store is cut to n columns.
MYELIN_INLINE T void tile(const int ROWS, int64_t kc, const float *A, const float *B, int64_t ldb, float *C,
                          int64_t ldc, int n, const myelin_epilogue *ep) {
    __m256 acc[MR][2];
    for (int r = 0; r < ROWS; r++) {
        acc[r][0] = _mm256_setzero_ps();
        acc[r][1] = _mm256_setzero_ps();
        _mm_prefetch((const char *)(C + r * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(C + r * ldc + n - 1), _MM_HINT_T0);
    }
    UNROLL4
    for (int64_t p = 0; p < kc; p++) {
        const __m256 b0 = _mm256_loadu_ps(B), b1 = _mm256_loadu_ps(B + 8);
        for (int r = 0; r < ROWS; r++) {
            const __m256 a = _mm256_broadcast_ss(A + r);
            acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
        }
        A += MR;
        B += ldb;
    }
    if (n == NR) {
        const __m256 zero = _mm256_setzero_ps(), beta = _mm256_set1_ps(ep->beta), alpha = _mm256_set1_ps(ep->alpha);
        for (int r = 0; r < ROWS; r++) {
            float *c = C + r * ldc;
            __m256 x0 = acc[r][0], x1 = acc[r][1];
            if (ep->alpha != 1) {
                x0 = _mm256_mul_ps(alpha, x0);
                x1 = _mm256_mul_ps(alpha, x1);
            }
            if (ep->beta != 0) { // beta == 0 must not read C: it may hold NaN
                x0 = _mm256_fmadd_ps(beta, _mm256_loadu_ps(c), x0);
                x1 = _mm256_fmadd_ps(beta, _mm256_loadu_ps(c + 8), x1);
            }
            if (ep->bias) {
                x0 = _mm256_add_ps(x0, _mm256_loadu_ps(ep->bias));
                x1 = _mm256_add_ps(x1, _mm256_loadu_ps(ep->bias + 8));
            }
            if (ep->relu) { // max(0, x) keeps NaN
                x0 = _mm256_max_ps(zero, x0);
                x1 = _mm256_max_ps(zero, x1);
            }
            _mm256_storeu_ps(c, x0);
            _mm256_storeu_ps(c + 8, x1);
        }
    } else {
        float tmp[MR][NR];
        for (int r = 0; r < ROWS; r++) {
            _mm256_storeu_ps(tmp[r], acc[r][0]);
            _mm256_storeu_ps(tmp[r] + 8, acc[r][1]);
        }
        generic_store_tile(&tmp[0][0], NR, C, ldc, ROWS, n, ep);
    }
}

#define TILE_ARGS int64_t kc, const float *A, const float *B, int64_t ldb, float *C, int64_t ldc, int n, \
                  const myelin_epilogue *ep
#define TILE_FN(R) \
    static T void tile_##R(TILE_ARGS) { tile(R, kc, A, B, ldb, C, ldc, n, ep); }
TILE_FN(1) TILE_FN(2) TILE_FN(3) TILE_FN(4) TILE_FN(5) TILE_FN(6)

typedef void (*tile_fn)(TILE_ARGS);
static tile_fn const tiles[MR] = {tile_1, tile_2, tile_3, tile_4, tile_5, tile_6};

static void kernel(int64_t kc, const float *A, int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                   int m, int n, const myelin_epilogue *ep) {
    (void)lda; // panels are interleaved by k
    tiles[m - 1](kc, A, B, ldb, C, ldc, n, ep);
}

// MARK: - Packing

// Transposes 8 rows of 8 floats in place: r[i][j] becomes r[j][i].
MYELIN_INLINE T void transpose8(__m256 r[8]) {
    __m256 t[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    // r[4g + s] holds, in its 128-bit lane L, column 4L + s of rows 4g..4g+3.
    for (int i = 0; i < 8; i += 4) {
        r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int s = 0; s < 4; s++) {
        t[s] = _mm256_permute2f128_ps(r[s], r[s + 4], 0x20);
        t[s + 4] = _mm256_permute2f128_ps(r[s], r[s + 4], 0x31);
    }
    for (int i = 0; i < 8; i++) r[i] = t[i];
}

static T void pack_a(int64_t mc, int64_t kc, const float *A, int64_t rs, int64_t cs, float alpha, float *dst) {
    const __m256 scale = _mm256_set1_ps(alpha);
    for (int64_t i0 = 0; i0 < mc; i0 += MR, dst += MR * kc) {
        const int h = mc - i0 < MR ? (int)(mc - i0) : MR;
        const float *a = A + i0 * rs;
        if (cs == 1 && rs != 1) { // rows contiguous in k: transpose 8-wide blocks
            int64_t p0 = 0;
            for (; p0 + 8 <= kc; p0 += 8) {
                __m256 r[8];
                for (int i = 0; i < 8; i++)
                    r[i] = i < h ? _mm256_mul_ps(scale, _mm256_loadu_ps(a + i * rs + p0)) : _mm256_setzero_ps();
                transpose8(r);
                float out[8][8];
                for (int t = 0; t < 8; t++) _mm256_storeu_ps(out[t], r[t]);
                for (int t = 0; t < 8; t++)
                    for (int i = 0; i < MR; i++) dst[(p0 + t) * MR + i] = out[t][i];
            }
            if (p0 < kc) generic_pack_a_panel(MR, h, kc - p0, a + p0, rs, cs, alpha, dst + p0 * MR);
        } else {
            generic_pack_a_panel(MR, h, kc, a, rs, cs, alpha, dst);
        }
    }
}

static T void pack_b(int64_t kc, int64_t nc, const float *B, int64_t rs, int64_t cs, float *dst) {
    for (int64_t j0 = 0; j0 < nc; j0 += NR, dst += NR * kc) {
        const int w = nc - j0 < NR ? (int)(nc - j0) : NR;
        const float *b = B + j0 * cs;
        if (rs == 1 && cs != 1 && w == NR) { // B transposed: transpose 8×8 blocks
            int64_t p0 = 0;
            for (; p0 + 8 <= kc; p0 += 8)
                for (int half = 0; half < 2; half++) {
                    __m256 r[8];
                    for (int c = 0; c < 8; c++) r[c] = _mm256_loadu_ps(b + (8 * half + c) * cs + p0);
                    transpose8(r);
                    for (int t = 0; t < 8; t++) _mm256_storeu_ps(dst + (p0 + t) * NR + 8 * half, r[t]);
                }
            if (p0 < kc) generic_pack_b_panel(NR, w, kc - p0, b + p0, rs, cs, dst + p0 * NR);
        } else {
            generic_pack_b_panel(NR, w, kc, b, rs, cs, dst);
        }
    }
}

// MARK: - GEMV

static T void gemv_dot(int64_t n, int64_t k, const float *W, int64_t ldw, const float *x, float *y) {
    generic_gemv_dot(n, k, W, ldw, x, y);
}

static T void gemv_axpy(int64_t n, int64_t k, const float *W, int64_t ldw, const float *x, float *y) {
    generic_gemv_axpy(n, k, W, ldw, x, y);
}

const myelin_gemm_family myelin_gemm_family_avx2 = {
    .mr = MR,
    .nr = NR,
    .n_granule = NR,
    .pack_a = pack_a,
    .pack_b = pack_b,
    .kernel = kernel,
    .gemv_dot = gemv_dot,
    .gemv_axpy = gemv_axpy,
    .direct_a = 0,
    .direct_b = 0,
};

#endif
