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
// after the window: folding it into the select makes the compiler branch again, 4× slower. The 2×2
// windows of a stride-2 pooling, the common case, are written out.
static void max_pool_planes(void *context, int64_t begin, int64_t end) {
    const forward_job *job = context;
    const myelin_pool2d_shape *s = job->s;
    const int64_t H = s->in_height, W = s->in_width, OH = s->out_height, OW = s->out_width;
    for (int64_t plane = begin; plane < end; plane++) {
        const float *x = job->input + plane * H * W;
        float *y = job->output + plane * OH * OW;
        int32_t *at = job->argmax + plane * OH * OW;
        for (int64_t oh = 0; oh < OH; oh++) {
            int64_t r0 = oh * s->stride_height - s->padding_height, r1 = r0 + s->kernel_height;
            if (r0 < 0) r0 = 0;
            if (r1 > H) r1 = H;
            for (int64_t ow = 0; ow < OW; ow++) {
                int64_t c0 = ow * s->stride_width - s->padding_width, c1 = c0 + s->kernel_width;
                if (c0 < 0) c0 = 0;
                if (c1 > W) c1 = W;
                int64_t best_at = r0 * W + c0;
                float best = x[best_at];
                int nan = best != best;
                if (r1 - r0 == 2 && c1 - c0 == 2) {
                    const int64_t k[3] = {best_at + 1, best_at + W, best_at + W + 1};
                    for (int q = 0; q < 3; q++) {
                        const float v = x[k[q]];
                        const int take = v > best;
                        best = take ? v : best;
                        best_at = take ? k[q] : best_at;
                        nan |= v != v;
                    }
                } else {
                    for (int64_t r = r0; r < r1; r++) {
                        for (int64_t c = c0; c < c1; c++) {
                            const float v = x[r * W + c];
                            const int take = v > best;
                            best = take ? v : best;
                            best_at = take ? r * W + c : best_at;
                            nan |= v != v;
                        }
                    }
                }
                if (__builtin_expect(nan, 0)) {
                    best_at = first_nan(x, W, r0, r1, c0, c1);
                    best = x[best_at];
                }
                y[oh * OW + ow] = best;
                at[oh * OW + ow] = (int32_t)best_at;
            }
        }
    }
}

void myelin_max_pool2d_forward(const myelin_pool2d_shape *shape, const float *input, float *output, int32_t *argmax) {
    forward_job job = {shape, input, output, argmax};
    const int64_t plane = shape->in_height * shape->in_width;
    myelin_parallel_for(shape->planes, plane >= 16384 ? 1 : 16384 / plane, max_pool_planes, &job);
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
