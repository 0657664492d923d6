// 2-D convolution as GEMM: each image is lowered to a column matrix (im2col) whose rows are the
// (channel, kernel row, kernel column) taps and whose columns are the output pixels, so that
//
//   forward:          Y[n]  (Cout × P)  = W (Cout × K) · col(X[n]) (K × P)        + bias
//   input gradient:   dX[n]             = col2im(Wᵀ (K × Cout) · dY[n] (Cout × P))
//   weight gradient:  dW    (Cout × K)  = Σₙ dY[n] (Cout × P) · col(X[n])ᵀ (P × K)
//
// with K = Cin/groups · kh · kw and P = OH · OW, one GEMM per image and group. A column matrix is
// one image's worth (it stays in L2), rebuilt in the backward pass rather than stored. Images are
// split over the thread pool, each thread with its own column buffer; with fewer images than
// threads the GEMM itself is split instead.
#include <string.h>

#include "internal.h"

enum { SCRATCH_COLUMNS = 3, SCRATCH_PARTIALS = 4, SCRATCH_GRADIENT = 5 };

typedef struct {
    const myelin_conv2d_shape *s;
    int64_t taps;   // K: rows of a group's column matrix
    int64_t pixels; // P: output pixels of one image
    int direct;     // 1×1, stride 1, no padding, output as large as the input: the image is its own column matrix
} geometry;

static geometry make_geometry(const myelin_conv2d_shape *s) {
    geometry g = {.s = s};
    g.taps = s->in_channels / s->groups * s->kernel_height * s->kernel_width;
    g.pixels = s->out_height * s->out_width;
    // The sizes must be compared too: as the input gradient of a transposed convolution with output
    // padding, the "input" has rows and columns that no output pixel reads.
    g.direct = s->kernel_height == 1 && s->kernel_width == 1 && s->stride_height == 1 && s->stride_width == 1 &&
               s->padding_height == 0 && s->padding_width == 0 &&
               s->out_height == s->in_height && s->out_width == s->in_width;
    return g;
}

/// col[(c·kh + i)·kw + j][oh·OW + ow] = x[c][oh·sh − ph + i·dh][ow·sw − pw + j·dw], or 0 outside the
/// image, for `channels` channels of one image starting at x. Rows are short (a few dozen floats),
/// so plain loops, which the compiler vectorises, beat calls to memcpy and memset.
static void im2col(const myelin_conv2d_shape *s, const float *x, int64_t channels, float *col) {
    const int64_t H = s->in_height, W = s->in_width, OH = s->out_height, OW = s->out_width;
    const int64_t sh = s->stride_height, sw = s->stride_width;
    for (int64_t c = 0; c < channels; c++) {
        for (int64_t i = 0; i < s->kernel_height; i++) {
            for (int64_t j = 0; j < s->kernel_width; j++) {
                const int64_t first = j * s->dilation_width - s->padding_width;
                int64_t lo, hi;
                myelin_valid_columns(first, sw, W, OW, &lo, &hi);
                float *row = col + ((c * s->kernel_height + i) * s->kernel_width + j) * OH * OW;
                for (int64_t oh = 0; oh < OH; oh++) {
                    float *restrict dst = row + oh * OW;
                    const int64_t ih = oh * sh - s->padding_height + i * s->dilation_height;
                    if (ih < 0 || ih >= H) {
                        for (int64_t ow = 0; ow < OW; ow++) dst[ow] = 0;
                        continue;
                    }
                    const float *restrict src = x + (c * H + ih) * W; // column ow reads src[ow·sw + first]
                    for (int64_t ow = 0; ow < lo; ow++) dst[ow] = 0;
                    if (sw == 1) {
                        for (int64_t ow = lo; ow < hi; ow++) dst[ow] = src[ow + first];
                    } else {
                        for (int64_t ow = lo; ow < hi; ow++) dst[ow] = src[ow * sw + first];
                    }
                    for (int64_t ow = hi; ow < OW; ow++) dst[ow] = 0;
                }
            }
        }
    }
}

/// The adjoint of im2col: x[c][ih][iw] += col[tap][pixel] for every tap that reads (ih, iw).
static void col2im(const myelin_conv2d_shape *s, const float *col, int64_t channels, float *x) {
    const int64_t H = s->in_height, W = s->in_width, OH = s->out_height, OW = s->out_width;
    const int64_t sh = s->stride_height, sw = s->stride_width;
    for (int64_t c = 0; c < channels; c++) {
        for (int64_t i = 0; i < s->kernel_height; i++) {
            for (int64_t j = 0; j < s->kernel_width; j++) {
                const int64_t first = j * s->dilation_width - s->padding_width;
                int64_t lo, hi;
                myelin_valid_columns(first, sw, W, OW, &lo, &hi);
                const float *row = col + ((c * s->kernel_height + i) * s->kernel_width + j) * OH * OW;
                for (int64_t oh = 0; oh < OH; oh++) {
                    const int64_t ih = oh * sh - s->padding_height + i * s->dilation_height;
                    if (ih < 0 || ih >= H) continue;
                    const float *restrict src = row + oh * OW;
                    float *restrict dst = x + (c * H + ih) * W;
                    if (sw == 1) {
                        for (int64_t ow = lo; ow < hi; ow++) dst[ow + first] += src[ow];
                    } else {
                        for (int64_t ow = lo; ow < hi; ow++) dst[ow * sw + first] += src[ow];
                    }
                }
            }
        }
    }
}

/// The column matrix of group g of image n: the image itself when direct, else im2col into `buffer`.
static const float *columns(const geometry *g, const float *input, int64_t n, int64_t group, float *buffer) {
    const myelin_conv2d_shape *s = g->s;
    const int64_t channels = s->in_channels / s->groups;
    const float *x = input + (n * s->in_channels + group * channels) * s->in_height * s->in_width;
    if (g->direct) return x;
    im2col(s, x, channels, buffer);
    return buffer;
}

static float *column_buffer(const geometry *g) {
    return g->direct ? NULL : myelin_scratch(SCRATCH_COLUMNS, (size_t)(g->taps * g->pixels));
}

/// Runs task over [0, count) (images, or chunks of them): split over the pool when there are two
/// or more, else on this thread, where each GEMM then uses the pool.
static void split_over_pool(int64_t count, myelin_task task, void *context) {
    if (count >= 2 && myelin_thread_count() >= 2) {
        myelin_parallel_for(count, 1, task, context);
    } else {
        task(context, 0, count);
    }
}

// MARK: - Forward

typedef struct {
    geometry g;
    const float *input, *weight, *bias;
    float *output;
    myelin_activation activation;
} forward_job;

static void forward_images(void *context, int64_t begin, int64_t end) {
    const forward_job *job = context;
    const geometry *g = &job->g;
    const myelin_conv2d_shape *s = g->s;
    const int64_t out_per_group = s->out_channels / s->groups;
    float *buffer = column_buffer(g);
    for (int64_t n = begin; n < end; n++) {
        for (int64_t group = 0; group < s->groups; group++) {
            const float *col = columns(g, job->input, n, group, buffer);
            float *y = job->output + (n * s->out_channels + group * out_per_group) * g->pixels;
            // The GEMM's bias runs along columns; ours runs along rows, so it is laid down first.
            if (job->bias) {
                for (int64_t c = 0; c < out_per_group; c++) {
                    const float b = job->bias[group * out_per_group + c];
                    float *row = y + c * g->pixels;
                    for (int64_t p = 0; p < g->pixels; p++) row[p] = b;
                }
            }
            myelin_sgemm(out_per_group, g->pixels, g->taps, 1.0f,
                         job->weight + group * out_per_group * g->taps, g->taps, 1,
                         col, g->pixels, 1,
                         job->bias ? 1.0f : 0.0f, y, g->pixels, NULL, job->activation);
        }
    }
}

void myelin_conv2d_forward(const myelin_conv2d_shape *shape, const float *input, const float *weight,
                           const float *bias, float *output, myelin_activation activation) {
    forward_job job = {make_geometry(shape), input, weight, bias, output, activation};
    split_over_pool(shape->batch, forward_images, &job);
}

// MARK: - Backward

typedef struct {
    geometry g;
    const float *input, *weight, *grad_output, *relu_output;
    float *grad_input;
    float *partials;      // one weight-and-bias gradient per chunk; NULL when not wanted
    int64_t chunk_stride; // floats per chunk: Cout·K weights, then Cout biases
    int64_t chunks;
    int with_weight, with_bias;
} backward_job;

/// The gradient at the output of image n, masked by ReLU's derivative (into `buffer`) when the
/// forward pass applied one.
static const float *output_gradient(const backward_job *job, int64_t n, float *buffer) {
    const int64_t size = job->g.s->out_channels * job->g.pixels;
    const float *dy = job->grad_output + n * size;
    if (!job->relu_output) return dy;
    const float *restrict y = job->relu_output + n * size;
    float *restrict masked = buffer;
    for (int64_t e = 0; e < size; e++) masked[e] = y[e] > 0 ? dy[e] : 0;
    return masked;
}

/// Σ x[0..<n] in eight interleaved partial sums (vectorisable, and not one long chain of dependent
/// adds), always added in the same order.
static float row_sum(const float *x, int64_t n) {
    float partial[8] = {0};
    int64_t p = 0;
    for (; p + 8 <= n; p += 8)
        for (int q = 0; q < 8; q++) partial[q] += x[p + q];
    float sum = 0;
    for (int q = 0; q < 8; q++) sum += partial[q];
    for (; p < n; p++) sum += x[p];
    return sum;
}

static void backward_chunks(void *context, int64_t begin, int64_t end) {
    const backward_job *job = context;
    const geometry *g = &job->g;
    const myelin_conv2d_shape *s = g->s;
    const int64_t out_per_group = s->out_channels / s->groups, in_per_group = s->in_channels / s->groups;
    const int64_t image = s->in_channels * s->in_height * s->in_width, plane = s->in_height * s->in_width;
    float *buffer = column_buffer(g);
    float *masked = job->relu_output ? myelin_scratch(SCRATCH_GRADIENT, (size_t)(s->out_channels * g->pixels)) : NULL;
    for (int64_t chunk = begin; chunk < end; chunk++) {
        float *dw = job->partials ? job->partials + chunk * job->chunk_stride : NULL;
        float *db = dw ? dw + s->out_channels * g->taps : NULL;
        const int64_t first = s->batch * chunk / job->chunks, last = s->batch * (chunk + 1) / job->chunks;
        for (int64_t n = first; n < last; n++) {
            const float *dy_image = output_gradient(job, n, masked);
            float *dx = job->grad_input ? job->grad_input + n * image : NULL;
            if (dx && !g->direct) memset(dx, 0, (size_t)image * sizeof(float));
            for (int64_t group = 0; group < s->groups; group++) {
                const float *dy = dy_image + group * out_per_group * g->pixels;
                const float *w = job->weight ? job->weight + group * out_per_group * g->taps : NULL;
                if (job->with_weight) {
                    // dW_group (+)= dY_group · colᵀ, colᵀ read through its strides.
                    const float *col = columns(g, job->input, n, group, buffer);
                    myelin_sgemm(out_per_group, g->taps, g->pixels, 1.0f, dy, g->pixels, 1, col, 1, g->pixels,
                                 n == first ? 0.0f : 1.0f, dw + group * out_per_group * g->taps, g->taps, NULL,
                                 MYELIN_ACTIVATION_NONE);
                }
                if (dx) {
                    // dcol = W_groupᵀ · dY_group (into dX itself when the image is its own columns), folded back.
                    float *dcol = g->direct ? dx + group * in_per_group * plane : buffer;
                    myelin_sgemm(g->taps, g->pixels, out_per_group, 1.0f, w, 1, g->taps, dy, g->pixels, 1,
                                 0.0f, dcol, g->pixels, NULL, MYELIN_ACTIVATION_NONE);
                    if (!g->direct) col2im(s, dcol, in_per_group, dx + group * in_per_group * plane);
                }
            }
            if (job->with_bias) {
                for (int64_t c = 0; c < s->out_channels; c++) {
                    const float sum = row_sum(dy_image + c * g->pixels, g->pixels);
                    db[c] = n == first ? sum : db[c] + sum;
                }
            }
        }
    }
}

typedef struct {
    const float *partials;
    int64_t chunk_stride, chunks;
    float *grad_weight, *grad_bias;
    int64_t weights, from;
} reduce_job;

/// Sums the chunks' partial gradients in chunk order: elements from + [begin, end) of weights-then-biases.
static void reduce_chunks(void *context, int64_t begin, int64_t end) {
    const reduce_job *job = context;
    for (int64_t e = job->from + begin; e < job->from + end; e++) {
        float sum = job->partials[e];
        for (int64_t c = 1; c < job->chunks; c++) sum += job->partials[c * job->chunk_stride + e];
        if (e < job->weights) job->grad_weight[e] = sum;
        else job->grad_bias[e - job->weights] = sum;
    }
}

void myelin_conv2d_backward(const myelin_conv2d_shape *shape, const float *input, const float *weight,
                            const float *grad_output, const float *relu_output,
                            float *grad_input, float *grad_weight, float *grad_bias) {
    const geometry g = make_geometry(shape);
    const int64_t weights = shape->out_channels * g.taps;
    const int64_t chunk_stride = weights + shape->out_channels;
    const int wants_weight = grad_weight != NULL || grad_bias != NULL;
    // Up to 8 chunks of images, fewer when the partial sums would pass 16 MB. The count depends on
    // the shape alone, never on the thread count, so every thread count adds the same numbers in the
    // same order.
    int64_t chunks = shape->batch < 8 ? shape->batch : 8;
    while (wants_weight && chunks > 1 && chunks * chunk_stride > (4 << 20)) chunks--;
    if (chunks < 1) {
        if (grad_weight) memset(grad_weight, 0, (size_t)weights * sizeof(float));
        if (grad_bias) memset(grad_bias, 0, (size_t)shape->out_channels * sizeof(float));
        return;
    }
    float *partials = wants_weight ? myelin_scratch(SCRATCH_PARTIALS, (size_t)(chunks * chunk_stride)) : NULL;
    backward_job job = {g, input, weight, grad_output, relu_output, grad_input, partials, chunk_stride, chunks,
                        grad_weight != NULL, grad_bias != NULL};
    split_over_pool(chunks, backward_chunks, &job);
    if (!wants_weight) return;
    const int64_t from = grad_weight ? 0 : weights, to = grad_bias ? chunk_stride : weights;
    reduce_job reduce = {partials, chunk_stride, chunks, grad_weight, grad_bias, weights, from};
    myelin_parallel_for(to - from, 4096, reduce_chunks, &reduce);
}
