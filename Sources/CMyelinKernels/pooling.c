// Max pooling: the forward pass records where each maximum came from, so the backward pass is a
// scatter. Planes (one image channel each) are split over the thread pool.
#include <string.h>

#include "internal.h"

typedef struct {
    const myelin_pool2d_shape *s;
    const float *input;
    float *output;
    int32_t *argmax;
} forward_job;

/// The first NaN of the window rows [r0, r1) × columns [c0, c1), which wins, as in PyTorch.
static int64_t first_nan(const float *x, int64_t W, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
    for (int64_t r = r0; r < r1; r++)
        for (int64_t c = c0; c < c1; c++)
            if (x[r * W + c] != x[r * W + c]) return r * W + c;
    return r0 * W + c0;
}

// Which input of a window wins is data, so the maximum is taken with selects, not branches (a
// mispredicted branch costs more than the whole window). NaN is only noted on the way and handled
// after the window: folding it into the select makes the compiler branch again, 4× slower.

/// The maximum of window rows [r0, r1) × columns [c0, c1) (not empty) and, in *where, its index:
/// the first largest in row-major order, or the first NaN, which wins, as in PyTorch.
MYELIN_INLINE float window_max(const float *x, int64_t W, int64_t r0, int64_t r1, int64_t c0, int64_t c1,
                               int64_t *where) {
    int64_t best_at = r0 * W + c0;
    float best = x[best_at];
    int nan = best != best;
    for (int64_t r = r0; r < r1; r++) {
        for (int64_t c = c0; c < c1; c++) {
            const float v = x[r * W + c];
            const int take = v > best;
            best = take ? v : best;
            best_at = take ? r * W + c : best_at;
            nan |= v != v;
        }
    }
    if (__builtin_expect(nan, 0)) best_at = first_nan(x, W, r0, r1, c0, c1);
    *where = best_at;
    return x[best_at];
}

enum { ROW_CHUNK = 64 };

/// Every tap of n outputs' windows but the first (already in best), in window_max's order.
MYELIN_INLINE void scan_taps(const float *x, int64_t W, int64_t r0, int64_t r1, int64_t first, int64_t stride,
                             int64_t width, int64_t from, int64_t n, float *restrict best, int32_t *restrict best_at,
                             int *restrict nan) {
    for (int64_t r = r0; r < r1; r++) {
        for (int64_t c = r == r0 ? 1 : 0; c < width; c++) {
            const float *restrict tap = x + r * W + from * stride + first + c;
            const int32_t offset = (int32_t)(r * W + from * stride + first + c);
            for (int64_t j = 0; j < n; j++) {
                const float v = tap[j * stride];
                const int take = v > best[j];
                best[j] = take ? v : best[j];
                best_at[j] = take ? offset + (int32_t)(j * stride) : best_at[j];
                nan[j] |= v != v;
            }
        }
    }
}

/// Outputs [lo, hi) of one output row, whose windows lie inside the input's columns: window_max's
/// scan, tap by tap across up to ROW_CHUNK outputs at once, so that the compiler vectorises it
/// (stride 2 becomes shuffles of consecutive loads).
MYELIN_INLINE void interior_max(const float *x, int64_t W, int64_t r0, int64_t r1, int64_t first, int64_t stride,
                                int64_t width, int64_t lo, int64_t hi, float *y, int32_t *at) {
    for (int64_t from = lo; from < hi; from += ROW_CHUNK) {
        const int64_t n = hi - from < ROW_CHUNK ? hi - from : ROW_CHUNK;
        float best[ROW_CHUNK];
        int32_t best_at[ROW_CHUNK];
        int nan[ROW_CHUNK];
        for (int64_t j = 0; j < n; j++) {
            const int64_t index = r0 * W + (from + j) * stride + first;
            best[j] = x[index];
            best_at[j] = (int32_t)index;
            nan[j] = best[j] != best[j];
        }
        // A constant stride lets the compiler load consecutive vectors and shuffle, not gather.
        if (stride == 2) scan_taps(x, W, r0, r1, first, 2, width, from, n, best, best_at, nan);
        else if (stride == 1) scan_taps(x, W, r0, r1, first, 1, width, from, n, best, best_at, nan);
        else scan_taps(x, W, r0, r1, first, stride, width, from, n, best, best_at, nan);
        int any_nan = 0;
        for (int64_t j = 0; j < n; j++) any_nan |= nan[j];
        if (__builtin_expect(any_nan, 0)) {
            for (int64_t j = 0; j < n; j++) {
                if (!nan[j]) continue;
                const int64_t c0 = (from + j) * stride + first;
                best_at[j] = (int32_t)first_nan(x, W, r0, r1, c0, c0 + width);
                best[j] = x[best_at[j]];
            }
        }
        for (int64_t j = 0; j < n; j++) {
            y[from + j] = best[j];
            at[from + j] = best_at[j];
        }
    }
}

/// Output j of a row of 2×2 windows of stride 2 whose rows start at top and bottom (origin: top's
/// index in the plane): window_max's rule, NaN included, as one select per tap.
MYELIN_INLINE void max_2x2(const float *top, const float *bottom, int32_t origin, int32_t w, int64_t j,
                           float *restrict y, int32_t *restrict at) {
    const float taps[4] = {top[2 * j], top[2 * j + 1], bottom[2 * j], bottom[2 * j + 1]};
    const int32_t offsets[4] = {0, 1, w, w + 1};
    float best = taps[0];
    int32_t where = 0;
    for (int t = 1; t < 4; t++) {
        // Larger, or the first NaN: once best is NaN nothing replaces it.
        const int take = taps[t] > best || (taps[t] != taps[t] && best == best);
        best = take ? taps[t] : best;
        where = take ? offsets[t] : where;
    }
    y[j] = best;
    at[j] = origin + 2 * (int32_t)j + where;
}

/// Outputs [lo, hi) of one output row of 2×2 windows of stride 2 (the pooling after most
/// convolutions), both window rows inside the image, four at a time: the compiler makes each step
/// one vector operation per tap on every path. Four, not the path's full width: rows are short, and
/// what is left over runs as scalar code with branches (12 outputs, MNIST's ConvNet, leave none).
/// The general scan above ran those rows 3–5× slower (and rows of 7, 14, 56 or 112 outputs 1.6–4×).
MYELIN_INLINE void interior_max_2x2(const float *x, int64_t W, int64_t r0, int64_t first, int64_t lo, int64_t hi,
                                    float *restrict y, int32_t *restrict at) {
    const float *restrict top = x + r0 * W + first, *restrict bottom = top + W;
    const int32_t origin = (int32_t)(r0 * W + first), w = (int32_t)W;
    _Pragma("clang loop vectorize_width(4) interleave_count(1)")
    for (int64_t j = lo; j < hi; j++) max_2x2(top, bottom, origin, w, j, y, at);
}

MYELIN_INLINE void max_pool_plane_range(const forward_job *job, int64_t begin, int64_t end) {
    const myelin_pool2d_shape *s = job->s;
    const int64_t H = s->in_height, W = s->in_width, OH = s->out_height, OW = s->out_width;
    const int64_t sw = s->stride_width, first = -s->padding_width, kw = s->kernel_width;
    // Outputs [lo, hi) have their whole window inside the row.
    int64_t lo = (s->padding_width + sw - 1) / sw, hi = W - kw + s->padding_width >= 0 ? (W - kw + s->padding_width) / sw + 1 : 0;
    if (hi > OW) hi = OW;
    if (lo > hi) hi = lo;
    const int two_by_two = s->kernel_height == 2 && kw == 2 && s->stride_height == 2 && sw == 2;
    for (int64_t plane = begin; plane < end; plane++) {
        const float *x = job->input + plane * H * W;
        float *y = job->output + plane * OH * OW;
        int32_t *at = job->argmax + plane * OH * OW;
        for (int64_t oh = 0; oh < OH; oh++) {
            int64_t r0 = oh * s->stride_height - s->padding_height, r1 = r0 + s->kernel_height;
            if (r0 < 0) r0 = 0;
            if (r1 > H) r1 = H;
            for (int64_t ow = 0; ow < OW; ow++) {
                if (ow == lo && hi > lo) {
                    if (two_by_two && r1 - r0 == 2) interior_max_2x2(x, W, r0, first, lo, hi, y + oh * OW, at + oh * OW);
                    else interior_max(x, W, r0, r1, first, sw, kw, lo, hi, y + oh * OW, at + oh * OW);
                    ow = hi - 1;
                    continue;
                }
                int64_t c0 = ow * sw + first, c1 = c0 + kw, where;
                if (c0 < 0) c0 = 0;
                if (c1 > W) c1 = W;
                y[oh * OW + ow] = window_max(x, W, r0, r1, c0, c1, &where);
                at[oh * OW + ow] = (int32_t)where;
            }
        }
    }
}

#define MAX_POOL_KERNELS(suffix, target)                                                 \
    target static void max_pool_planes_##suffix(void *job, int64_t begin, int64_t end) { \
        max_pool_plane_range(job, begin, end);                                           \
    }
MYELIN_FOR_EACH_PATH(MAX_POOL_KERNELS)

void myelin_max_pool2d_forward(const myelin_pool2d_shape *shape, const float *input, float *output, int32_t *argmax) {
    forward_job job = {shape, input, output, argmax};
    const int64_t plane = shape->in_height * shape->in_width;
    myelin_parallel_for(shape->planes, plane >= 16384 ? 1 : 16384 / plane, MYELIN_BY_PATH(max_pool_planes), &job);
}

typedef struct {
    const myelin_pool2d_shape *s;
    const float *grad_output;
    const int32_t *argmax;
    float *grad_input;
} backward_job;

static void max_pool_backward_planes(void *context, int64_t begin, int64_t end) {
    const backward_job *job = context;
    const int64_t in_plane = job->s->in_height * job->s->in_width, out_plane = job->s->out_height * job->s->out_width;
    for (int64_t plane = begin; plane < end; plane++) {
        float *dx = job->grad_input + plane * in_plane;
        const float *dy = job->grad_output + plane * out_plane;
        const int32_t *at = job->argmax + plane * out_plane;
        memset(dx, 0, (size_t)in_plane * sizeof(float));
        for (int64_t o = 0; o < out_plane; o++) dx[at[o]] += dy[o];
    }
}

void myelin_max_pool2d_backward(const myelin_pool2d_shape *shape, const float *grad_output, const int32_t *argmax,
                                float *grad_input) {
    backward_job job = {shape, grad_output, argmax, grad_input};
    const int64_t plane = shape->in_height * shape->in_width;
    myelin_parallel_for(shape->planes, plane >= 16384 ? 1 : 16384 / plane, max_pool_backward_planes, &job);
}
