// Declarations shared by the C files of CMyelinKernels; not part of the public API.
#ifndef CMYELIN_INTERNAL_H
#define CMYELIN_INTERNAL_H

#include <assert.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

#include "CMyelinKernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#define MYELIN_X86 1
#define MYELIN_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma")))
#define MYELIN_TARGET_AVX2 __attribute__((target("avx2,fma")))
#endif

#define MYELIN_INLINE static inline __attribute__((always_inline))

// MARK: - Kernel paths

/// X(suffix, target attribute) for every path this architecture has: a kernel written once as
/// plain C (inlined into each) is compiled for every instruction set, and the compiler vectorises it
/// for each.
#if MYELIN_X86
#define MYELIN_FOR_EACH_PATH(X) X(portable, ) X(avx2, MYELIN_TARGET_AVX2) X(avx512, MYELIN_TARGET_AVX512)
#else
#define MYELIN_FOR_EACH_PATH(X) X(portable, )
#endif

/// The address of NAME##_avx512, NAME##_avx2 or NAME##_portable (a function or a table): the one
/// for the path this thread runs on.
#if MYELIN_X86
#define MYELIN_BY_PATH(NAME)                                                                            \
    (myelin_cpu_current_path() == MYELIN_CPU_AVX512 ? &NAME##_avx512                                    \
     : myelin_cpu_current_path() == MYELIN_CPU_AVX2 ? &NAME##_avx2                                      \
                                                    : &NAME##_portable)
#else
#define MYELIN_BY_PATH(NAME) (&NAME##_portable)
#endif

// MARK: - GEMM families

/// What the micro-kernel does with its tile once the K loop is done: C = alpha·acc + beta·C
/// (beta == 0: C is not read), then + bias[j], ReLU and × times[i·ldt + j] when this is the last K block.
typedef struct {
    float alpha; // 1 where packing already applied it
    float beta;
    const float *bias; // already offset to the tile's first column; NULL for none
    int relu;
    const float *times; // already offset to the tile's first element; NULL for none
    int64_t ldt;
    // For kernel_fetching only: row p of B at prefetch_b + p·ldb is fetched into L2 at step p, for
    // p < prefetch_rows.
    const float *prefetch_b;
    int64_t prefetch_rows;
    // For kernel_packing only: the packed panel (kc × NR) that the tile's rows of B are copied into.
    float *pack_to;
    // For kernel_wide only: where a B row's second and third vectors lie, in floats from its first
    // (LANES and 2·LANES on rows read in place; across two panels where B is packed).
    int64_t strip_second, strip_third;
} myelin_epilogue;

/// Packs rows [0, mc) × columns [0, kc) of A (element (i, p) at A[i*rs + p*cs]), times alpha, into
/// ceil(mc/MR) panels of MR×kc floats, panel q at dst + q*MR*kc, laid out as the family's kernel
/// reads them (interleaved by k, or row by row). Rows past mc are never read by the kernel. With sums
/// (else NULL; only where rs == 1 and cs != 1, A stored transposed), column p of A, unscaled, is also
/// added into row groups[p] of sums (sums[groups[p]·ld_sums + i] += A(i, p)), each sum in the order of p.
typedef void (*myelin_pack_a_fn)(int64_t mc, int64_t kc, const float *A, int64_t rs, int64_t cs,
                                 float alpha, float *dst, const int64_t *groups, float *sums, int64_t ld_sums);
/// Packs rows [0, kc) × columns [0, nc) of B (element (p, j) at B[p*rs + j*cs]) into ceil(nc/NR)
/// panels of kc×NR: panel q starts at dst + q*NR*kc and holds (p, c) at [p*NR + c]. Columns past nc
/// are zero.
typedef void (*myelin_pack_b_fn)(int64_t kc, int64_t nc, const float *B, int64_t rs, int64_t cs, float *dst);
/// The register-blocked kernel: the m×n tile (m ≤ MR, n ≤ NR; for kernel_wide m ≤ wide_rows and
/// n = 3·NR/2) of C at C (row stride ldc) gets
/// Σ_p a(r, p)·b(p, c) over p < kc, where a is one packed A panel (MR×kc, see pack_a; a family
/// whose panels go row by row reads row r at A + r·lda, so lda = kc for a packed panel, or A's own
/// row stride when A is read in place) and b(p, c) = B[p*ldb + c] (a packed B panel with ldb = NR,
/// or rows of B read in place; kernel_wide's vectors also at ep's strip offsets), then ep.
typedef void (*myelin_kernel_fn)(int64_t kc, const float *A, int64_t lda, const float *B, int64_t ldb, float *C,
                                 int64_t ldc, int m, int n, const myelin_epilogue *ep);
/// y[j] = Σ_p W[j*ldw + p]·x[p] for j < n (each output a dot product of contiguous rows).
typedef void (*myelin_gemv_dot_fn)(int64_t n, int64_t k, const float *W, int64_t ldw, const float *x, float *y);
/// y[j] = Σ_p W[p*ldw + j]·x[p] for j < n (rows of W scaled and added).
typedef void (*myelin_gemv_axpy_fn)(int64_t n, int64_t k, const float *W, int64_t ldw, const float *x, float *y);

typedef struct {
    int mr, nr;
    int direct_a;  // the kernel may read row-major A in place (its panels go row by row)
    int direct_b;  // the kernel may read B's rows in place (it never loads past column n)
    myelin_pack_a_fn pack_a;
    myelin_pack_b_fn pack_b;
    myelin_kernel_fn kernel;
    myelin_kernel_fn kernel_down; // the same, reading A down its columns: a(r, p) = A[p·lda + r]
    myelin_kernel_fn kernel_fetching; // the same as kernel, and a full MR × NR tile also fetches
                                      // rows of B ahead (see myelin_epilogue)
    myelin_kernel_fn kernel_packing;  // the same as kernel for m = MR over B read in place, copying
                                      // the rows of B it reads into a packed panel (ditto); or NULL
    int wide_rows;                // kernel_wide takes m ≤ wide_rows rows
    myelin_kernel_fn kernel_wide; // m rows × n = 3·NR/2 columns (whole): a B row's three vectors at B,
                                  // B + ep.strip_second and B + ep.strip_third
    myelin_gemv_dot_fn gemv_dot;
    myelin_gemv_axpy_fn gemv_axpy;
} myelin_gemm_family;

extern const myelin_gemm_family myelin_gemm_family_portable;
#if MYELIN_X86
extern const myelin_gemm_family myelin_gemm_family_avx2;
extern const myelin_gemm_family myelin_gemm_family_avx512;
#endif

/// The GEMM profile (gemm_profile.c): when it is on, the monotonic time in seconds, else 0.
double myelin_gemm_profile_start(void);
/// Adds one product, begun at `started` (from myelin_gemm_profile_start, nonzero), to its shape's
/// entry, whether or not the profile is still on.
void myelin_gemm_profile_add(int64_t M, int64_t N, int64_t K, int64_t rsA, int64_t csA, int64_t rsB, int64_t csB,
                             double started);

/// How `rows` are dealt into row tiles for a family of MR = mr. Tiles are MR rows, except that a
/// remainder under half a tile is shared with the tile before it (6 + 2 rows run as 4 + 4): one or
/// two rows hold too few accumulators to hide the FMA's latency, and such a tile ran at a third of
/// the speed (a batch of 128 or a block of 32 queries leaves 2 rows on AVX2). Made once per block:
/// its two divisions, taken again for every tile of a short-K product, cost 128 × 256 × 10 about
/// 5 % on one AVX2 thread.
typedef struct {
    int64_t rows, count; // count: how many tiles
    int mr;
    int shared_upper;    // > 0: the last two tiles share mr + remainder rows, this many in the first
} myelin_row_tiles;

MYELIN_INLINE myelin_row_tiles myelin_row_tiles_make(int64_t rows, int mr) {
    myelin_row_tiles d = {.rows = rows, .count = (rows + mr - 1) / mr, .mr = mr};
    const int rest = (int)(rows % mr);
    if (rest != 0 && 2 * rest < mr && d.count >= 2) d.shared_upper = (mr + rest + 1) / 2;
    return d;
}

/// Row tile t: its first row (in *first) and its height.
MYELIN_INLINE int myelin_row_tile(const myelin_row_tiles *d, int64_t t, int64_t *first) {
    *first = t * d->mr;
    if (t < d->count - 2 || d->shared_upper == 0) return d->rows - *first < d->mr ? (int)(d->rows - *first) : d->mr;
    if (t == d->count - 2) return d->shared_upper;
    *first += d->shared_upper - d->mr;
    return (int)(d->rows - *first);
}

/// The size of one core's L2 cache (1 MiB where the system does not say).
int64_t myelin_l2_cache_bytes(void);

// MARK: - Sliding windows

/// The outputs ow in [*lo, *hi) of a row whose input column ow·stride + first lies inside [0, width)
/// (convolution and pooling windows, clipped to the image).
MYELIN_INLINE void myelin_valid_columns(int64_t first, int64_t stride, int64_t width, int64_t out_width,
                                        int64_t *lo, int64_t *hi) {
    int64_t a = first >= 0 ? 0 : (-first + stride - 1) / stride;
    int64_t b = first > width - 1 ? 0 : (width - 1 - first) / stride + 1;
    if (b > out_width) b = out_width;
    if (a > b) a = b;
    *lo = a;
    *hi = b;
}

// MARK: - Sums

/// Σ x[0..<n] in 16 interleaved partial sums, which the compiler keeps in one vector register (it
/// will not reorder a plain float sum itself), always added in the same order.
MYELIN_INLINE float myelin_row_sum(const float *restrict x, int64_t n) {
    float lane[16] = {0};
    int64_t j = 0;
    for (; j + 16 <= n; j += 16)
        for (int l = 0; l < 16; l++) lane[l] += x[j + l];
    float sum = 0;
    for (int l = 0; l < 16; l++) sum += lane[l];
    for (; j < n; j++) sum += x[j];
    return sum;
}

/// dst = g where a fused ReLU's output m is positive, else 0. Both are read first and then
/// selected, so that the compiler vectorises it: written as `m > 0 ? g : 0`, g may be read only
/// where m is positive, and it branched on every float (a quarter of MNIST's ConvNet's convolutions).
MYELIN_INLINE void myelin_relu_mask(float *restrict dst, const float *restrict g, const float *restrict m, int64_t n) {
    for (int64_t e = 0; e < n; e++) {
        const float v = g[e];
        dst[e] = m[e] > 0 ? v : 0.0f;
    }
}

/// Σ (x[j] − mean)² in the same 16 partial sums: the variance as a second pass over the centred
/// values, so that a large mean cannot cancel it away.
MYELIN_INLINE float myelin_row_squared_deviations(const float *restrict x, int64_t n, float mean) {
    float lane[16] = {0};
    int64_t j = 0;
    for (; j + 16 <= n; j += 16)
        for (int l = 0; l < 16; l++) {
            const float d = x[j + l] - mean;
            lane[l] += d * d;
        }
    float sum = 0;
    for (int l = 0; l < 16; l++) sum += lane[l];
    for (; j < n; j++) sum += (x[j] - mean) * (x[j] - mean);
    return sum;
}

// MARK: - Vector kernels

/// One path's vector kernels (simd_kernels.h). Arrays and rows are contiguous; y may equal x.
typedef struct {
    void (*exp)(const float *x, float *y, int64_t n);
    void (*log)(const float *x, float *y, int64_t n);
    void (*tanh)(const float *x, float *y, int64_t n);
    void (*sigmoid)(const float *x, float *y, int64_t n);
    void (*erf)(const float *x, float *y, int64_t n);
    void (*gelu)(const float *x, float *y, int64_t n);
    void (*gelu_with_slope)(const float *x, float *y, float *slope, int64_t n);
    /// Softmax over the first n of `width` columns, the keys whose bias (NULL: none) is −inf left
    /// out; columns past n zeroed. Returns log Σ exp, +inf (and a zero row) when no key is visible.
    float (*softmax_row)(const float *x, float *y, int64_t n, int64_t width, const float *bias);
    void (*log_softmax_row)(const float *x, float *y, int64_t n);
    /// softmax_row's probabilities again, in place, from the scores and the log Σ exp it returned.
    void (*probabilities_row)(float *s, int64_t n, int64_t width, const float *bias, float logsumexp);
    /// dS = P ⊙ (dP − Σ P·dP) over the first n of `width` columns, in place of dP; the rest zeroed.
    void (*score_gradient_row)(const float *p, float *dp, int64_t n, int64_t width);
    /// dst[c·ld_dst + r] = src[r·ld_src + c] for r < rows, c < cols.
    void (*transpose)(int64_t rows, int64_t cols, const float *src, int64_t ld_src, float *dst, int64_t ld_dst);
    /// The same for a few rows, into memory not read soon: past the caches, ordered before later stores.
    void (*transpose_streaming)(int64_t rows, int64_t cols, const float *src, int64_t ld_src, float *dst,
                                int64_t ld_dst);
    /// sums[groups[k]·ld_sums + r] += src[r·ld_src + k] for r < rows, k < count, k in order.
    void (*scatter_add_columns)(int64_t rows, int64_t count, const float *src, int64_t ld_src, const int64_t *groups,
                                float *sums, int64_t ld_sums);
} myelin_vector_kernels;

extern const myelin_vector_kernels myelin_vector_kernels_portable;
#if MYELIN_X86
extern const myelin_vector_kernels myelin_vector_kernels_avx2;
extern const myelin_vector_kernels myelin_vector_kernels_avx512;
#endif

/// The vector kernels of the path this thread runs on.
#define myelin_vector_kernels_current() MYELIN_BY_PATH(myelin_vector_kernels)

// MARK: - word2vec

/// One call of myelin_word2vec_train, as its slices see it.
typedef struct {
    const myelin_word2vec_settings *settings;
    float *input, *output;
    const int32_t *words;
    const int64_t *starts;
    float learning_rate;
} myelin_word2vec_call;

/// One path's word2vec kernels (simd_word2vec.h).
typedef struct {
    /// myelin_word2vec_predict.
    float (*predict)(int64_t dimensions, const float *input, float *output, const int32_t *targets, int32_t count,
                     float learning_rate, float *input_update);
    /// Trains on sentences [first, end) of `call` with the random stream `seed`; `kept` holds the
    /// longest sentence, `vectors` 2·D floats. Adds what it did to *result.
    void (*train_slice)(const myelin_word2vec_call *call, int64_t first, int64_t end, uint64_t seed, int32_t *kept,
                        float *vectors, myelin_word2vec_result *result);
} myelin_word2vec_kernels;

extern const myelin_word2vec_kernels myelin_word2vec_kernels_portable;
#if MYELIN_X86
extern const myelin_word2vec_kernels myelin_word2vec_kernels_avx2;
extern const myelin_word2vec_kernels myelin_word2vec_kernels_avx512;
#endif

// MARK: - Thread pool internals

/// A job for the pool: the caller and every worker that joins run it at once, and each must take
/// its work from the context (an atomic counter, say) until none is left.
typedef void (*myelin_job_fn)(void *context);

/// Runs fn(context) on the calling thread and on up to `helpers` pool workers at once. A worker
/// joins only if it wakes before the caller is done, so fn must be correct for any number of
/// threads, one included. Returns when every thread that joined has left fn. From inside a task, or
/// while another thread uses the pool, fn runs on the calling thread alone.
void myelin_pool_run(int helpers, myelin_job_fn fn, void *context);

/// Claims the next chunk of [0, total) from `cursor` in multiples of `unit`: a share of what is left
/// that shrinks as the work runs out (guided scheduling: half of it over the `members` threads), at
/// least `least` and at most `most` (all of `most` for one member). Returns its width and sets
/// *start, or returns 0 when nothing is left. Used by the GEMM's chunks and myelin_parallel_claim.
int64_t myelin_claim_chunk(_Atomic(int64_t) *cursor, int64_t total, int members, int64_t unit, int64_t least,
                           int64_t most, int64_t *start);

/// The monotonic clock, in seconds.
double myelin_monotonic_seconds(void);

/// One step of a spin-wait for another thread: a pause, and now and then a yield of the CPU.
void myelin_spin_pause(unsigned spins);

/// A 64-byte aligned scratch buffer owned by the calling thread and kept for its next call
/// (slot 0: the GEMM's packed A, which the caller shares with the workers of its job; slot 1: this
/// thread's packed B, or all of B shared the same way when the GEMM splits rows; slot 2: small vectors; slot 3: this thread's convolution columns; slot 4: a
/// convolution's per-chunk weight-gradient sums, owned by the caller; slot 5: a convolution block's
/// output tile or output gradient; slot 6: a recurrence's transposed W_hh (forward) or carried gradients (backward), owned by the caller; slot 7: this
/// thread's recurrence carries; slot 8: this thread's attention scores; slot 9: a layer norm's
/// per-chunk column sums, owned by the caller; slots 10–14: Winograd convolution, see winograd.c; slots
/// 15–17: a convolution's flipped weight, masked output gradient and weight with its bias, owned by
/// the caller; slot 18: a recurrence's job, owned by the caller).
/// Never freed while the thread lives; one of 1 MiB or more lies on 2 MiB pages (see myelin_allocate).
float *myelin_scratch(int slot, size_t floats);

// MARK: - Winograd convolution

/// myelin_conv2d_forward and myelin_conv2d_backward by F(2×2, 3×3), for a shape that
/// myelin_conv2d_algorithm_for gives to Winograd.
void myelin_winograd_forward(const myelin_conv2d_shape *s, const float *input, const float *weight, const float *bias,
                             float *output, myelin_activation activation);
void myelin_winograd_backward(const myelin_conv2d_shape *s, const float *input, const float *weight,
                              const float *grad_output, const float *relu_output, float *grad_input,
                              float *grad_weight, float *grad_bias);

#endif
