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

// A row of `width` floats in memory whose first n are visible keys (n ≤ width): its vectors are
// loaded and stored whole wherever the row holds them, the lanes at or past n selected away. Only
// a vector running past `width` is masked: on AVX2 a masked store costs many times a plain one,
// and a causal attention row ends mid-vector on nearly every row.
SIMD vf row_load(const float *x, int64_t j, int64_t width) {
    return j + LANES <= width ? vload(x + j) : vload_first(x + j, width - j);
}

SIMD void row_store(float *y, int64_t j, int64_t width, vf v) {
    if (j + LANES <= width) vstore(y + j, v);
    else vstore_first(y + j, v, width - j);
}

// The lanes of the vector at column j that hold visible keys: columns below n whose padding bias
// (if any, `width` of them) is 0 rather than −inf.
SIMD vi visible(const float *bias, int64_t j, int64_t n, int64_t width) {
    const vi lanes = vlanes(n - j);
    return bias ? lanes & (row_load(bias, j, width) == 0.0f) : lanes;
}

// The largest of x[0, n) over the visible keys (−inf if none).
SIMD float row_max(const float *x, int64_t n, int64_t width, const float *bias) {
    vf top = -__builtin_inff();
    for (int64_t j = 0; j < n; j += LANES) {
        const vf v = row_load(x, j, width);
        top = (visible(bias, j, n, width) & (v > top)) ? v : top;
    }
    return vmax(top);
}

// e^{x[j] − m} over the visible keys and their sum; with `store`, written to y with exactly 0 for
// the hidden ones, through the end of the last vector that holds a visible column.
SIMD float row_exp(const float *x, float *y, int64_t n, int64_t width, const float *bias, float m, int store) {
    vf sum = 0;
    for (int64_t j = 0; j < n; j += LANES) {
        const vf e = visible(bias, j, n, width) ? vexp(row_load(x, j, width) - m) : (vf)0.0f;
        sum += e;
        if (store) row_store(y, j, width, e);
    }
    return vsum(sum);
}

SIMD void row_scale(float *y, int64_t n, int64_t width, float scale) {
    for (int64_t j = 0; j < n; j += LANES) row_store(y, j, width, row_load(y, j, width) * scale);
}

// Zeros columns [from, width) of a row where columns below `from` were already written whole
// vectors at a time: the zeros start at the next vector.
SIMD void zero_after(float *y, int64_t from, int64_t width) {
    for (int64_t j = (from + LANES - 1) / LANES * LANES; j < width; j += LANES) row_store(y, j, width, (vf)0.0f);
}

// Softmax over the first n columns of a row of `width`, the keys a padding bias of −inf hides
// left out (exactly 0); columns n..width are zeroed. Returns log Σ exp, or +inf when the row sees
// no key (it is then all zero). y may equal x.
static float softmax_row(const float *x, float *y, int64_t n, int64_t width, const float *bias) {
    const float m = row_max(x, n, width, bias);
    if (m == -INFINITY) {
        zero_after(y, 0, width);
        return INFINITY;
    }
    const float total = row_exp(x, y, n, width, bias, m, 1);
    row_scale(y, n, width, 1.0f / total);
    zero_after(y, n, width);
    return m + logf(total);
}

// y = x − log Σ e^x over a row of n (y may equal x).
static void log_softmax_row(const float *x, float *y, int64_t n) {
    const float m = row_max(x, n, n, NULL);
    const float shift = m + logf(row_exp(x, NULL, n, n, NULL, m, 0));
    for (int64_t j = 0; j < n; j += LANES) row_store(y, j, n, row_load(x, j, n) - shift);
}

// The probabilities softmax_row made, again, in place, from the scores and its log Σ exp.
static void probabilities_row(float *s, int64_t n, int64_t width, const float *bias, float logsumexp) {
    if (logsumexp == INFINITY) n = 0;
    for (int64_t j = 0; j < n; j += LANES) {
        const vf p = vexp(row_load(s, j, width) - logsumexp);
        row_store(s, j, width, visible(bias, j, n, width) ? p : (vf)0.0f);
    }
    zero_after(s, n, width);
}

// dS = P ⊙ (dP − Σⱼ P·dP) over the first n columns, in place of dP, and 0 in the rest of the row
// of `width` (dP may hold anything there: a causal product skips the tiles no query sees).
static void score_gradient_row(const float *p, float *dp, int64_t n, int64_t width) {
    vf sum = 0;
    for (int64_t j = 0; j < n; j += LANES)
        sum = vlanes(n - j) ? vfma(row_load(p, j, width), row_load(dp, j, width), sum) : sum;
    const float d = vsum(sum);
    for (int64_t j = 0; j < n; j += LANES) {
        const vf ds = row_load(p, j, width) * (row_load(dp, j, width) - d);
        row_store(dp, j, width, vlanes(n - j) ? ds : (vf)0.0f);
    }
    zero_after(dp, n, width);
}

// dst[c·ld_dst + r] = src[r·ld_src + c] for r < rows, c < cols, a register tile at a time.
static void transpose_block(int64_t rows, int64_t cols, const float *src, int64_t ld_src, float *dst, int64_t ld_dst) {
    for (int64_t r0 = 0; r0 < rows; r0 += LANES)
        for (int64_t c0 = 0; c0 < cols; c0 += LANES)
            vtranspose_tile(src + r0 * ld_src + c0, ld_src, rows - r0 < LANES ? rows - r0 : LANES,
                            cols - c0 < LANES ? cols - c0 : LANES, 1.0f, dst + c0 * ld_dst + r0, ld_dst, 0, NULL, NULL, 0);
}

// The rows × cols block at src LANES × LANES at a time, each block transposed in registers (t[j]:
// column c0 + j, rows r0 … r0 + h), then, for SUM, t[j] added into the first h floats of row
// groups[c0 + j] of dst, each sum taking its columns in order (row blocks outside: LANES rows of src
// read along their columns); otherwise stored as row c0 + j of dst (column blocks outside: each row
// of dst, a line or two, written whole at once), past the caches where it is aligned.
SIMD void transposed_blocks(const int SUM, int64_t rows, int64_t cols, const float *src, int64_t ld_src, float *dst,
                            int64_t ld_dst, const int64_t *groups) {
    const int64_t outer = SUM ? rows : cols, inner = SUM ? cols : rows;
    for (int64_t i = 0; i < outer; i += LANES) {
        for (int64_t k = 0; k < inner; k += LANES) {
            const int64_t r0 = SUM ? i : k, c0 = SUM ? k : i;
            const int64_t h = rows - r0 < LANES ? rows - r0 : LANES, w = cols - c0 < LANES ? cols - c0 : LANES;
            vf t[LANES];
            vload_tile(t, src + r0 * ld_src + c0, ld_src, h, w);
            vtranspose(t);
            for (int64_t j = 0; j < w; j++) {
                float *d = dst + (SUM ? groups[c0 + j] : c0 + j) * ld_dst + r0;
                if (SUM) t[j] += h == LANES ? vload(d) : vload_first(d, h);
                if (!SUM && h == LANES && (uintptr_t)d % sizeof(vf) == 0) __builtin_nontemporal_store(t[j], (vf *)d);
                else if (h == LANES) vstore(d, t[j]);
                else vstore_first(d, t[j], h);
            }
        }
    }
}

// transpose_block for a few rows into memory no one reads soon (a recurrence step's gradient rows,
// stored gate-major for the weight gradient after the pass), none of its lines fetched before it
// is written. Ordered before the stores that follow.
static void transpose_streaming(int64_t rows, int64_t cols, const float *src, int64_t ld_src, float *dst,
                                int64_t ld_dst) {
    transposed_blocks(0, rows, cols, src, ld_src, dst, ld_dst, NULL);
    __atomic_thread_fence(__ATOMIC_SEQ_CST); // streaming stores are not ordered by a release
}

// sums[groups[k]·ld_sums + r] += src[r·ld_src + k] for r < rows, k < count, each sum taking its k in
// order: the columns of a gate-major gradient (a row per gate, a column per token) summed into a
// table's rows by token, a column's LANES rows one vector.
static void scatter_add_columns(int64_t rows, int64_t count, const float *src, int64_t ld_src, const int64_t *groups,
                                float *sums, int64_t ld_sums) {
    transposed_blocks(1, rows, count, src, ld_src, sums, ld_sums, groups);
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
    .transpose_streaming = transpose_streaming,
    .scatter_add_columns = scatter_add_columns,
};
