// Layer normalisation: each row of `cols` floats is normalised by its own mean and variance,
// then scaled and shifted per column (γ, β):
//
//   forward:   y = γ·x̂ + β,  x̂ = (x − μ)·σ⁻¹,  σ⁻¹ = 1/√(var + ε)      (var biased, as PyTorch)
//   backward:  dx = σ⁻¹·(gγ − mean(gγ) − x̂·mean(gγ·x̂)),  dγ = Σ_rows g·x̂,  dβ = Σ_rows g
//
// dx can come with a gradient added to it (the one a residual connection has already collected for
// x): one more row read in the pass that writes dx, where adding it afterwards took a pass of its own.
//
// A row is read once per pass while it sits in L1. Rows are split over the thread pool. The column
// sums of the backward pass are taken per fixed chunk of rows (each chunk's partial sums in its own
// slot), then the chunks are added in order: the same bits on any thread count.
#include <math.h>
#include <string.h>

#include "internal.h"

enum { SCRATCH_PARTIALS = 9 };
// Rows per chunk of the column sums (at least CHUNK_ROWS, and few enough that there are at most
// MAX_CHUNKS, so the partial sums stay small for any input); a slice of the pool is a whole number of
// chunks. The chunk size depends on the row count only, so the sums are the same on any thread count.
enum { CHUNK_ROWS = 32, MAX_CHUNKS = 256 };
// Floats summed in 16 lanes, as myelin_row_sum does.
enum { LANES = 16 };

typedef struct layer_norm_job {
    int64_t rows, cols, chunk_rows;
    float epsilon;
    const float *x, *weight, *bias, *grad_output, *grad_input_addend;
    float *y, *mean, *rstd;
    float *grad_input, *partials; // partials: per chunk, Σ g·x̂ then Σ g (2·cols floats), or NULL
    void (*backward)(const struct layer_norm_job *job, int64_t r0, int64_t r1); // the path's
} layer_norm_job;

MYELIN_INLINE void forward_rows(const layer_norm_job *job, int64_t r0, int64_t r1) {
    const int64_t n = job->cols;
    const float *restrict w = job->weight, *restrict b = job->bias;
    for (int64_t r = r0; r < r1; r++) {
        const float *restrict x = job->x + r * n;
        float *restrict y = job->y + r * n;
        const float mu = myelin_row_sum(x, n) / (float)n;
        const float rs = 1.0f / sqrtf(myelin_row_squared_deviations(x, n, mu) / (float)n + job->epsilon);
        job->mean[r] = mu;
        job->rstd[r] = rs;
        if (w && b) for (int64_t j = 0; j < n; j++) y[j] = (x[j] - mu) * rs * w[j] + b[j];
        else if (w) for (int64_t j = 0; j < n; j++) y[j] = (x[j] - mu) * rs * w[j];
        else if (b) for (int64_t j = 0; j < n; j++) y[j] = (x[j] - mu) * rs + b[j];
        else for (int64_t j = 0; j < n; j++) y[j] = (x[j] - mu) * rs;
    }
}

// dx at column j of a row, from its mean(gγ) (ma) and mean(gγ·x̂) (mc).
MYELIN_INLINE float input_gradient(const float *g, const float *w, const float *x, int64_t j, float mu, float rs,
                                   float ma, float mc) {
    const float gw = w ? g[j] * w[j] : g[j];
    return rs * (gw - ma - (x[j] - mu) * rs * mc);
}

MYELIN_INLINE void backward_rows(const layer_norm_job *job, int64_t r0, int64_t r1) {
    const int64_t n = job->cols;
    const float *restrict w = job->weight;
    float *restrict dw = job->partials ? job->partials + (r0 / job->chunk_rows) * 2 * n : NULL;
    float *restrict db = dw ? dw + n : NULL;
    if (dw) memset(dw, 0, (size_t)(2 * n) * sizeof(float));
    for (int64_t r = r0; r < r1; r++) {
        const float *restrict x = job->x + r * n, *restrict g = job->grad_output + r * n;
        const float mu = job->mean[r], rs = job->rstd[r];
        if (dw) {
            for (int64_t j = 0; j < n; j++) {
                dw[j] += g[j] * (x[j] - mu) * rs;
                db[j] += g[j];
            }
        }
        if (!job->grad_input) continue;
        // Σ gγ and Σ gγ·x̂ in lanes, then dx in a second sweep over the row (still in L1).
        float la[LANES] = {0}, lc[LANES] = {0};
        int64_t j = 0;
        for (; j + LANES <= n; j += LANES)
            for (int l = 0; l < LANES; l++) {
                const float gw = w ? g[j + l] * w[j + l] : g[j + l];
                la[l] += gw;
                lc[l] += gw * (x[j + l] - mu) * rs;
            }
        float a = 0, c = 0;
        for (int l = 0; l < LANES; l++) {
            a += la[l];
            c += lc[l];
        }
        for (; j < n; j++) {
            const float gw = w ? g[j] * w[j] : g[j];
            a += gw;
            c += gw * (x[j] - mu) * rs;
        }
        const float ma = a / (float)n, mc = c / (float)n;
        float *restrict dx = job->grad_input + r * n;
        // One loop each way: choosing the addend per element kept the loop from vectorising. dx's
        // element is rounded before the addend is added (the bits of the separate sum it replaces).
        if (job->grad_input_addend) {
            const float *restrict addend = job->grad_input_addend + r * n;
            for (j = 0; j < n; j++) dx[j] = input_gradient(g, w, x, j, mu, rs, ma, mc) + addend[j];
        } else {
            for (j = 0; j < n; j++) dx[j] = input_gradient(g, w, x, j, mu, rs, ma, mc);
        }
    }
}

#define LAYER_NORM_KERNELS(suffix, target)                                                         \
    target static void forward_##suffix(void *job, int64_t r0, int64_t r1) { forward_rows(job, r0, r1); } \
    target static void backward_##suffix(const layer_norm_job *job, int64_t r0, int64_t r1) {      \
        backward_rows(job, r0, r1);                                                                 \
    }
MYELIN_FOR_EACH_PATH(LAYER_NORM_KERNELS)

// A slice is a range of chunks; each chunk's column sums go to its own slot of the partials.
static void backward_slice(void *context, int64_t c0, int64_t c1) {
    const layer_norm_job *job = context;
    for (int64_t c = c0; c < c1; c++) {
        const int64_t r0 = c * job->chunk_rows, r1 = r0 + job->chunk_rows < job->rows ? r0 + job->chunk_rows : job->rows;
        job->backward(job, r0, r1);
    }
}

// Rows per thread slice: enough floats that a hand-off (microseconds) pays.
static int64_t row_grain(int64_t cols) { return ((1 << 14) + cols - 1) / cols; }

void myelin_layer_norm_forward(int64_t rows, int64_t cols, const float *x, const float *weight, const float *bias,
                               float epsilon, float *y, float *mean, float *rstd) {
    if (rows <= 0 || cols <= 0) return;
    layer_norm_job job = {.rows = rows, .cols = cols, .epsilon = epsilon, .x = x, .weight = weight, .bias = bias,
                          .y = y, .mean = mean, .rstd = rstd};
    myelin_parallel_for(rows, row_grain(cols), MYELIN_BY_PATH(forward), &job);
}

void myelin_layer_norm_backward(int64_t rows, int64_t cols, const float *x, const float *weight, const float *mean,
                                const float *rstd, const float *grad_output, float *grad_input,
                                const float *grad_input_addend, float *grad_weight, float *grad_bias) {
    if (cols <= 0) return;
    if (rows <= 0) {
        // No rows: the parameters' gradients are zero, not whatever the buffers held.
        if (grad_weight) memset(grad_weight, 0, (size_t)cols * sizeof(float));
        if (grad_bias) memset(grad_bias, 0, (size_t)cols * sizeof(float));
        return;
    }
    const int64_t least = (rows + MAX_CHUNKS - 1) / MAX_CHUNKS;
    const int64_t chunk_rows = least > CHUNK_ROWS ? least : CHUNK_ROWS;
    const int64_t chunks = (rows + chunk_rows - 1) / chunk_rows;
    const int sums = grad_weight || grad_bias;
    layer_norm_job job = {.rows = rows, .cols = cols, .chunk_rows = chunk_rows, .x = x, .weight = weight, .mean = (float *)mean, .rstd = (float *)rstd,
                          .grad_output = grad_output, .grad_input = grad_input,
                          .grad_input_addend = grad_input_addend, .backward = MYELIN_BY_PATH(backward),
                          .partials = sums ? myelin_scratch(SCRATCH_PARTIALS, (size_t)(chunks * 2 * cols)) : NULL};
    const int64_t grain = (row_grain(cols) + chunk_rows - 1) / chunk_rows;
    myelin_parallel_for(chunks, grain, backward_slice, &job);
    if (!sums) return;
    // The chunks' sums, added in chunk order.
    float *restrict dw = job.partials, *restrict db = job.partials + cols;
    for (int64_t c = 1; c < chunks; c++) {
        const float *restrict p = job.partials + c * 2 * cols;
        for (int64_t j = 0; j < cols; j++) {
            dw[j] += p[j];
            db[j] += p[cols + j];
        }
    }
    if (grad_weight) memcpy(grad_weight, dw, (size_t)cols * sizeof(float));
    if (grad_bias) memcpy(grad_bias, db, (size_t)cols * sizeof(float));
}
