// Element-wise exp, log, tanh, sigmoid, erf and a row-wise log-softmax.
//
// With AVX-512, each function is a short polynomial on a reduced argument, 16 lanes at a time
// (coefficients fitted by weighted minimax on the ranges stated; approximation error ≤ 1e-8
// relative, so float rounding dominates: the tests measure ≤ 2e-7 relative or 2 ulp). Elsewhere the
// C library's expf/logf/tanhf/erff do the work. Large arrays are split over the thread pool.
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>

#include "internal.h"

// MARK: - Portable element functions

static float sigmoid1(float x) { return 1.0f / (1.0f + expf(-x)); }

// log-softmax of one row, on the C library.
static void log_softmax_row_portable(const float *x, float *y, int64_t n) {
    float m = -INFINITY;
    for (int64_t j = 0; j < n; j++) m = x[j] > m ? x[j] : m;
    double s = 0;
    for (int64_t j = 0; j < n; j++) s += expf(x[j] - m);
    const float shift = m + (float)log(s);
    for (int64_t j = 0; j < n; j++) y[j] = x[j] - shift;
}

#if MYELIN_X86
#include <immintrin.h>

#define T MYELIN_TARGET_AVX512

#include "avx512_math.h"

// MARK: - AVX-512 element functions

// log x = e·ln 2 + log m with x = m·2^e, m ∈ [0.75, 1.5); log m = 2·atanh(s), s = (m−1)/(m+1),
// |s| ≤ 0.2, as 2s + s³·(2/3 + 2s²/5 + 2s⁴/7 + 2s⁶/9) (truncation ≤ 1e-8 relative).
MYELIN_INLINE T __m512 log16(__m512 x) {
    const __m512 m = _mm512_getmant_ps(x, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_src);
    __m512 e = _mm512_getexp_ps(x);
    // getexp gives floor(log2 x); a mantissa below 1 came from [1.5, 2)·2^e halved, so e + 1.
    e = _mm512_mask_add_ps(e, _mm512_cmp_ps_mask(m, splat(1.0f), _CMP_LT_OQ), e, splat(1.0f));
    const __m512 s = _mm512_div_ps(_mm512_sub_ps(m, splat(1.0f)), _mm512_add_ps(m, splat(1.0f)));
    const __m512 s2 = _mm512_mul_ps(s, s);
    __m512 q = splat(2.0f / 9.0f);
    q = _mm512_fmadd_ps(q, s2, splat(2.0f / 7.0f));
    q = _mm512_fmadd_ps(q, s2, splat(2.0f / 5.0f));
    q = _mm512_fmadd_ps(q, s2, splat(2.0f / 3.0f));
    __m512 lm = _mm512_fmadd_ps(_mm512_mul_ps(s2, s), q, _mm512_add_ps(s, s));
    lm = _mm512_fmadd_ps(e, splat(1.428606765330187e-06f), lm); // ln 2, low part
    __m512 y = _mm512_fmadd_ps(e, splat(0.693145751953125f), lm);
    // log(±0) = −inf, log(negative) = NaN, log(+inf) = +inf; NaN stays NaN through the arithmetic.
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_EQ_OQ), splat(-INFINITY));
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), splat(NAN));
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, splat(INFINITY), _CMP_EQ_OQ), splat(INFINITY));
    return y;
}

MYELIN_INLINE T __m512 abs16(__m512 x) { return _mm512_abs_ps(x); }

// The sign of `from` on |magnitude|.
MYELIN_INLINE T __m512 copysign16(__m512 magnitude, __m512 from) {
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
    return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_castps_si512(from), _mm512_castps_si512(magnitude),
                                                         sign, 0xE4)); // sign ? from : magnitude, bitwise
}

// tanh: x + x³·p(x²) for |x| < 0.625 (stays accurate near 0), else 1 − 2/(e^{2|x|} + 1) with the
// sign of x; e^{2|x|} = inf past |x| ≈ 44 gives exactly ±1.
MYELIN_INLINE T __m512 tanh16(__m512 x) {
    const __m512 ax = abs16(x), x2 = _mm512_mul_ps(x, x);
    __m512 p = splat(-0.005704992450773716f);
    p = _mm512_fmadd_ps(p, x2, splat(0.020639093592762947f));
    p = _mm512_fmadd_ps(p, x2, splat(-0.05373971909284592f));
    p = _mm512_fmadd_ps(p, x2, splat(0.13331441581249237f));
    p = _mm512_fmadd_ps(p, x2, splat(-0.3333328068256378f));
    const __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(x2, x), p, x);
    const __m512 e = exp16(_mm512_add_ps(ax, ax));
    const __m512 large = _mm512_sub_ps(splat(1.0f), _mm512_div_ps(splat(2.0f), _mm512_add_ps(e, splat(1.0f))));
    const __mmask16 is_small = _mm512_cmp_ps_mask(ax, splat(0.625f), _CMP_LT_OQ);
    return copysign16(_mm512_mask_mov_ps(large, is_small, small), x); // tanh(−0) = −0
}

MYELIN_INLINE T __m512 sigmoid16(__m512 x) {
    return _mm512_div_ps(splat(1.0f), _mm512_add_ps(splat(1.0f), exp16(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

// erf: x·p(x²) for |x| < 0.875; else 1 − e^{−x²}·r(t) with t = 1/(1 + |x|/2), with the sign of x
// (|x| is capped at 4, where erf is 1 in float).
MYELIN_INLINE T __m512 erf16(__m512 x) {
    const __m512 x2 = _mm512_mul_ps(x, x);
    __m512 p = splat(-0.0006203529192134738f);
    p = _mm512_fmadd_ps(p, x2, splat(0.005032239481806755f));
    p = _mm512_fmadd_ps(p, x2, splat(-0.026791507378220558f));
    p = _mm512_fmadd_ps(p, x2, splat(0.11282456666231155f));
    p = _mm512_fmadd_ps(p, x2, splat(-0.3761255145072937f));
    p = _mm512_fmadd_ps(p, x2, splat(1.1283791065216064f));
    const __m512 small = _mm512_mul_ps(x, p);
    const __m512 ax = _mm512_min_ps(splat(4.0f), abs16(x)); // NaN passes through
    const __m512 t = _mm512_div_ps(splat(1.0f), _mm512_fmadd_ps(ax, splat(0.5f), splat(1.0f)));
    __m512 r = splat(-0.2276238352060318f);
    r = _mm512_fmadd_ps(r, t, splat(0.6273375153541565f));
    r = _mm512_fmadd_ps(r, t, splat(-0.05351092293858528f));
    r = _mm512_fmadd_ps(r, t, splat(0.3904076814651489f));
    r = _mm512_fmadd_ps(r, t, splat(0.26156097650527954f));
    r = _mm512_fmadd_ps(r, t, splat(0.0016067905817180872f));
    const __m512 erfc = _mm512_mul_ps(exp16(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(ax, ax))), r);
    const __m512 large = copysign16(_mm512_sub_ps(splat(1.0f), erfc), x);
    const __mmask16 is_small = _mm512_cmp_ps_mask(abs16(x), splat(0.875f), _CMP_LT_OQ);
    return _mm512_mask_mov_ps(large, is_small, small);
}

// Applies FN to n floats, 16 at a time, with a masked tail.
#define MAP16(NAME, FN)                                                                                  \
    static T void NAME(const float *x, float *y, int64_t n) {                                           \
        int64_t i = 0;                                                                                   \
        for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, FN(_mm512_loadu_ps(x + i)));               \
        if (i < n) {                                                                                     \
            const __mmask16 m = myelin_lanes(n - i);                                                     \
            _mm512_mask_storeu_ps(y + i, m, FN(_mm512_maskz_loadu_ps(m, x + i)));                       \
        }                                                                                                \
    }
MAP16(exp_avx512, exp16)
MAP16(log_avx512, log16)
MAP16(tanh_avx512, tanh16)
MAP16(sigmoid_avx512, sigmoid16)
MAP16(erf_avx512, erf16)

// GELU, exact: x·Φ(x), Φ(x) = ½(1 + erf(x/√2)); its derivative Φ(x) + x·φ(x), φ(x) = e^{−x²/2}/√(2π).
MYELIN_INLINE T __m512 gelu_cdf16(__m512 x) {
    return _mm512_fmadd_ps(erf16(_mm512_mul_ps(x, splat(0.70710678118654752f))), splat(0.5f), splat(0.5f));
}

MYELIN_INLINE T __m512 gelu16(__m512 x) { return _mm512_mul_ps(x, gelu_cdf16(x)); }

MYELIN_INLINE T __m512 gelu_slope16(__m512 x) {
    const __m512 density = _mm512_mul_ps(exp16(_mm512_mul_ps(_mm512_mul_ps(x, x), splat(-0.5f))),
                                         splat(0.39894228040143268f));
    return _mm512_fmadd_ps(x, density, gelu_cdf16(x));
}

MAP16(gelu_avx512, gelu16)

static T void gelu_backward_avx512(const float *x, const float *g, float *y, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_loadu_ps(g + i), gelu_slope16(_mm512_loadu_ps(x + i))));
    if (i < n) {
        const __mmask16 m = myelin_lanes(n - i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, g + i),
                                                      gelu_slope16(_mm512_maskz_loadu_ps(m, x + i))));
    }
}

static T void log_softmax_row_avx512(const float *x, float *y, int64_t n) {
    __m512 mx = splat(-INFINITY);
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) mx = _mm512_max_ps(mx, _mm512_loadu_ps(x + j));
    const __mmask16 tail = myelin_lanes(n - j);
    if (j < n) mx = _mm512_mask_max_ps(mx, tail, mx, _mm512_maskz_loadu_ps(tail, x + j));
    const float m = _mm512_reduce_max_ps(mx);
    const __m512 vm = splat(m);
    __m512 sum = _mm512_setzero_ps();
    for (j = 0; j + 16 <= n; j += 16) sum = _mm512_add_ps(sum, exp16(_mm512_sub_ps(_mm512_loadu_ps(x + j), vm)));
    if (j < n) sum = _mm512_mask_add_ps(sum, tail, sum, exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(tail, x + j), vm)));
    const __m512 shift = splat(m + logf(_mm512_reduce_add_ps(sum)));
    for (j = 0; j + 16 <= n; j += 16) _mm512_storeu_ps(y + j, _mm512_sub_ps(_mm512_loadu_ps(x + j), shift));
    if (j < n) _mm512_mask_storeu_ps(y + j, tail, _mm512_sub_ps(_mm512_maskz_loadu_ps(tail, x + j), shift));
}

static atomic_int avx512_setting = -1; // -1: not decided yet

static int use_avx512(void) {
    int v = atomic_load_explicit(&avx512_setting, memory_order_relaxed);
    if (v < 0) {
        v = myelin_gemm_path_supported(MYELIN_GEMM_AVX512);
        atomic_store_explicit(&avx512_setting, v, memory_order_relaxed);
    }
    return v;
}

int myelin_vector_math_set_avx512(int enabled) {
    const int v = enabled && myelin_gemm_path_supported(MYELIN_GEMM_AVX512);
    atomic_store(&avx512_setting, v);
    return v;
}
int myelin_vector_math_uses_avx512(void) { return use_avx512(); }
#else
static int use_avx512(void) { return 0; }

int myelin_vector_math_uses_avx512(void) { return 0; }

int myelin_vector_math_set_avx512(int enabled) {
    (void)enabled;
    return 0;
}
#endif

// MARK: - Dispatch and threading

typedef void (*array_fn)(const float *x, float *y, int64_t n);

typedef struct {
    array_fn fn;
    const float *x;
    float *y;
} map_job;

static void map_slice(void *context, int64_t begin, int64_t end) {
    const map_job *job = context;
    job->fn(job->x + begin, job->y + begin, end - begin);
}

// Runs fn over the array, split over the pool when it is large enough to pay for it.
static void map(array_fn fn, const float *x, float *y, int64_t n) {
    enum { GRAIN = 1 << 15 };
    if (n < 2 * GRAIN) {
        fn(x, y, n);
        return;
    }
    map_job job = {fn, x, y};
    myelin_parallel_for(n, GRAIN, map_slice, &job);
}

#define PORTABLE_MAP(NAME, F)                                                                            \
    static void NAME(const float *x, float *y, int64_t n) {                                             \
        for (int64_t i = 0; i < n; i++) y[i] = F(x[i]);                                                  \
    }
PORTABLE_MAP(exp_portable, expf)
PORTABLE_MAP(log_portable, logf)
PORTABLE_MAP(tanh_portable, tanhf)
PORTABLE_MAP(sigmoid_portable, sigmoid1)
PORTABLE_MAP(erf_portable, erff)

static float gelu1(float x) { return x * (0.5f + 0.5f * erff(x * 0.70710678118654752f)); }
PORTABLE_MAP(gelu_portable, gelu1)

static void gelu_backward_portable(const float *x, const float *g, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float cdf = 0.5f + 0.5f * erff(x[i] * 0.70710678118654752f);
        y[i] = g[i] * (cdf + x[i] * 0.39894228040143268f * expf(-0.5f * x[i] * x[i]));
    }
}

#if MYELIN_X86
#define PICK(NAME) (use_avx512() ? NAME##_avx512 : NAME##_portable)
#else
#define PICK(NAME) NAME##_portable
#endif

void myelin_vexp(const float *x, float *y, int64_t n) { map(PICK(exp), x, y, n); }
void myelin_vlog(const float *x, float *y, int64_t n) { map(PICK(log), x, y, n); }
void myelin_vtanh(const float *x, float *y, int64_t n) { map(PICK(tanh), x, y, n); }
void myelin_vsigmoid(const float *x, float *y, int64_t n) { map(PICK(sigmoid), x, y, n); }
void myelin_verf(const float *x, float *y, int64_t n) { map(PICK(erf), x, y, n); }
void myelin_vgelu(const float *x, float *y, int64_t n) { map(PICK(gelu), x, y, n); }

typedef void (*array2_fn)(const float *x, const float *g, float *y, int64_t n);

typedef struct {
    array2_fn fn;
    const float *x, *g;
    float *y;
} map2_job;

static void map2_slice(void *context, int64_t begin, int64_t end) {
    const map2_job *job = context;
    job->fn(job->x + begin, job->g + begin, job->y + begin, end - begin);
}

void myelin_vgelu_backward(const float *x, const float *g, float *y, int64_t n) {
    map2_job job = {PICK(gelu_backward), x, g, y};
    myelin_parallel_for(n, 1 << 15, map2_slice, &job);
}

typedef struct {
    array_fn row;
    const float *x;
    float *y;
    int64_t cols;
} rows_job;

static void rows_slice(void *context, int64_t begin, int64_t end) {
    const rows_job *job = context;
    for (int64_t r = begin; r < end; r++) job->row(job->x + r * job->cols, job->y + r * job->cols, job->cols);
}

void myelin_log_softmax_rows(const float *x, float *y, int64_t rows, int64_t cols) {
    if (rows <= 0 || cols <= 0) return;
    rows_job job = {PICK(log_softmax_row), x, y, cols};
    int64_t grain = ((1 << 15) + cols - 1) / cols;
    myelin_parallel_for(rows, grain, rows_slice, &job);
}
