// One GEMM family (see internal.h), written once on simd.h's vectors: an MR × 2·LANES register
// tile, its packing routines and GEMV kernels. Included by gemm_kernel_avx512.c, _avx2.c and
// _portable.c, which define MR, WIDE_ROWS (short tiles' strips, see kernel_wide) and AXPY_VECTORS,
// name the table (MYELIN_GEMM_FAMILY) and compile it for their target.
//
// The tile keeps MR rows × 2 vectors of accumulators in registers (AVX-512 12×32: 24 of 32 zmm;
// AVX2 and portable 6×16 and 6×8: 12 of 16 registers), leaving room for the two B vectors and a
// broadcast. (A short tile's strip, AVX2 4×24, fills all 16: clang keeps one B vector in memory
// for part of its unrolled loop.) Two FMA pipes with 4-cycle latency need at least 8 independent
// accumulators. Each k step does 2·MR FMAs for 2 vector loads and MR broadcasts. The A panel
// (MR × kc floats) stays in L1 while the kernel streams B panels from L2.
//
// A panels are kept as MR rows of kc floats (row r at A + r·lda), not interleaved by k: packing the
// usual row-major A is then a copy instead of a transpose, which is most of the packing cost of the
// batch-sized products a network makes, and a row-major A can be read in place. B is read with
// masked loads past column n, so its rows may be the caller's own.
#include "simd.h"

enum { NR = 2 * LANES };

// AVX-512 and portable: unrolling the K loop lets clang hoist the broadcasts of several steps into
// registers it does not have; the loop as written runs at the FMA peak. AVX2: a 6×16 step is 20
// vector instructions for 192 flops, enough to make the loop overhead count on a core that retires
// two FMAs a cycle; unrolled by four it ran 8–10 % faster on Zen 4 (the char-LSTM benchmark's per-step product).
#if defined(MYELIN_SIMD_AVX2)
#define K_LOOP _Pragma("clang loop unroll_count(4)")
#else
#define K_LOOP _Pragma("clang loop unroll(disable)")
#endif

// MARK: - Micro-kernel

// The epilogue for one row of the tile; FULL: all VECS vectors are whole (n = VECS·LANES; the
// three-vector tiles are all FULL). t: the row's factors, or NULL (a constant in the tile's store
// sequence without factors, so that the products without them, nearly all, run the epilogue they
// ran before).
SIMD void store_row(const int VECS, const int FULL, float *c, const float *t, vf x0, vf x1, vf x2, int n, vf bias0,
                    vf bias1, vf bias2, const myelin_epilogue *ep) {
    if (ep->alpha != 1) {
        x0 *= ep->alpha;
        if (VECS >= 2) x1 *= ep->alpha;
        if (VECS == 3) x2 *= ep->alpha;
    }
    if (ep->beta != 0) { // beta == 0 must not read C: it may hold NaN
        const vf beta = ep->beta;
        if (VECS == 1) {
            x0 = vfma(beta, FULL ? vload(c) : vload_first(c, n), x0);
        } else {
            x0 = vfma(beta, vload(c), x0);
            x1 = vfma(beta, FULL ? vload(c + LANES) : vload_first(c + LANES, n - LANES), x1);
            if (VECS == 3) x2 = vfma(beta, vload(c + 2 * LANES), x2);
        }
    }
    if (ep->bias) {
        x0 += bias0;
        if (VECS >= 2) x1 += bias1;
        if (VECS == 3) x2 += bias2;
    }
    if (ep->relu) { // a NaN compares false and stays, as in PyTorch's relu
        x0 = x0 < 0.0f ? (vf)0.0f : x0;
        if (VECS >= 2) x1 = x1 < 0.0f ? (vf)0.0f : x1;
        if (VECS == 3) x2 = x2 < 0.0f ? (vf)0.0f : x2;
    }
    if (t) {
        if (VECS == 1) {
            x0 *= FULL ? vload(t) : vload_first(t, n);
        } else {
            x0 *= vload(t);
            x1 *= FULL ? vload(t + LANES) : vload_first(t + LANES, n - LANES);
            if (VECS == 3) x2 *= vload(t + 2 * LANES);
        }
    }
    if (VECS == 1) {
        if (FULL) vstore(c, x0);
        else vstore_first(c, x0, n);
    } else {
        vstore(c, x0);
        if (FULL) vstore(c + LANES, x1);
        else vstore_first(c + LANES, x1, n - LANES);
        if (VECS == 3) vstore(c + 2 * LANES, x2);
    }
}

// Applies X to each row index of the tile. The accumulators are named variables, not an array, so
// that they are registers from the start (an array of vectors can end up on the stack).
#define EACH_ROW(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define ROW_DECL(r) vf c##r##_0 = 0, c##r##_1 = 0, c##r##_2 = 0;
#define ROW_PREFETCH(r)                                                                                  \
    if (r < ROWS) {                                                                                      \
        __builtin_prefetch(C + r * ldc);                                                                 \
        __builtin_prefetch(C + r * ldc + n - 1);                                                         \
    }
#define ROW_STEP(r)                                                                                      \
    if (r < ROWS) {                                                                                      \
        const vf a = A_DOWN ? A[r] : A[r * lda];                                                         \
        c##r##_0 = vfma(a, b0, c##r##_0);                                                                \
        if (VECS >= 2) c##r##_1 = vfma(a, b1, c##r##_1);                                                 \
        if (VECS == 3) c##r##_2 = vfma(a, b2, c##r##_2);                                                 \
    }
// T: the row's factors (NULL, a constant, in the sequence without them).
#define ROW_STORE_WITH(r, T) \
    if (r < ROWS) store_row(VECS, FULL, C + r * ldc, T, c##r##_0, c##r##_1, c##r##_2, n, bias0, bias1, bias2, ep);
#define ROW_STORE(r) ROW_STORE_WITH(r, NULL)
#define ROW_STORE_TIMES(r) ROW_STORE_WITH(r, ep->times + r * ep->ldt)

// One tile of ROWS (≤ MR) rows and VECS (1, 2, or 3 for a short tile's strip, always FULL) vectors,
// FULL when all VECS·LANES columns are real; A_DOWN when A is read down its columns
// (a(r, p) = A[p·lda + r]: Aᵀ stored row-major, as attention's Pᵀ), else along its rows
// (a(r, p) = A[r·lda + p]); FETCH when each step also fetches a row of B ahead into L2 (see
// kernel_fetching); PACK when each step also copies its row of B into a packed panel (see
// kernel_packing). All six are compile-time constants in every instantiation below.
SIMD void tile(const int ROWS, const int VECS, const int FULL, const int A_DOWN, const int FETCH, const int PACK,
               int64_t kc, const float *A, int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc, int n,
               const myelin_epilogue *ep) {
    EACH_ROW(ROW_DECL)
    const float *ahead = FETCH ? ep->prefetch_b : NULL;
    float *packed = PACK ? ep->pack_to : NULL;
    const int64_t second = VECS == 3 ? ep->strip_second : LANES, third = VECS == 3 ? ep->strip_third : 0;
    const int64_t ahead_rows = FETCH ? ep->prefetch_rows : 0;
    // The epilogue's C lines are fetched for the last PREFETCH_C steps: fetched earlier, the B
    // panel streaming through L1 would evict them again.
    enum { PREFETCH_C = 48 };
    for (int64_t p = 0, stop = kc > PREFETCH_C ? kc - PREFETCH_C : 0;; stop = kc) {
        K_LOOP
        for (; p < stop; p++) {
            vf b0, b1, b2 = 0;
            if (VECS == 1) {
                b0 = FULL ? vload(B) : vload_first(B, n);
                b1 = b0;
            } else {
                b0 = vload(B);
                b1 = FULL ? vload(B + second) : vload_first(B + second, n - LANES);
                if (VECS == 3) b2 = vload(B + third);
            }
            EACH_ROW(ROW_STEP)
            if (PACK) { // the row's NR floats, zeros past n (the loads above are masked)
                vstore(packed, b0);
                vstore(packed + LANES, VECS == 1 ? (vf)0.0f : b1);
                packed += NR;
            }
            if (FETCH && p < ahead_rows) // the row's NR floats: one line (AVX2), or two (AVX-512)
                for (int line = 0; line < NR; line += 64 / (int)sizeof(float))
                    __builtin_prefetch(ahead + p * ldb + line, 0, 2);
            A += A_DOWN ? lda : 1;
            B += ldb;
        }
        if (stop == kc) break;
        EACH_ROW(ROW_PREFETCH)
    }
    vf bias0 = 0, bias1 = 0, bias2 = 0;
    if (ep->bias) {
        bias0 = VECS == 1 && !FULL ? vload_first(ep->bias, n) : vload(ep->bias);
        if (VECS >= 2) bias1 = FULL ? vload(ep->bias + LANES) : vload_first(ep->bias + LANES, n - LANES);
        if (VECS == 3) bias2 = vload(ep->bias + 2 * LANES);
    }
    if (ep->times) {
        EACH_ROW(ROW_STORE_TIMES)
    } else {
        EACH_ROW(ROW_STORE)
    }
}

#define TILE_ARGS int64_t kc, const float *A, int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc, int n, \
                  const myelin_epilogue *ep
#define TILE_FNS(NAME, R, A_DOWN)                                                                        \
    static void NAME##_##R##_1p(TILE_ARGS) { tile(R, 1, 0, A_DOWN, 0, 0, kc, A, lda, B, ldb, C, ldc, n, ep); }     \
    static void NAME##_##R##_1(TILE_ARGS) { tile(R, 1, 1, A_DOWN, 0, 0, kc, A, lda, B, ldb, C, ldc, n, ep); }      \
    static void NAME##_##R##_2p(TILE_ARGS) { tile(R, 2, 0, A_DOWN, 0, 0, kc, A, lda, B, ldb, C, ldc, n, ep); }     \
    static void NAME##_##R##_2(TILE_ARGS) { tile(R, 2, 1, A_DOWN, 0, 0, kc, A, lda, B, ldb, C, ldc, n, ep); }
#define TILE_FN(R) TILE_FNS(tile, R, 0) TILE_FNS(tile_down, R, 1)
#define TILE_ROW(NAME, R) {NAME##_##R##_1p, NAME##_##R##_1, NAME##_##R##_2p, NAME##_##R##_2},

typedef void (*tile_fn)(TILE_ARGS);
TILE_FN(1) TILE_FN(2) TILE_FN(3) TILE_FN(4) TILE_FN(5) TILE_FN(6)
#if MR == 12
TILE_FN(7) TILE_FN(8) TILE_FN(9) TILE_FN(10) TILE_FN(11) TILE_FN(12)
#endif

// One direction's table: by rows, then by columns (fewer than LANES, LANES, between, 2·LANES).
#if MR == 12
#define MORE_TILE_ROWS(NAME)                                                                             \
    TILE_ROW(NAME, 7) TILE_ROW(NAME, 8) TILE_ROW(NAME, 9) TILE_ROW(NAME, 10) TILE_ROW(NAME, 11) TILE_ROW(NAME, 12)
#else
#define MORE_TILE_ROWS(NAME)
#endif
#define TILE_TABLE(NAME)                                                                                 \
    {TILE_ROW(NAME, 1) TILE_ROW(NAME, 2) TILE_ROW(NAME, 3) TILE_ROW(NAME, 4) TILE_ROW(NAME, 5) TILE_ROW(NAME, 6) \
         MORE_TILE_ROWS(NAME)}

// A read along its rows, then down its columns.
static tile_fn const tiles[2][MR][4] = {TILE_TABLE(tile), TILE_TABLE(tile_down)};

SIMD int tile_shape(int n) { return n < LANES ? 0 : n == LANES ? 1 : n < NR ? 2 : 3; }

// The full tile over a packed B panel (rows NR floats apart), most of a large product's time, with
// that stride a constant: each step's B loads then sit at fixed offsets from one pointer, where a
// stride known only at run time had cost a chain of address additions and the registers they hold.
// 1,024³ and 2,048³ on one AVX2 thread ran about 2 % faster (Zen 4, alternating runs).
static void tile_full_packed(int64_t kc, const float *A, int64_t lda, const float *B, float *C, int64_t ldc,
                             const myelin_epilogue *ep) {
    tile(MR, 2, 1, 0, 0, 0, kc, A, lda, B, NR, C, ldc, NR, ep);
}

static void kernel(int64_t kc, const float *A, int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                   int m, int n, const myelin_epilogue *ep) {
    if (m == MR && n == NR && ldb == NR) tile_full_packed(kc, A, lda, B, C, ldc, ep);
    else tiles[0][m - 1][tile_shape(n)](kc, A, lda, B, ldb, C, ldc, n, ep);
}

// The first row tile of a block whose B rows are read in place straight from memory (a weight
// gradient's dY or X, K × N and megabytes, last touched by another op or another core): each step
// loads a row's NR floats, and rows kilobytes apart (a new page every row or two) defeat the
// hardware prefetchers, so that first tile waited on memory a few lines at a time. This tile also
// fetches the row a fixed distance ahead (the caller's prefetch_b) into L2, where the rows it
// reaches next find them (and, on AVX-512, the tiles below it; elsewhere kernel_packing, the same
// tile, leaves them a packed copy). Into L2 rather than L1: rows 2 KiB apart fall into
// two of L1's sets. All of the row's lines: on AVX-512, fetching only the first of its two left
// 128 × 512 × 2,048 from a cold B as slow as before (both: 130 → 167 GFLOP/s on two threads, five
// alternating pairs).
static void kernel_fetching(int64_t kc, const float *A, int64_t lda, const float *B, int64_t ldb, float *C,
                            int64_t ldc, int m, int n, const myelin_epilogue *ep) {
    if (m == MR && n == NR) tile(MR, 2, 1, 0, 1, 0, kc, A, lda, B, ldb, C, ldc, n, ep);
    else kernel(kc, A, lda, B, ldb, C, ldc, m, n, ep);
}

// The first row tile of a block whose B rows are read in place, where the tiles below it read B
// packed: as it multiplies, it copies each row of its B panel (n ≤ NR columns) into the packed panel
// at ep->pack_to, zeros past n, so that packing costs two stores a step where it had cost a pass of
// its own over B. Rows read in place a kilobyte or more apart fall into a few of L1's sets and a
// new page every row or two; the tiles below then stream a contiguous panel instead. It fetches
// ahead as kernel_fetching does where ep->prefetch_rows > 0 and the tile is full.
static void kernel_packing(int64_t kc, const float *A, int64_t lda, const float *B, int64_t ldb, float *C,
                           int64_t ldc, int m, int n, const myelin_epilogue *ep) {
    assert(m == MR); // the caller packs in a full-height tile only
    (void)m;
    if (n == NR && ep->prefetch_rows > 0) tile(MR, 2, 1, 0, 1, 1, kc, A, lda, B, ldb, C, ldc, n, ep);
    else if (n == NR) tile(MR, 2, 1, 0, 0, 1, kc, A, lda, B, ldb, C, ldc, n, ep);
    else if (n > LANES) tile(MR, 2, 0, 0, 0, 1, kc, A, lda, B, ldb, C, ldc, n, ep);
    else if (n == LANES) tile(MR, 1, 1, 0, 0, 1, kc, A, lda, B, ldb, C, ldc, n, ep);
    else tile(MR, 1, 0, 0, 0, 1, kc, A, lda, B, ldb, C, ldc, n, ep);
}

static void kernel_down(int64_t kc, const float *A, int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                        int m, int n, const myelin_epilogue *ep) {
    tiles[1][m - 1][tile_shape(n)](kc, A, lda, B, ldb, C, ldc, n, ep);
}

// A tile of few rows holds few accumulators: 4 rows × 2 vectors are 8, which two FMA pipes with a
// latency of 4 or 5 cycles cannot keep busy. Where B is read in place any strip of columns will do,
// and over packed panels a strip takes one panel and half of the next (the caller says where each
// vector lies), so tiles of up to WIDE_ROWS rows take strips of 3 vectors (12 accumulators)
// instead. The portable family sets WIDE_ROWS to 0: on x86 it is SSE2, without FMA, whose multiply-then-add needs one
// register more than the 16 the strip leaves (it ran at 42–74 % of the two-vector tile there); NEON,
// with 32 registers and FMA, might gain from strips, but has not been measured.
_Static_assert(WIDE_ROWS == 0 || WIDE_ROWS == 4, "the short tiles' table below holds 4 heights");
#if WIDE_ROWS > 0
#define WIDE_FN(R) \
    static void tile_wide_##R(TILE_ARGS) { tile(R, 3, 1, 0, 0, 0, kc, A, lda, B, ldb, C, ldc, n, ep); }
WIDE_FN(1) WIDE_FN(2) WIDE_FN(3) WIDE_FN(4)
static tile_fn const wide_tiles[WIDE_ROWS] = {tile_wide_1, tile_wide_2, tile_wide_3, tile_wide_4};

static void kernel_wide(int64_t kc, const float *A, int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                        int m, int n, const myelin_epilogue *ep) {
    wide_tiles[m - 1](kc, A, lda, B, ldb, C, ldc, n, ep);
}
#endif

// MARK: - Packing

static void pack_a(int64_t mc, int64_t kc, const float *A, int64_t rs, int64_t cs, float alpha, float *dst,
                   const int64_t *groups, float *sums, int64_t ld_sums) {
    if (cs == 1) { // rows contiguous in k (row-major A): each panel row is a copy (times alpha)
        for (int64_t i = 0; i < mc; i++, dst += kc) {
            const float *a = A + i * rs;
            int64_t p = 0;
            for (; p + LANES <= kc; p += LANES) vstore(dst + p, alpha * vload(a + p));
            if (p < kc) vstore_first(dst + p, alpha * vload_first(a + p, kc - p), kc - p);
        }
    } else if (rs == 1) {
        // Columns contiguous (Aᵀ stored row-major, as in a weight gradient Xᵀ·dY): LANES×LANES
        // blocks of Aᵀ, up to LANES rows of a panel at a time, are transposed in registers (and
        // summed by group on the way, with sums).
        for (int64_t i0 = 0; i0 < mc; i0 += LANES) {
            const int64_t rows = mc - i0 < LANES ? mc - i0 : LANES;
            for (int64_t p0 = 0; p0 < kc; p0 += LANES)
                vtranspose_tile(A + i0 + p0 * cs, cs, kc - p0 < LANES ? kc - p0 : LANES, rows, alpha, dst + i0 * kc + p0,
                                kc, 0, sums ? groups + p0 : NULL, sums ? sums + i0 : NULL, ld_sums);
        }
    } else {
        for (int64_t i = 0; i < mc; i++)
            for (int64_t p = 0; p < kc; p++) dst[i * kc + p] = alpha * A[i * rs + p * cs];
    }
}

// Panels of B: kc × NR each, (p, c) at p·NR + c, zero past column nc.
static void pack_b(int64_t kc, int64_t nc, const float *B, int64_t rs, int64_t cs, float *dst) {
    if (cs == 1) {
        // Rows contiguous (row-major B): one sweep over k copies NR floats into every panel. Each
        // row of B sits in its own page, so it is read whole (up to NC floats) rather than once per panel.
        for (int64_t p = 0; p < kc; p++) {
            const float *src = B + p * rs;
            for (int64_t j = 0; j < nc; j += NR) {
                float *d = dst + j * kc + p * NR;
                if (nc - j >= NR) {
                    vstore(d, vload(src + j));
                    vstore(d + LANES, vload(src + j + LANES));
                } else { // zero-padded last panel
                    vstore(d, vload_first(src + j, nc - j));
                    vstore(d + LANES, vload_first(src + j + LANES, nc - j - LANES));
                }
            }
        }
    } else if (rs == 1) {
        // Columns contiguous (Bᵀ stored row-major, as a Linear layer's weight): LANES×LANES blocks
        // are transposed in registers.
        for (int64_t j0 = 0; j0 < nc; j0 += NR, dst += NR * kc) {
            for (int half = 0; half < 2; half++) {
                const int64_t left = nc - j0 - LANES * half, cols = left < 0 ? 0 : left < LANES ? left : LANES;
                const float *b = B + (j0 + LANES * half) * cs;
                for (int64_t p0 = 0; p0 < kc; p0 += LANES)
                    vtranspose_tile(b + p0, cs, cols, kc - p0 < LANES ? kc - p0 : LANES, 1.0f,
                                    dst + LANES * half + p0 * NR, NR, 1, NULL, NULL, 0);
            }
        }
    } else {
        for (int64_t j0 = 0; j0 < nc; j0 += NR, dst += NR * kc) {
            const int64_t w = nc - j0 < NR ? nc - j0 : NR;
            for (int64_t p = 0; p < kc; p++)
                for (int c = 0; c < NR; c++) dst[p * NR + c] = c < w ? B[p * rs + (j0 + c) * cs] : 0.0f;
        }
    }
}

// MARK: - GEMV

// y[j] = Σ_p W[j·ldw + p]·x[p]: four rows share each load of x.
static void gemv_dot(int64_t n, int64_t k, const float *W, int64_t ldw, const float *x, float *y) {
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const float *w0 = W + j * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        vf s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        int64_t p = 0;
        for (; p + 2 * LANES <= k; p += 2 * LANES) {
            const vf xa = vload(x + p), xb = vload(x + p + LANES);
            s0 = vfma(vload(w0 + p), xa, s0);
            s1 = vfma(vload(w1 + p), xa, s1);
            s2 = vfma(vload(w2 + p), xa, s2);
            s3 = vfma(vload(w3 + p), xa, s3);
            t0 = vfma(vload(w0 + p + LANES), xb, t0);
            t1 = vfma(vload(w1 + p + LANES), xb, t1);
            t2 = vfma(vload(w2 + p + LANES), xb, t2);
            t3 = vfma(vload(w3 + p + LANES), xb, t3);
        }
        for (; p < k; p += LANES) {
            const vf xa = vload_first(x + p, k - p);
            s0 = vfma(vload_first(w0 + p, k - p), xa, s0);
            s1 = vfma(vload_first(w1 + p, k - p), xa, s1);
            s2 = vfma(vload_first(w2 + p, k - p), xa, s2);
            s3 = vfma(vload_first(w3 + p, k - p), xa, s3);
        }
        y[j] = vsum(s0 + t0);
        y[j + 1] = vsum(s1 + t1);
        y[j + 2] = vsum(s2 + t2);
        y[j + 3] = vsum(s3 + t3);
    }
    for (; j < n; j++) {
        const float *w0 = W + j * ldw;
        vf s0 = 0;
        for (int64_t p = 0; p < k; p += LANES) s0 = vfma(vload_first(w0 + p, k - p), vload_first(x + p, k - p), s0);
        y[j] = vsum(s0);
    }
}

// Up to LANES·V outputs of y = Σ_p x[p]·W[p, :], kept in V registers over the whole sweep; the
// last vector holds `last` outputs.
SIMD void axpy_block(const int V, int64_t k, const float *W, int64_t ldw, const float *x, float *y, int64_t last) {
    vf acc[AXPY_VECTORS];
    for (int v = 0; v < V; v++) acc[v] = 0;
    for (int64_t p = 0; p < k; p++, W += ldw) {
        const vf xp = x[p];
        for (int v = 0; v < V - 1; v++) acc[v] = vfma(xp, vload(W + LANES * v), acc[v]);
        acc[V - 1] = vfma(xp, vload_first(W + LANES * (V - 1), last), acc[V - 1]);
    }
    for (int v = 0; v < V - 1; v++) vstore(y + LANES * v, acc[v]);
    vstore_first(y + LANES * (V - 1), acc[V - 1], last);
}

#define AXPY_CASE(V)                                                                                     \
    case V: axpy_block(V, k, W + j0, ldw, x, y + j0, left - LANES * (V - 1)); break;

// y[j] = Σ_p W[p·ldw + j]·x[p], AXPY_VECTORS·LANES outputs per sweep over the rows of W.
static void gemv_axpy(int64_t n, int64_t k, const float *W, int64_t ldw, const float *x, float *y) {
    for (int64_t j0 = 0; j0 < n; j0 += AXPY_VECTORS * LANES) {
        const int64_t left = n - j0 < AXPY_VECTORS * LANES ? n - j0 : AXPY_VECTORS * LANES;
        switch ((left + LANES - 1) / LANES) {
            AXPY_CASE(1) AXPY_CASE(2) AXPY_CASE(3) AXPY_CASE(4) AXPY_CASE(5) AXPY_CASE(6) AXPY_CASE(7) AXPY_CASE(8)
#if AXPY_VECTORS > 8
            AXPY_CASE(9) AXPY_CASE(10) AXPY_CASE(11) AXPY_CASE(12)
#endif
#if AXPY_VECTORS > 12
            AXPY_CASE(13) AXPY_CASE(14) AXPY_CASE(15) AXPY_CASE(16)
#endif
        }
    }
}

const myelin_gemm_family MYELIN_GEMM_FAMILY = {
    .mr = MR,
    .nr = NR,
    .pack_a = pack_a,
    .pack_b = pack_b,
    .kernel = kernel,
    .kernel_down = kernel_down,
    .kernel_fetching = kernel_fetching,
    // Only where a panel's row of B is one cache line (AVX2, portable); see multiply_block.
    .kernel_packing = NR * sizeof(float) <= 64 ? kernel_packing : NULL,
    .wide_rows = WIDE_ROWS,
#if WIDE_ROWS > 0
    .kernel_wide = kernel_wide,
#endif
    .gemv_dot = gemv_dot,
    .gemv_axpy = gemv_axpy,
    .direct_a = 1,
    .direct_b = 1,
};
