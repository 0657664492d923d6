// The AVX2+FMA GEMM family: a 6×16 micro-kernel (12 ymm accumulators: 6 rows × 2 vectors of 8
// columns, plus 2 B vectors and a broadcast: 15 of the 16 ymm registers), packing routines (8×8
// blocks transposed in registers where the layout needs it), and the generic GEMV compiled for AVX2.
//
// As in the AVX-512 family, A panels are kept row by row (row r at A + r·lda), so a row-major A is
// packed by copying, or read in place; B is read through masked loads at a partial right edge, so
// its rows may be the caller's own. Each k step does 12 FMAs for 2 vector loads and 6 broadcasts.
#include "gemm_generic.h"

#if MYELIN_X86
#include <immintrin.h>

enum { MR = 6, NR = 16 };

#define T MYELIN_TARGET_AVX2

#if defined(__clang__)
#define NO_UNROLL _Pragma("clang loop unroll(disable)")
#else
#define NO_UNROLL _Pragma("GCC unroll 1")
#endif

// The lanes [0, n) of a vector, as a maskload/maskstore mask (n may be ≤ 0 or ≥ 8).
MYELIN_INLINE T __m256i mask_first(int64_t n) {
    const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n < 0 ? 0 : n > 8 ? 8 : n)), index);
}

// MARK: - Micro-kernel

// The epilogue for one row of the tile; FULL: all VECS·8 columns are stored.
MYELIN_INLINE T void store_row(const int VECS, const int FULL, float *c, __m256 x0, __m256 x1, __m256i m0,
                               __m256i m1, const myelin_epilogue *ep) {
    if (ep->alpha != 1) {
        x0 = _mm256_mul_ps(_mm256_set1_ps(ep->alpha), x0);
        if (VECS == 2) x1 = _mm256_mul_ps(_mm256_set1_ps(ep->alpha), x1);
    }
    if (ep->beta != 0) { // beta == 0 must not read C: it may hold NaN
        const __m256 beta = _mm256_set1_ps(ep->beta);
        if (VECS == 1) {
            x0 = _mm256_fmadd_ps(beta, FULL ? _mm256_loadu_ps(c) : _mm256_maskload_ps(c, m0), x0);
        } else {
            x0 = _mm256_fmadd_ps(beta, _mm256_loadu_ps(c), x0);
            x1 = _mm256_fmadd_ps(beta, FULL ? _mm256_loadu_ps(c + 8) : _mm256_maskload_ps(c + 8, m1), x1);
        }
    }
    if (ep->bias) {
        if (VECS == 1) {
            x0 = _mm256_add_ps(x0, FULL ? _mm256_loadu_ps(ep->bias) : _mm256_maskload_ps(ep->bias, m0));
        } else {
            x0 = _mm256_add_ps(x0, _mm256_loadu_ps(ep->bias));
            x1 = _mm256_add_ps(x1, FULL ? _mm256_loadu_ps(ep->bias + 8) : _mm256_maskload_ps(ep->bias + 8, m1));
        }
    }
    if (ep->relu) { // max(0, x) keeps NaN, as PyTorch's relu does
        x0 = _mm256_max_ps(_mm256_setzero_ps(), x0);
        if (VECS == 2) x1 = _mm256_max_ps(_mm256_setzero_ps(), x1);
    }
    if (VECS == 1) {
        if (FULL) _mm256_storeu_ps(c, x0);
        else _mm256_maskstore_ps(c, m0, x0);
    } else {
        _mm256_storeu_ps(c, x0);
        if (FULL) _mm256_storeu_ps(c + 8, x1);
        else _mm256_maskstore_ps(c + 8, m1, x1);
    }
}

// Applies X to each row index of the tile; the accumulators are named variables, so that they are
// registers from the start.
#define EACH_ROW(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define ROW_DECL(r) __m256 c##r##_0 = _mm256_setzero_ps(), c##r##_1 = _mm256_setzero_ps();
#define ROW_PREFETCH(r)                                                                                  \
    if (r < ROWS) {                                                                                      \
        _mm_prefetch((const char *)(C + r * ldc), _MM_HINT_T0);                                          \
        _mm_prefetch((const char *)(C + r * ldc + n - 1), _MM_HINT_T0);                                  \
    }
#define ROW_STEP(r)                                                                                      \
    if (r < ROWS) {                                                                                      \
        const __m256 a = _mm256_broadcast_ss(A + r * lda);                                               \
        c##r##_0 = _mm256_fmadd_ps(a, b0, c##r##_0);                                                     \
        if (VECS == 2) c##r##_1 = _mm256_fmadd_ps(a, b1, c##r##_1);                                      \
    }
#define ROW_STORE(r) \
    if (r < ROWS) store_row(VECS, FULL, C + r * ldc, c##r##_0, c##r##_1, m0, m1, ep);

// One tile of ROWS (≤ MR) rows and VECS (1 or 2) vectors of 8 columns, FULL when all VECS·8 columns
// are real; all three are compile-time constants in every instantiation below. A partial tile reads
// its last B vector with a mask, so B may be the caller's own rows.
MYELIN_INLINE T void tile(const int ROWS, const int VECS, const int FULL, int64_t kc, const float *A, int64_t lda,
                          const float *B, int64_t ldb, float *C, int64_t ldc, int n, const myelin_epilogue *ep) {
    const __m256i m0 = mask_first(n), m1 = mask_first(n - 8);
    EACH_ROW(ROW_DECL)
    // The epilogue's C lines are fetched for the last PREFETCH_C steps: fetched earlier, the B
    // panel streaming through L1 would evict them again.
    enum { PREFETCH_C = 48 };
    for (int64_t p = 0, stop = kc > PREFETCH_C ? kc - PREFETCH_C : 0;; stop = kc) {
        NO_UNROLL
        for (; p < stop; p++) {
            __m256 b0, b1;
            if (VECS == 1) {
                b0 = FULL ? _mm256_loadu_ps(B) : _mm256_maskload_ps(B, m0);
                b1 = b0;
            } else {
                b0 = _mm256_loadu_ps(B);
                b1 = FULL ? _mm256_loadu_ps(B + 8) : _mm256_maskload_ps(B + 8, m1);
            }
            EACH_ROW(ROW_STEP)
            A += 1;
            B += ldb;
        }
        if (stop == kc) break;
        EACH_ROW(ROW_PREFETCH)
    }
    EACH_ROW(ROW_STORE)
}

#define TILE_ARGS int64_t kc, const float *A, int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc, int n, \
                  const myelin_epilogue *ep
#define TILE_FN(R)                                                                                       \
    static T void tile_##R##_1p(TILE_ARGS) { tile(R, 1, 0, kc, A, lda, B, ldb, C, ldc, n, ep); }             \
    static T void tile_##R##_1(TILE_ARGS) { tile(R, 1, 1, kc, A, lda, B, ldb, C, ldc, n, ep); }              \
    static T void tile_##R##_2p(TILE_ARGS) { tile(R, 2, 0, kc, A, lda, B, ldb, C, ldc, n, ep); }             \
    static T void tile_##R##_2(TILE_ARGS) { tile(R, 2, 1, kc, A, lda, B, ldb, C, ldc, n, ep); }
TILE_FN(1) TILE_FN(2) TILE_FN(3) TILE_FN(4) TILE_FN(5) TILE_FN(6)

typedef void (*tile_fn)(TILE_ARGS);
// By rows, then by columns: 1–7, 8, 9–15, 16.
#define TILE_ROW(R) {tile_##R##_1p, tile_##R##_1, tile_##R##_2p, tile_##R##_2}
static tile_fn const tiles[MR][4] = {TILE_ROW(1), TILE_ROW(2), TILE_ROW(3), TILE_ROW(4), TILE_ROW(5), TILE_ROW(6)};

static void kernel(int64_t kc, const float *A, int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                   int m, int n, const myelin_epilogue *ep) {
    const int shape = n < 8 ? 0 : n == 8 ? 1 : n < 16 ? 2 : 3;
    tiles[m - 1][shape](kc, A, lda, B, ldb, C, ldc, n, ep);
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

// A with rows contiguous in k (row-major A): each panel row is a copy (times alpha).
static T void pack_a_rows(int64_t mc, int64_t kc, const float *A, int64_t rs, __m256 scale, float *dst) {
    for (int64_t i = 0; i < mc; i++, dst += kc) {
        const float *a = A + i * rs;
        int64_t p = 0;
        for (; p + 8 <= kc; p += 8) _mm256_storeu_ps(dst + p, _mm256_mul_ps(scale, _mm256_loadu_ps(a + p)));
        if (p < kc) {
            const __m256i m = mask_first(kc - p);
            _mm256_maskstore_ps(dst + p, m, _mm256_mul_ps(scale, _mm256_maskload_ps(a + p, m)));
        }
    }
}

// A with columns contiguous (Aᵀ stored row-major, as in a weight gradient Xᵀ·dY): 8×8 blocks of Aᵀ
// are transposed in registers into the panel rows.
static T void pack_a_columns(int64_t mc, int64_t kc, const float *A, int64_t cs, __m256 scale, float *dst) {
    for (int64_t i0 = 0; i0 < mc; i0 += MR, dst += MR * kc) {
        const int h = mc - i0 < MR ? (int)(mc - i0) : MR;
        const __m256i hm = mask_first(h);
        for (int64_t p0 = 0; p0 < kc; p0 += 8) {
            const int depth = kc - p0 < 8 ? (int)(kc - p0) : 8;
            __m256 r[8];
            const float *q = A + i0 + p0 * cs;
            for (int t = 0; t < 8; t++, q += cs)
                r[t] = t < depth ? _mm256_mul_ps(scale, _mm256_maskload_ps(q, hm)) : _mm256_setzero_ps();
            transpose8(r);
            if (depth == 8) {
                for (int i = 0; i < h; i++) _mm256_storeu_ps(dst + i * kc + p0, r[i]);
            } else {
                const __m256i km = mask_first(depth);
                for (int i = 0; i < h; i++) _mm256_maskstore_ps(dst + i * kc + p0, km, r[i]);
            }
        }
    }
}

static T void pack_a(int64_t mc, int64_t kc, const float *A, int64_t rs, int64_t cs, float alpha, float *dst) {
    const __m256 scale = _mm256_set1_ps(alpha);
    if (cs == 1) {
        pack_a_rows(mc, kc, A, rs, scale, dst);
    } else if (rs == 1) {
        pack_a_columns(mc, kc, A, cs, scale, dst);
    } else {
        for (int64_t i = 0; i < mc; i++)
            for (int64_t p = 0; p < kc; p++) dst[i * kc + p] = alpha * A[i * rs + p * cs];
    }
}

// B with rows contiguous (row-major B): one sweep over k copies 16 floats into every panel. Each
// row of B sits in its own page, so it is read whole (up to NC floats) rather than once per panel.
static T void pack_b_rows(int64_t kc, int64_t nc, const float *B, int64_t rs, float *dst) {
    for (int64_t p = 0; p < kc; p++) {
        const float *src = B + p * rs;
        for (int64_t j = 0; j < nc; j += NR) {
            float *d = dst + j * kc + p * NR;
            if (nc - j >= NR) {
                _mm256_store_ps(d, _mm256_loadu_ps(src + j));
                _mm256_store_ps(d + 8, _mm256_loadu_ps(src + j + 8));
            } else { // zero-padded last panel
                _mm256_store_ps(d, _mm256_maskload_ps(src + j, mask_first(nc - j)));
                _mm256_store_ps(d + 8, _mm256_maskload_ps(src + j + 8, mask_first(nc - j - 8)));
            }
        }
    }
}

// B with columns contiguous (Bᵀ stored row-major, as a Linear layer's weight): 8×8 blocks are
// transposed in registers.
static T void pack_b_columns(int64_t kc, int64_t nc, const float *B, int64_t cs, float *dst) {
    for (int64_t j0 = 0; j0 < nc; j0 += NR, dst += NR * kc) {
        for (int half = 0; half < 2; half++) {
            const int64_t cols = nc - j0 - 8 * half;
            const float *b = B + (j0 + 8 * half) * cs;
            float *d = dst + 8 * half;
            for (int64_t p0 = 0; p0 < kc; p0 += 8) {
                const int depth = kc - p0 < 8 ? (int)(kc - p0) : 8;
                __m256 r[8];
                const float *q = b + p0;
                if (cols >= 8 && depth == 8) { // the common case, without branches
                    for (int c = 0; c < 8; c++, q += cs) r[c] = _mm256_loadu_ps(q);
                    transpose8(r);
                    for (int t = 0; t < 8; t++) _mm256_store_ps(d + (p0 + t) * NR, r[t]);
                } else {
                    const __m256i km = mask_first(depth);
                    for (int c = 0; c < 8; c++, q += cs) r[c] = c < cols ? _mm256_maskload_ps(q, km) : _mm256_setzero_ps();
                    transpose8(r);
                    for (int t = 0; t < depth; t++) _mm256_store_ps(d + (p0 + t) * NR, r[t]);
                }
            }
        }
    }
}

static T void pack_b(int64_t kc, int64_t nc, const float *B, int64_t rs, int64_t cs, float *dst) {
    if (cs == 1) {
        pack_b_rows(kc, nc, B, rs, dst);
    } else if (rs == 1) {
        pack_b_columns(kc, nc, B, cs, dst);
    } else {
        for (int64_t j0 = 0; j0 < nc; j0 += NR, dst += NR * kc)
            generic_pack_b_panel(NR, nc - j0 < NR ? (int)(nc - j0) : NR, kc, B + j0 * cs, rs, cs, dst);
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
    .n_granule = 8,
    .pack_a = pack_a,
    .pack_b = pack_b,
    .kernel = kernel,
    .gemv_dot = gemv_dot,
    .gemv_axpy = gemv_axpy,
    .direct_a = 1,
    .direct_b = 1,
};

#endif
