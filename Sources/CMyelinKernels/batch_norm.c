// Batch normalisation's per-channel passes over a dense [N][C][S] tensor (S = the product of the
// dimensions after the channel, 1 for an [N, C] matrix): channel c owns N runs of S contiguous
// floats, or, when S = 1, one column of the matrix.
//
// The passes are memory-bound: a layer's activations are megabytes, and each pass reads them from
// memory again. So where the channels have runs (S > 1), training's forward and the backward take
// each channel through all of its passes (statistics, then output) while it sits in the core's L2
// (a channel of ResNet-mini's [64, 16, 28, 28] activations is 200 KB), reading the tensor from memory once;
// synchronised batch norm, whose statistics must cross processes between the passes, takes them one
// at a time (myelin_channel_sums, _gradient_sums, _affine), as does an [N, C] matrix.
//
// Sums run in 16 float lanes over chunks of at most CHUNK floats of a run, and the chunks are
// added in double, so a long channel loses no precision. Each channel is summed by one thread, in
// order: the same bits on any thread count, fused or pass by pass. A fused ReLU's output, where
// given, masks the gradient (g' = g where the output is positive, else 0) inside the same pass.
#include <math.h>
#include <stdlib.h>

#include "internal.h"

enum {
    LANES = 16,
    CHUNK = 2048,
    // Elements per thread slice below which splitting costs more than it saves.
    GRAIN = 1 << 15,
};

typedef struct {
    int64_t n, channels, s;
    const float *x, *mean;
    const float *g, *relu_output; // the gradient and the fused ReLU's output masking it, or NULL
    const float *a, *b, *d;       // the element-wise pass's coefficients
    int relu;
    double *first, *second;       // per-channel sums
    float *out;
    // Whole channels (myelin_batch_norm_training and _backward):
    const float *weight, *bias;       // γ and β, or NULL (1 and 0)
    float epsilon;
    float *mean_out, *invstd_out;     // training's forward: the statistics it found
    const float *invstd;              // backward: σ⁻¹, with b = γσ⁻¹ per channel
    int training;                     // backward: whether the statistics depend on x
    const double *batch_g, *batch_gd; // backward: the whole batch's Σg' and Σg'·(x − μ), or NULL: this one's
    double count;                     // elements per channel in the batch the statistics are of
} channel_job;

// MARK: - One run

/// g masked by a fused ReLU's output m (NULL: no mask), g read first so that the select vectorises
/// (see myelin_relu_mask).
MYELIN_INLINE float masked(const float *restrict g, const float *restrict m, int64_t j) {
    const float v = g[j];
    return m == NULL || m[j] > 0 ? v : 0.0f;
}

/// (Σg', Σg'·(x − mean)) of one run.
MYELIN_INLINE void run_gradient_sums(const float *restrict g, const float *restrict m, const float *restrict x,
                                     int64_t length, float mean, float *sum_g, float *sum_gd) {
    float lane_g[LANES] = {0}, lane_gd[LANES] = {0};
    int64_t j = 0;
    if (m) {
        for (; j + LANES <= length; j += LANES)
            for (int l = 0; l < LANES; l++) {
                const float gv = masked(g, m, j + l);
                lane_g[l] += gv;
                lane_gd[l] += gv * (x[j + l] - mean);
            }
    } else {
        for (; j + LANES <= length; j += LANES)
            for (int l = 0; l < LANES; l++) {
                lane_g[l] += g[j + l];
                lane_gd[l] += g[j + l] * (x[j + l] - mean);
            }
    }
    float total_g = 0, total_gd = 0;
    for (int l = 0; l < LANES; l++) {
        total_g += lane_g[l];
        total_gd += lane_gd[l];
    }
    for (; j < length; j++) {
        const float gv = masked(g, m, j);
        total_g += gv;
        total_gd += gv * (x[j] - mean);
    }
    *sum_g = total_g;
    *sum_gd = total_gd;
}

/// out = a·(x − mean) + d (+ b·g' with g), then ReLU: one run with its channel's coefficients.
MYELIN_INLINE void run_affine(const float *restrict x, const float *restrict g, const float *restrict m,
                              float *restrict out, int64_t length, float mean, float a, float b, float d, int relu) {
    if (g) {
        if (m) for (int64_t j = 0; j < length; j++) out[j] = a * (x[j] - mean) + b * masked(g, m, j) + d;
        else for (int64_t j = 0; j < length; j++) out[j] = a * (x[j] - mean) + b * g[j] + d;
        if (relu) for (int64_t j = 0; j < length; j++) out[j] = out[j] < 0 ? 0.0f : out[j];
    } else if (relu) { // a NaN compares false and stays, as in PyTorch's relu
        for (int64_t j = 0; j < length; j++) {
            const float y = a * (x[j] - mean) + d;
            out[j] = y < 0 ? 0.0f : y;
        }
    } else {
        for (int64_t j = 0; j < length; j++) out[j] = a * (x[j] - mean) + d;
    }
}

// MARK: - Slices

/// Σx over channel c's runs (S > 1), or Σ(x − mean)² with a mean.
MYELIN_INLINE double channel_sum(const channel_job *job, int64_t c, const float *mean) {
    const int64_t C = job->channels, s = job->s;
    double total = 0;
    for (int64_t i = 0; i < job->n; i++) {
        const float *run = job->x + (i * C + c) * s;
        for (int64_t j = 0; j < s; j += CHUNK) {
            const int64_t length = s - j < CHUNK ? s - j : CHUNK;
            total += mean ? myelin_row_squared_deviations(run + j, length, *mean)
                          : myelin_row_sum(run + j, length);
        }
    }
    return total;
}

/// Σg' and Σg'·(x − μ) over channel c's runs (S > 1).
MYELIN_INLINE void channel_gradient_sums(const channel_job *job, int64_t c, double *sum_g, double *sum_gd) {
    const int64_t C = job->channels, s = job->s;
    const float *m = job->relu_output;
    double total_g = 0, total_gd = 0;
    for (int64_t i = 0; i < job->n; i++) {
        const int64_t base = (i * C + c) * s;
        for (int64_t j = 0; j < s; j += CHUNK) {
            const int64_t length = s - j < CHUNK ? s - j : CHUNK;
            float run_g, run_gd;
            run_gradient_sums(job->g + base + j, m ? m + base + j : NULL, job->x + base + j, length, job->mean[c],
                              &run_g, &run_gd);
            total_g += run_g;
            total_gd += run_gd;
        }
    }
    *sum_g = total_g;
    *sum_gd = total_gd;
}

/// out = a·(x − μ) + d (+ b·g') over channel c's runs (S > 1), then the activation.
MYELIN_INLINE void channel_affine(const channel_job *job, int64_t c, float mean, float a, float b, float d) {
    const int64_t C = job->channels, s = job->s;
    const float *g = job->g, *m = job->relu_output;
    for (int64_t i = 0; i < job->n; i++) {
        const int64_t o = (i * C + c) * s;
        run_affine(job->x + o, g ? g + o : NULL, m ? m + o : NULL, job->out + o, s, mean, a, b, d, job->relu);
    }
}

/// Channels [c0, c1): Σx, or Σ(x − mean)² when the job has a mean, into job->first.
MYELIN_INLINE void sums_slice(const channel_job *job, int64_t c0, int64_t c1) {
    const int64_t n = job->n, C = job->channels, s = job->s;
    if (s == 1) {
        for (int64_t c = c0; c < c1; c++) job->first[c] = 0;
        for (int64_t i = 0; i < n; i++) {
            const float *restrict row = job->x + i * C;
            for (int64_t c = c0; c < c1; c++) {
                const float e = job->mean ? row[c] - job->mean[c] : row[c];
                job->first[c] += job->mean ? (double)(e * e) : (double)e;
            }
        }
        return;
    }
    for (int64_t c = c0; c < c1; c++) job->first[c] = channel_sum(job, c, job->mean ? job->mean + c : NULL);
}

/// Channels [c0, c1): Σg' into job->first and Σg'·(x − mean) into job->second.
MYELIN_INLINE void gradient_sums_slice(const channel_job *job, int64_t c0, int64_t c1) {
    const int64_t n = job->n, C = job->channels, s = job->s;
    const float *m = job->relu_output;
    if (s == 1) {
        for (int64_t c = c0; c < c1; c++) job->first[c] = job->second[c] = 0;
        for (int64_t i = 0; i < n; i++)
            for (int64_t c = c0; c < c1; c++) {
                const int64_t e = i * C + c;
                const float gv = masked(job->g, m, e);
                job->first[c] += gv;
                job->second[c] += (double)(gv * (job->x[e] - job->mean[c]));
            }
        return;
    }
    for (int64_t c = c0; c < c1; c++) channel_gradient_sums(job, c, job->first + c, job->second + c);
}

/// Runs [r0, r1) of the element-wise pass: (i, c) runs when S > 1, rows i of the matrix when S = 1.
MYELIN_INLINE void affine_slice(const channel_job *job, int64_t r0, int64_t r1) {
    const int64_t C = job->channels, s = job->s;
    const float *g = job->g, *m = job->relu_output;
    if (s == 1) {
        for (int64_t i = r0; i < r1; i++) {
            const int64_t o = i * C;
            const float *restrict x = job->x + o;
            float *restrict out = job->out + o;
            for (int64_t c = 0; c < C; c++) {
                float y = job->a[c] * (x[c] - job->mean[c]) + job->d[c];
                if (g) y += job->b[c] * masked(g + o, m ? m + o : NULL, c);
                out[c] = job->relu && y < 0 ? 0.0f : y;
            }
        }
        return;
    }
    for (int64_t r = r0; r < r1; r++) {
        const int64_t c = r % C, o = r * s;
        run_affine(job->x + o, g ? g + o : NULL, m ? m + o : NULL, job->out + o, s, job->mean[c], job->a[c],
                   g ? job->b[c] : 0.0f, job->d[c], job->relu);
    }
}

/// σ⁻¹ = 1/√(Σ(x − μ)²/m + ε) and γσ⁻¹ of channel c: training's forward, fused or pass by pass.
MYELIN_INLINE float inverse_deviation(const channel_job *job, double squares) {
    return 1.0f / sqrtf((float)(squares / job->count) + job->epsilon);
}

MYELIN_INLINE float output_scale(const channel_job *job, int64_t c, float invstd) {
    return (job->weight ? job->weight[c] : 1.0f) * invstd;
}

/// Channels [c0, c1) of training's forward (S > 1): mean, Σ(x − μ)², then the output, each channel
/// while it is in cache.
MYELIN_INLINE void training_slice(const channel_job *job, int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) {
        const float mean = (float)(channel_sum(job, c, NULL) / job->count);
        const double squares = channel_sum(job, c, &mean);
        const float invstd = inverse_deviation(job, squares);
        const float scale = output_scale(job, c, invstd);
        channel_affine(job, c, mean, scale, 0.0f, job->bias ? job->bias[c] : 0.0f);
        job->mean_out[c] = mean;
        job->invstd_out[c] = invstd;
        job->first[c] = squares;
    }
}

/// The input gradient's coefficients of channel c: dx = b·g' + slope·(x − μ) + offset with
/// b = γσ⁻¹; in training, where the statistics depend on x, slope = −b·σ⁻²·Σg'(x − μ)/m and
/// offset = −b·Σg'/m over the m elements of the channel in the batch; in evaluation both are 0.
MYELIN_INLINE void input_gradient_coefficients(const channel_job *job, int64_t c, double sum_g, double sum_gd,
                                               float *slope, float *offset) {
    const float b = job->b[c], invstd = job->invstd[c];
    *slope = job->training ? (float)(-(double)(b * invstd * invstd) * sum_gd / job->count) : 0.0f;
    *offset = job->training ? (float)(-(double)b * sum_g / job->count) : 0.0f;
}

/// Channels [c0, c1) of the backward (S > 1): the gradient sums, then the input gradient, each
/// channel while it is in cache.
MYELIN_INLINE void backward_slice(const channel_job *job, int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) {
        double sum_g = 0, sum_gd = 0;
        if (job->first || (job->out && job->training && !job->batch_g)) channel_gradient_sums(job, c, &sum_g, &sum_gd);
        if (job->first) {
            job->first[c] = sum_g;
            job->second[c] = sum_gd;
        }
        if (!job->out) continue;
        if (job->batch_g) {
            sum_g = job->batch_g[c];
            sum_gd = job->batch_gd[c];
        }
        float slope, offset;
        input_gradient_coefficients(job, c, sum_g, sum_gd, &slope, &offset);
        channel_affine(job, c, job->mean[c], slope, job->b[c], offset);
    }
}

#define CHANNEL_KERNELS(suffix, target)                                                                       \
    target static void sums_##suffix(void *job, int64_t b, int64_t e) { sums_slice(job, b, e); }              \
    target static void gradient_sums_##suffix(void *job, int64_t b, int64_t e) { gradient_sums_slice(job, b, e); } \
    target static void affine_##suffix(void *job, int64_t b, int64_t e) { affine_slice(job, b, e); }           \
    target static void training_##suffix(void *job, int64_t b, int64_t e) { training_slice(job, b, e); }       \
    target static void backward_##suffix(void *job, int64_t b, int64_t e) { backward_slice(job, b, e); }
MYELIN_FOR_EACH_PATH(CHANNEL_KERNELS)

// MARK: - Entry points

/// Channels per slice of the sums: enough that each slice has real work; with S = 1 at least 16,
/// so that the inner loop along a row has some length.
static int64_t channel_grain(const channel_job *job) {
    const int64_t per_channel = job->n * job->s > 0 ? job->n * job->s : 1;
    const int64_t grain = GRAIN / per_channel > 0 ? GRAIN / per_channel : 1;
    return job->s == 1 && grain < 16 ? 16 : grain;
}

void myelin_channel_sums(int64_t n, int64_t channels, int64_t s, const float *x, const float *mean, double *sums) {
    channel_job job = {.n = n, .channels = channels, .s = s, .x = x, .mean = mean, .first = sums};
    myelin_parallel_for(channels, channel_grain(&job), MYELIN_BY_PATH(sums), &job);
}

void myelin_channel_gradient_sums(int64_t n, int64_t channels, int64_t s, const float *grad, const float *relu_output,
                                  const float *x, const float *mean, double *sum_grad, double *sum_grad_deviation) {
    channel_job job = {.n = n, .channels = channels, .s = s, .x = x, .mean = mean, .g = grad,
                       .relu_output = relu_output, .first = sum_grad, .second = sum_grad_deviation};
    myelin_parallel_for(channels, channel_grain(&job), MYELIN_BY_PATH(gradient_sums), &job);
}

void myelin_channel_affine(int64_t n, int64_t channels, int64_t s, const float *x, const float *mean, const float *a,
                           const float *d, const float *grad, const float *relu_output, const float *b,
                           myelin_activation activation, float *out) {
    channel_job job = {.n = n, .channels = channels, .s = s, .x = x, .mean = mean, .g = grad,
                       .relu_output = relu_output, .a = a, .b = b, .d = d,
                       .relu = activation == MYELIN_ACTIVATION_RELU, .out = out};
    const int64_t runs = s == 1 ? n : n * channels, per_run = s == 1 ? channels : s;
    myelin_parallel_for(runs, (GRAIN + per_run - 1) / (per_run > 0 ? per_run : 1), MYELIN_BY_PATH(affine), &job);
}

/// Per-channel float arrays for the pass-by-pass route of an [N, C] matrix.
static float *channel_floats(int64_t channels, int arrays) {
    float *p = malloc((size_t)(channels * arrays) * sizeof(float));
    if (p == NULL) abort();
    return p;
}

void myelin_batch_norm_training(int64_t n, int64_t channels, int64_t s, const float *x, const float *weight,
                                const float *bias, float epsilon, myelin_activation activation, float *out,
                                float *mean, float *invstd, double *squares) {
    channel_job job = {.n = n, .channels = channels, .s = s, .x = x, .weight = weight, .bias = bias,
                       .epsilon = epsilon, .relu = activation == MYELIN_ACTIVATION_RELU, .out = out,
                       .mean_out = mean, .invstd_out = invstd, .first = squares, .count = (double)(n * s)};
    if (s > 1) {
        myelin_parallel_for(channels, channel_grain(&job), MYELIN_BY_PATH(training), &job);
        return;
    }
    // Columns of a matrix: pass by pass, the same arithmetic as training_slice.
    myelin_channel_sums(n, channels, s, x, NULL, squares);
    for (int64_t c = 0; c < channels; c++) mean[c] = (float)(squares[c] / job.count);
    myelin_channel_sums(n, channels, s, x, mean, squares);
    float *scale = channel_floats(channels, 2), *shift = scale + channels;
    for (int64_t c = 0; c < channels; c++) {
        invstd[c] = inverse_deviation(&job, squares[c]);
        scale[c] = output_scale(&job, c, invstd[c]);
        shift[c] = bias ? bias[c] : 0.0f;
    }
    myelin_channel_affine(n, channels, s, x, mean, scale, shift, NULL, NULL, NULL, activation, out);
    free(scale);
}

void myelin_batch_norm_backward(int64_t n, int64_t channels, int64_t s, const float *grad, const float *relu_output,
                                const float *x, const float *mean, const float *scale, const float *invstd,
                                int training, double count, const double *batch_sum_grad,
                                const double *batch_sum_grad_deviation, double *sum_grad,
                                double *sum_grad_deviation, float *grad_input) {
    channel_job job = {.n = n, .channels = channels, .s = s, .x = x, .mean = mean, .g = grad,
                       .relu_output = relu_output, .b = scale, .invstd = invstd, .training = training,
                       .batch_g = batch_sum_grad, .batch_gd = batch_sum_grad_deviation, .count = count,
                       .first = sum_grad, .second = sum_grad_deviation, .out = grad_input};
    if (s > 1) {
        myelin_parallel_for(channels, channel_grain(&job), MYELIN_BY_PATH(backward), &job);
        return;
    }
    // Columns of a matrix: pass by pass, the same arithmetic as backward_slice.
    float *coefficients = channel_floats(channels, 2), *slope = coefficients, *offset = coefficients + channels;
    double *own = NULL;
    const int wants_sums = sum_grad || (grad_input && training && !batch_sum_grad);
    if (wants_sums && !sum_grad) {
        own = malloc((size_t)(2 * channels) * sizeof(double));
        if (own == NULL) abort();
        sum_grad = own;
        sum_grad_deviation = own + channels;
    }
    if (wants_sums)
        myelin_channel_gradient_sums(n, channels, s, grad, relu_output, x, mean, sum_grad, sum_grad_deviation);
    if (grad_input) {
        const double *g_sums = batch_sum_grad ? batch_sum_grad : sum_grad;
        const double *gd_sums = batch_sum_grad ? batch_sum_grad_deviation : sum_grad_deviation;
        for (int64_t c = 0; c < channels; c++)
            input_gradient_coefficients(&job, c, g_sums ? g_sums[c] : 0, gd_sums ? gd_sums[c] : 0, slope + c,
                                        offset + c);
        myelin_channel_affine(n, channels, s, x, mean, slope, offset, grad, relu_output, scale, MYELIN_ACTIVATION_NONE,
                              grad_input);
    }
    free(own);
    free(coefficients);
}
