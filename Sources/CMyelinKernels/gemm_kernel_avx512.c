// The AVX-512 GEMM family: a 12×32 micro-kernel (24 zmm accumulators: 12 rows × 2 vectors of 16
// columns), packing routines (16×16 blocks transposed in registers where the layout needs it), and
// GEMV kernels.
//
// Why 12×32: two FMA pipes with 4-cycle latency need ≥ 8 independent accumulators; 24 leave room
// for the two B vectors, and each k step does 24 FMAs for 2 vector loads and 12 broadcasts, well
// within the two load ports. The packed A panel (12×kc floats) stays in L1 while the kernel streams
// 32-column B panels from L2.
//
// A panels are kept as 12 rows of kc floats (row r at A + r·kc), not interleaved by k: packing the
// usual row-major A is then a copy instead of a transpose, which is most of the packing cost of the
// batch-sized products a network makes. The kernel reads the 12 rows with base+index addressing.
#include "gemm_generic.h"

#if MYELIN_X86
#include <immintrin.h>

enum { MR = 12, NR = 32 };

#define T MYELIN_TARGET_AVX512

// Unrolling the K loop lets clang hoist the twelve broadcasts of several steps into registers it
// does not have; the loop as written runs at the FMA peak.
#if defined(__clang__)
#define NO_UNROLL _Pragma("clang loop unroll(disable)")
#else
#define NO_UNROLL _Pragma("GCC unroll 1")
#endif

MYELIN_INLINE T __mmask16 mask_first(int64_t n) {
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
}

// MARK: - Micro-kernel

// The epilogue for one row of the tile.
MYELIN_INLINE T void store_row(const int VECS, float *c, __m512 x0, __m512 x1, __mmask16 m0, __mmask16 m1,
                               __m512 bias0, __m512 bias1, const myelin_epilogue *ep) {
    if (ep->alpha != 1) {
        x0 = _mm512_mul_ps(_mm512_set1_ps(ep->alpha), x0);
        if (VECS == 2) x1 = _mm512_mul_ps(_mm512_set1_ps(ep->alpha), x1);
    }
    if (ep->beta != 0) { // beta == 0 must not read C: it may hold NaN
        const __m512 beta = _mm512_set1_ps(ep->beta);
        x0 = _mm512_fmadd_ps(beta, _mm512_maskz_loadu_ps(m0, c), x0);
        if (VECS == 2) x1 = _mm512_fmadd_ps(beta, _mm512_maskz_loadu_ps(m1, c + 16), x1);
    }
    if (ep->bias) {
        x0 = _mm512_add_ps(x0, bias0);
        if (VECS == 2) x1 = _mm512_add_ps(x1, bias1);
    }
    if (ep->relu) { // max(0, x) keeps NaN, as PyTorch's relu does
        x0 = _mm512_max_ps(_mm512_setzero_ps(), x0);
        if (VECS == 2) x1 = _mm512_max_ps(_mm512_setzero_ps(), x1);
    }
    _mm512_mask_storeu_ps(c, m0, x0);
    if (VECS == 2) _mm512_mask_storeu_ps(c + 16, m1, x1);
}

// Applies X to each row index of the tile. The accumulators are named variables, not an array,
// so that they are registers from the start (an array of vectors can end up on the stack).
#define EACH_ROW(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define ROW_DECL(r) __m512 c##r##_0 = _mm512_setzero_ps(), c##r##_1 = _mm512_setzero_ps();
#define ROW_PREFETCH(r)                                                                                  \
    if (r < ROWS) {                                                                                      \
        _mm_prefetch((const char *)(C + r * ldc), _MM_HINT_T0);                                          \
        _mm_prefetch((const char *)(C + r * ldc + n - 1), _MM_HINT_T0);                                  \
    }
#define ROW_STEP(r)                                                                                      \
    if (r < ROWS) {                                                                                      \
        const __m512 a = _mm512_set1_ps(A[r * lda]);                                                     \
        c##r##_0 = _mm512_fmadd_ps(a, b0, c##r##_0);                                                     \
        if (VECS == 2) c##r##_1 = _mm512_fmadd_ps(a, b1, c##r##_1);                                      \
    }
#define ROW_STORE(r) \
    if (r < ROWS) store_row(VECS, C + r * ldc, c##r##_0, c##r##_1, m0, m1, bias0, bias1, ep);

// One tile of ROWS (≤ MR) rows and VECS (1 or 2) vectors of 16 columns; ROWS and VECS are
// compile-time constants in every instantiation below. B is read with masked loads past column n,
// so it may be the caller's own matrix rows.
MYELIN_INLINE T void tile(const int ROWS, const int VECS, int64_t kc, const float *A, int64_t lda, const float *B,
                          int64_t ldb, float *C, int64_t ldc, int n, const myelin_epilogue *ep) {
    const __mmask16 m0 = mask_first(n), m1 = mask_first(n - 16);
    EACH_ROW(ROW_DECL)
    // The epilogue's C lines are fetched for the last PREFETCH_C steps: fetched earlier, the B
    // panel streaming through L1 would evict them again.
    enum { PREFETCH_C = 48 };
    for (int64_t p = 0, stop = kc > PREFETCH_C ? kc - PREFETCH_C : 0;; stop = kc) {
        NO_UNROLL
        for (; p < stop; p++) {
            const __m512 b0 = _mm512_maskz_loadu_ps(m0, B);
            const __m512 b1 = VECS == 2 ? _mm512_maskz_loadu_ps(m1, B + 16) : b0;
            EACH_ROW(ROW_STEP)
            A += 1;
            B += ldb;
        }
        if (stop == kc) break;
        EACH_ROW(ROW_PREFETCH)
    }
    __m512 bias0 = _mm512_setzero_ps(), bias1 = bias0;
    if (ep->bias) {
        bias0 = _mm512_maskz_loadu_ps(m0, ep->bias);
        if (VECS == 2) bias1 = _mm512_maskz_loadu_ps(m1, ep->bias + 16);
    }
    EACH_ROW(ROW_STORE)
}

#define TILE_ARGS int64_t kc, const float *A, int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc, int n, \
                  const myelin_epilogue *ep
#define TILE_FN(R)                                                                                       \
    static T void tile_##R##_1(TILE_ARGS) { tile(R, 1, kc, A, lda, B, ldb, C, ldc, n, ep); }                  \
    static T void tile_##R##_2(TILE_ARGS) { tile(R, 2, kc, A, lda, B, ldb, C, ldc, n, ep); }
TILE_FN(1) TILE_FN(2) TILE_FN(3) TILE_FN(4) TILE_FN(5) TILE_FN(6)
TILE_FN(7) TILE_FN(8) TILE_FN(9) TILE_FN(10) TILE_FN(11) TILE_FN(12)

typedef void (*tile_fn)(TILE_ARGS);
static tile_fn const tiles[MR][2] = {
    {tile_1_1, tile_1_2}, {tile_2_1, tile_2_2}, {tile_3_1, tile_3_2}, {tile_4_1, tile_4_2},
    {tile_5_1, tile_5_2}, {tile_6_1, tile_6_2}, {tile_7_1, tile_7_2}, {tile_8_1, tile_8_2},
    {tile_9_1, tile_9_2}, {tile_10_1, tile_10_2}, {tile_11_1, tile_11_2}, {tile_12_1, tile_12_2},
};

static void kernel(int64_t kc, const float *A, int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                   int m, int n, const myelin_epilogue *ep) {
    tiles[m - 1][n > 16](kc, A, lda, B, ldb, C, ldc, n, ep);
}

// MARK: - Packing

// Transposes 16 rows of 16 floats in place: r[i][j] becomes r[j][i].
MYELIN_INLINE T void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    // Now r[4g + s] holds, in its 128-bit lane L, column 4L + s of rows 4g..4g+3: gather the lanes.
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
        r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
        r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xDD);
    }
}

// A with rows contiguous in k (row-major A): each panel row is a copy (times alpha).
static T void pack_a_rows(int64_t mc, int64_t kc, const float *A, int64_t rs, __m512 scale, float *dst) {
    for (int64_t i = 0; i < mc; i++, dst += kc) {
        const float *a = A + i * rs;
        int64_t p = 0;
        for (; p + 16 <= kc; p += 16) _mm512_storeu_ps(dst + p, _mm512_mul_ps(scale, _mm512_loadu_ps(a + p)));
        if (p < kc) {
            const __mmask16 m = mask_first(kc - p);
            _mm512_mask_storeu_ps(dst + p, m, _mm512_mul_ps(scale, _mm512_maskz_loadu_ps(m, a + p)));
        }
    }
}

// A with columns contiguous (Aᵀ stored row-major, as in a weight gradient Xᵀ·dY): 16×16 blocks of
// Aᵀ are transposed in registers into the panel rows.
static T void pack_a_columns(int64_t mc, int64_t kc, const float *A, int64_t cs, __m512 scale, float *dst) {
    for (int64_t i0 = 0; i0 < mc; i0 += MR, dst += MR * kc) {
        const int h = mc - i0 < MR ? (int)(mc - i0) : MR;
        const __mmask16 hm = mask_first(h);
        for (int64_t p0 = 0; p0 < kc; p0 += 16) {
            const int depth = kc - p0 < 16 ? (int)(kc - p0) : 16;
            __m512 r[16];
            const float *q = A + i0 + p0 * cs;
            if (depth == 16) { // the common case, without branches
                for (int t = 0; t < 16; t++, q += cs) r[t] = _mm512_mul_ps(scale, _mm512_maskz_loadu_ps(hm, q));
            } else {
                for (int t = 0; t < 16; t++, q += cs)
                    r[t] = t < depth ? _mm512_mul_ps(scale, _mm512_maskz_loadu_ps(hm, q)) : _mm512_setzero_ps();
            }
            transpose16(r);
            const __mmask16 km = mask_first(depth);
            for (int i = 0; i < h; i++) _mm512_mask_storeu_ps(dst + i * kc + p0, km, r[i]);
        }
    }
}

static T void pack_a(int64_t mc, int64_t kc, const float *A, int64_t rs, int64_t cs, float alpha, float *dst) {
    const __m512 scale = _mm512_set1_ps(alpha);
    if (cs == 1) {
        pack_a_rows(mc, kc, A, rs, scale, dst);
    } else if (rs == 1) {
        pack_a_columns(mc, kc, A, cs, scale, dst);
    } else {
        for (int64_t i = 0; i < mc; i++)
            for (int64_t p = 0; p < kc; p++) dst[i * kc + p] = alpha * A[i * rs + p * cs];
    }
}

// B with rows contiguous (row-major B): one sweep over k copies 32 floats into every panel. Each
// row of B sits in its own page, so it is read whole (up to NC floats) rather than once per panel.
static T void pack_b_rows(int64_t kc, int64_t nc, const float *B, int64_t rs, float *dst) {
    for (int64_t p = 0; p < kc; p++) {
        const float *src = B + p * rs;
        for (int64_t j = 0; j < nc; j += NR) {
            float *d = dst + j * kc + p * NR;
            if (nc - j >= NR) {
                _mm512_store_ps(d, _mm512_loadu_ps(src + j));
                _mm512_store_ps(d + 16, _mm512_loadu_ps(src + j + 16));
            } else { // zero-padded last panel
                _mm512_store_ps(d, _mm512_maskz_loadu_ps(mask_first(nc - j), src + j));
                _mm512_store_ps(d + 16, _mm512_maskz_loadu_ps(mask_first(nc - j - 16), src + j + 16));
            }
        }
    }
}

// B with columns contiguous (Bᵀ stored row-major, as a Linear layer's weight): 16×16 blocks are
// transposed in registers.
static T void pack_b_columns(int64_t kc, int64_t nc, const float *B, int64_t cs, float *dst) {
    for (int64_t j0 = 0; j0 < nc; j0 += NR, dst += NR * kc) {
        for (int half = 0; half < 2; half++) {
            const int64_t cols = nc - j0 - 16 * half;
            const float *b = B + (j0 + 16 * half) * cs;
            float *d = dst + 16 * half;
            for (int64_t p0 = 0; p0 < kc; p0 += 16) {
                const int depth = kc - p0 < 16 ? (int)(kc - p0) : 16;
                __m512 r[16];
                const float *q = b + p0;
                if (cols >= 16 && depth == 16) { // the common case, without branches
                    for (int c = 0; c < 16; c++, q += cs) r[c] = _mm512_loadu_ps(q);
                    transpose16(r);
                    for (int t = 0; t < 16; t++) _mm512_store_ps(d + (p0 + t) * NR, r[t]);
                } else {
                    const __mmask16 km = mask_first(depth);
                    for (int c = 0; c < 16; c++, q += cs) r[c] = c < cols ? _mm512_maskz_loadu_ps(km, q) : _mm512_setzero_ps();
                    transpose16(r);
                    for (int t = 0; t < depth; t++) _mm512_store_ps(d + (p0 + t) * NR, r[t]);
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
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) { // four rows share each load of x
        const float *w0 = W + j * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
        int64_t p = 0;
        for (; p + 32 <= k; p += 32) {
            __m512 xa = _mm512_loadu_ps(x + p), xb = _mm512_loadu_ps(x + p + 16);
            s0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + p), xa, s0);
            s1 = _mm512_fmadd_ps(_mm512_loadu_ps(w1 + p), xa, s1);
            s2 = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + p), xa, s2);
            s3 = _mm512_fmadd_ps(_mm512_loadu_ps(w3 + p), xa, s3);
            t0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + p + 16), xb, t0);
            t1 = _mm512_fmadd_ps(_mm512_loadu_ps(w1 + p + 16), xb, t1);
            t2 = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + p + 16), xb, t2);
            t3 = _mm512_fmadd_ps(_mm512_loadu_ps(w3 + p + 16), xb, t3);
        }
        for (; p < k; p += 16) {
            const __mmask16 km = mask_first(k - p);
            __m512 xa = _mm512_maskz_loadu_ps(km, x + p);
            s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(km, w0 + p), xa, s0);
            s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(km, w1 + p), xa, s1);
            s2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(km, w2 + p), xa, s2);
            s3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(km, w3 + p), xa, s3);
        }
        y[j] = _mm512_reduce_add_ps(_mm512_add_ps(s0, t0));
        y[j + 1] = _mm512_reduce_add_ps(_mm512_add_ps(s1, t1));
        y[j + 2] = _mm512_reduce_add_ps(_mm512_add_ps(s2, t2));
        y[j + 3] = _mm512_reduce_add_ps(_mm512_add_ps(s3, t3));
    }
    for (; j < n; j++) {
        const float *w0 = W + j * ldw;
        __m512 s0 = _mm512_setzero_ps();
        for (int64_t p = 0; p < k; p += 16) {
            const __mmask16 km = mask_first(k - p);
            s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(km, w0 + p), _mm512_maskz_loadu_ps(km, x + p), s0);
        }
        y[j] = _mm512_reduce_add_ps(s0);
    }
}

// Up to 16·V outputs of y = Σ_p x[p]·W[p, :], kept in V registers over the whole sweep; only the
// last vector may be partial (mask `last`).
MYELIN_INLINE T void axpy_block(const int V, int64_t k, const float *W, int64_t ldw, const float *x, float *y,
                                __mmask16 last) {
    __m512 acc[16];
    for (int v = 0; v < V; v++) acc[v] = _mm512_setzero_ps();
    for (int64_t p = 0; p < k; p++, W += ldw) {
        const __m512 xp = _mm512_set1_ps(x[p]);
        for (int v = 0; v < V - 1; v++) acc[v] = _mm512_fmadd_ps(xp, _mm512_loadu_ps(W + 16 * v), acc[v]);
        acc[V - 1] = _mm512_fmadd_ps(xp, _mm512_maskz_loadu_ps(last, W + 16 * (V - 1)), acc[V - 1]);
    }
    for (int v = 0; v < V - 1; v++) _mm512_storeu_ps(y + 16 * v, acc[v]);
    _mm512_mask_storeu_ps(y + 16 * (V - 1), last, acc[V - 1]);
}

#define AXPY_CASE(V) case V: axpy_block(V, k, W + j0, ldw, x, y + j0, last); break;

static T void gemv_axpy(int64_t n, int64_t k, const float *W, int64_t ldw, const float *x, float *y) {
    for (int64_t j0 = 0; j0 < n; j0 += 256) { // 256 outputs per sweep over the rows of W
        const int64_t left = n - j0 < 256 ? n - j0 : 256;
        const int vecs = (int)((left + 15) / 16);
        const __mmask16 last = mask_first(left - 16 * (vecs - 1));
        switch (vecs) {
            AXPY_CASE(1) AXPY_CASE(2) AXPY_CASE(3) AXPY_CASE(4) AXPY_CASE(5) AXPY_CASE(6) AXPY_CASE(7) AXPY_CASE(8)
            AXPY_CASE(9) AXPY_CASE(10) AXPY_CASE(11) AXPY_CASE(12) AXPY_CASE(13) AXPY_CASE(14) AXPY_CASE(15)
            AXPY_CASE(16)
        }
    }
}

const myelin_gemm_family myelin_gemm_family_avx512 = {
    .mr = MR,
    .nr = NR,
    .n_granule = 16,
    .pack_a = pack_a,
    .pack_b = pack_b,
    .kernel = kernel,
    .gemv_dot = gemv_dot,
    .gemv_axpy = gemv_axpy,
    .direct_a = 1,
    .direct_b = 1,
};

#endif
