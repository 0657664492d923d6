// The vector kernels of one path, written once: element-wise maps over arrays, softmax and
// log-softmax rows, and the rows of attention's softmax and its gradient. An array's or row's
// last, partial vector is loaded and stored with masks (simd.h), never by a scalar loop.
//
// Included once by each of vector_kernels_avx512.c, _avx2.c and _portable.c, which name the table
// it defines (MYELIN_VECTOR_KERNELS) and compile it for their target.
#include <math.h>

#include "simd_math.h"

// MARK: - Element-wise maps

#define MAP(NAME, FN)                                                                                    \
    static void NAME(const float *x, float *y, int64_t n) {                                             \
        int64_t i = 0;                                                                                   \
        for (; i + LANES <= n; i += LANES) vstore(y + i, FN(vload(x + i)));                              \
        if (i < n) vstore_first(y + i, FN(vload_first(x + i, n - i)), n - i);                            \
    }
MAP(exp_array, vexp)
MAP(log_array, vlog)
MAP(tanh_array, vtanh)
MAP(sigmoid_array, vsigmoid)
MAP(erf_array, verf)
MAP(gelu_array, vgelu)

// GELU and its slope in one pass (y may equal x): training keeps the slope for the backward pass.
static void gelu_with_slope_array(const float *x, float *y, float *slope, int64_t n) {
    vf s;
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        vstore(y + i, vgelu_with_slope(vload(x + i), &s));
        vstore(slope + i, s);
    }
    if (i < n) {
        vstore_first(y + i, vgelu_with_slope(vload_first(x + i, n - i), &s), n - i);
        vstore_first(slope + i, s, n - i);
    }
}

// MARK: - Rows

// The lanes of the vector at column j of a row of n that hold visible keys: columns below n whose
// padding bias (if any) is 0 rather than −inf.
SIMD vi visible(const float *bias, int64_t j, int64_t n) {
    const vi lanes = vlanes(n - j);
    return bias ? lanes & (vload_first(bias + j, n - j) == 0.0f) : lanes;
}

// The largest of x[0, n) over the visible keys (−inf if none).
SIMD float row_max(const float *x, int64_t n, const float *bias) {
    vf top = -__builtin_inff();
    for (int64_t j = 0; j < n; j += LANES) {
        const vf v = vload_first(x + j, n - j);
        top = (visible(bias, j, n) & (v > top)) ? v : top;
    }
    return vmax(top);
}

// y[j] = e^{x[j] − m} over the visible keys, exactly 0 for hidden ones (when `store`), and their sum.
SIMD float row_exp(const float *x, float *y, int64_t n, const float *bias, float m, int store) {
    vf sum = 0;
    for (int64_t j = 0; j < n; j += LANES) {
        const vf e = visible(bias, j, n) ? vexp(vload_first(x + j, n - j) - m) : (vf)0.0f;
        sum += e;
        if (store) vstore_first(y + j, e, n - j);
    }
    return vsum(sum);
}

SIMD void row_scale(float *y, int64_t n, float scale) {
    for (int64_t j = 0; j < n; j += LANES) vstore_first(y + j, vload_first(y + j, n - j) * scale, n - j);
}

SIMD void zero_columns(float *y, int64_t from, int64_t width) {
    for (int64_t j = from; j < width; j += LANES) vstore_first(y + j, (vf)0.0f, width - j);
}

// Softmax over the first n columns of a row of `width`, the keys a padding bias of −inf hides
// left out (exactly 0); columns n..width are zeroed. Returns log Σ exp, or +inf when the row sees
// no key (it is then all zero). y may equal x.
static float softmax_row(const float *x, float *y, int64_t n, int64_t width, const float *bias) {
    const float m = row_max(x, n, bias);
    if (m == -INFINITY) {
        zero_columns(y, 0, width);
        return INFINITY;
    }
    const float total = row_exp(x, y, n, bias, m, 1);
    row_scale(y, n, 1.0f / total);
    zero_columns(y, n, width);
    return m + logf(total);
}

// y = x − log Σ e^x over a row of n (y may equal x).
static void log_softmax_row(const float *x, float *y, int64_t n) {
    const float m = row_max(x, n, NULL);
    const float shift = m + logf(row_exp(x, NULL, n, NULL, m, 0));
    for (int64_t j = 0; j < n; j += LANES) vstore_first(y + j, vload_first(x + j, n - j) - shift, n - j);
}

// The probabilities softmax_row made, again, in place, from the scores and its log Σ exp.
static void probabilities_row(float *s, int64_t n, int64_t width, const float *bias, float logsumexp) {
    if (logsumexp == INFINITY) n = 0;
    for (int64_t j = 0; j < n; j += LANES) {
        const vf p = vexp(vload_first(s + j, n - j) - logsumexp);
        vstore_first(s + j, visible(bias, j, n) ? p : (vf)0.0f, n - j);
    }
    zero_columns(s, n, width);
}

// dS = P ⊙ (dP − Σⱼ P·dP), in place of dP.
static void score_gradient_row(const float *p, float *dp, int64_t n) {
    vf sum = 0;
    for (int64_t j = 0; j < n; j += LANES) sum = vfma(vload_first(p + j, n - j), vload_first(dp + j, n - j), sum);
    const float d = vsum(sum);
    for (int64_t j = 0; j < n; j += LANES)
        vstore_first(dp + j, vload_first(p + j, n - j) * (vload_first(dp + j, n - j) - d), n - j);
}

// dst[c·ld_dst + r] = src[r·ld_src + c] for r < rows, c < cols, a register tile at a time.
static void transpose_block(int64_t rows, int64_t cols, const float *src, int64_t ld_src, float *dst, int64_t ld_dst) {
    for (int64_t r0 = 0; r0 < rows; r0 += LANES)
        for (int64_t c0 = 0; c0 < cols; c0 += LANES)
            vtranspose_tile(src + r0 * ld_src + c0, ld_src, rows - r0 < LANES ? rows - r0 : LANES,
                            cols - c0 < LANES ? cols - c0 : LANES, 1.0f, dst + c0 * ld_dst + r0, ld_dst, 0);
}

const myelin_vector_kernels MYELIN_VECTOR_KERNELS = {
    .exp = exp_array,
    .log = log_array,
    .tanh = tanh_array,
    .sigmoid = sigmoid_array,
    .erf = erf_array,
    .gelu = gelu_array,
    .gelu_with_slope = gelu_with_slope_array,
    .softmax_row = softmax_row,
    .log_softmax_row = log_softmax_row,
    .probabilities_row = probabilities_row,
    .score_gradient_row = score_gradient_row,
    .transpose = transpose_block,
};
